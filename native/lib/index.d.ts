// Typed interface of the raw addon. Positional arguments on purpose (a batch-1 call must stay
// near the bare N-API call cost); @amaas/core wraps them in a friendly, validated API.
// Every function throws (or rejects with) an Error whose `code` is one of NativeErrorCode.

export type NativeErrorCode =
  | 'INVALID_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'INVALID_TYPE'
  | 'OUT_OF_MEMORY'
  | 'RESOURCE_BUSY'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export type IsaName = 'scalar' | 'avx2' | 'avx512';

/** Activation codes of the fused epilogue: 0 identity, 1 relu, 2 sigmoid, 3 tanh, 4 gelu (erf form). */
export type ActivationCode = 0 | 1 | 2 | 3 | 4;

export interface CudaDeviceInfo {
  index: number;
  name: string;
  computeCapability: string;
  totalMemory: number;
}

export interface NativeEngineInfo {
  version: string;
  isa: IsaName;
  isaReason: string;
  isas: IsaName[];
  threads: number;
  maxThreads: number;
  cpu: {
    vendor: string;
    brand: string;
    features: Record<'avx2' | 'fma' | 'avx512f' | 'avx512bw' | 'avx512vnni' | 'avx512bf16' | 'avxvnni' | 'osAvx512', boolean>;
  };
  cuda: { available: boolean; reason: string; driverVersion: number; devices: CudaDeviceInfo[] };
}

/** op(B) packed into the micro-kernel layout of the ISA active when it was packed. */
export interface PackedMatrix {
  readonly k: number;
  readonly n: number;
  readonly isa: IsaName | 'none';
  readonly bytes: number;
  readonly disposed: boolean;
  /** Frees the packed memory now; throws RESOURCE_BUSY while an async call uses it. */
  dispose(): void;
}

/** C (M,N) = alpha * op(A) * op(B) + beta * C, + bias (N), then activation. Row-major, strided. */
export type SgemmArgs = [
  C: Float32Array, cOffset: number, ldc: number,
  A: Float32Array, aOffset: number, lda: number,
  B: Float32Array, bOffset: number, ldb: number,
  M: number, N: number, K: number,
  transA: boolean, transB: boolean, alpha: number, beta: number,
  bias: Float32Array | null, biasOffset: number, activation: ActivationCode,
];

export type SgemmPackedArgs = [
  C: Float32Array, cOffset: number, ldc: number,
  A: Float32Array, aOffset: number, lda: number,
  packed: PackedMatrix, M: number, transA: boolean, alpha: number, beta: number,
  bias: Float32Array | null, biasOffset: number, activation: ActivationCode,
];

export type SoftmaxArgs = [
  Y: Float32Array, yOffset: number, ldy: number,
  X: Float32Array, xOffset: number, ldx: number,
  rows: number, cols: number,
];

/** MLP layout: layer l maps sizes[l] -> sizes[l+1]; hidden 0..4 as ActivationCode; output 0 identity, 1 sigmoid, 2 softmax. */
export interface MlpSpecNative {
  sizes: number[];
  hidden: ActivationCode;
  output: 0 | 1 | 2;
  dropout: number;
}

/** Training configuration; enums as codes (loss 0 mse, 1 bce, 2 cce; optimizer 0 sgd, 1 adam, 2 adamw;
 *  schedule 0 constant, 1 step, 2 exponential, 3 cosine). Booleans as 0/1. */
export interface TrainConfigNative {
  loss: 0 | 1 | 2;
  epochs: number;
  batchSize: number;
  shuffle: 0 | 1;
  seed: number;
  optimizer: 0 | 1 | 2;
  lr: number;
  momentum?: number;
  nesterov?: 0 | 1;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  schedule?: 0 | 1 | 2 | 3;
  stepSize?: number;
  gamma?: number;
  minLr?: number;
  clipNorm?: number;
  patience?: number;
  minDelta?: number;
  restoreBest?: 0 | 1;
  reportEvery?: number;
  /** Distillation (soft targets given): weight of the soft-target term and its temperature. */
  distillAlpha?: number;
  distillTemperature?: number;
}

export interface TrainReportNative {
  epoch: number;
  step: number;
  endOfEpoch: boolean;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  samplesPerSec: number;
  lr: number;
}

export interface TrainResultNative {
  epochsRun: number;
  steps: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  cancelled: boolean;
  history: TrainReportNative[];
  /** Message of the first exception thrown by onReport, if any (training went on). */
  callbackError?: string;
}

/** An MLP with every layer packed once for inference (see mlpPack). */
export interface PackedMlpNative {
  readonly bytes: number;
  readonly disposed: boolean;
  /** Frees the packed weights now; throws RESOURCE_BUSY while an async prediction uses them. */
  dispose(): void;
}

/** Quantized kernel levels: the scalar twin, AVX2 (maddubs/madd), 256-bit VNNI (VEX or EVEX), 512-bit VNNI. */
export type QLevelName = 'scalar' | 'avx2' | 'avx-vnni' | 'avx512-vnni-256' | 'avx512-vnni';

/** int8 weights packed for the kernels (per-output-channel scales). */
export interface PackedQ8Native {
  readonly bytes: number;
  readonly disposed: boolean;
  readonly k: number;
  readonly n: number;
  dispose(): void;
}
/** int4 weights packed for the kernels (groups of 32 along K, fp16 scales). */
export type PackedQ4Native = PackedQ8Native;

/** One layer of a quantized MLP as stored: scheme 0 fp32 (w), 1 int8 (q8, q8Scales, actScale), 2 int4 (q4, q4Scales). */
export interface QuantizedLayerNative {
  scheme: 0 | 1 | 2;
  bias: Float32Array;
  w?: Float32Array;
  q8?: Int8Array;
  q8Scales?: Float32Array;
  /** > 0: calibrated static activation scale; 0: dynamic per row. */
  actScale?: number;
  q4?: Uint8Array;
  q4Scales?: Uint16Array;
}

export interface QuantizedMlpNative extends PackedMlpNative {
  readonly level: QLevelName;
}

/** qgemmQ8/qgemmQ4: C (M,N) = act(dequant(A (M,K) x W^T) + bias). */
export type QGemmArgs = [
  C: Float32Array, A: Float32Array, M: number, packed: PackedQ8Native, bias: Float32Array | null,
  activation: ActivationCode, actScale: number, level?: QLevelName | null,
];

/** What the CUDA backend can do here; `reason` says exactly why not (built without CUDA, no driver,
 *  driver too old, no device, compute capability below 8.0). */
export interface CudaInfoNative {
  builtWithCuda: boolean;
  available: boolean;
  reason: string;
  device?: { index: number; name: string; computeCapability: string; smCount: number; totalMemory: number };
  runtimeVersion: number;
  driverVersion: number;
}

/** fp32 on CUDA cores, or tensor cores on inputs rounded to TF32 / BF16 (fp32 accumulation). */
export type CudaPrecision = 'fp32' | 'tf32' | 'bf16';

export interface CudaGemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** (N) added after alpha/beta, before the activation. */
  bias?: Float32Array | null;
  activation?: ActivationCode;
  precision?: CudaPrecision;
}

export interface QgemmOptions {
  bias?: Float32Array | null;
  activation?: ActivationCode;
}

export interface NativeBinding {
  engineInfo(): NativeEngineInfo;
  /** Switches the kernel level for later calls; returns the active level. */
  setIsa(isa: IsaName): IsaName;
  /** Threads a kernel call may use (1..maxThreads); returns the new count. */
  setThreads(threads: number): number;
  /** Measured FMA throughput of the active ISA over `threads` threads, GFLOP/s. */
  fmaPeak(threads: number, seconds: number): Promise<number>;

  sgemm(...args: SgemmArgs): void;
  sgemmAsync(...args: SgemmArgs): Promise<void>;
  /** Plain triple loop in double precision, single thread: the twin every kernel is checked against. */
  sgemmReference(...args: SgemmArgs): void;

  packB(B: Float32Array, bOffset: number, ldb: number, K: number, N: number, transB: boolean): PackedMatrix;
  sgemmPacked(...args: SgemmPackedArgs): void;
  sgemmPackedAsync(...args: SgemmPackedArgs): Promise<void>;

  softmax(...args: SoftmaxArgs): void;
  softmaxAsync(...args: SoftmaxArgs): Promise<void>;

  /** Weights are [W0, b0, W1, b1, ...], W_l (sizes[l+1], sizes[l]) row-major. init 0 he, 1 xavier. */
  mlpInit(spec: MlpSpecNative, weights: Float32Array[], init: 0 | 1, seed: number): void;
  mlpForward(spec: MlpSpecNative, weights: Float32Array[], X: Float32Array, n: number, Y: Float32Array): void;
  mlpForwardAsync(spec: MlpSpecNative, weights: Float32Array[], X: Float32Array, n: number, Y: Float32Array): Promise<void>;
  /** Whole epochs on a worker thread; Y holds class indices (n) for loss 2, else (n, outputs). cancel[0] != 0 stops. */
  mlpTrain(
    spec: MlpSpecNative, weights: Float32Array[], X: Float32Array, Y: Float32Array, n: number,
    Xval: Float32Array | null, Yval: Float32Array | null, nVal: number, config: TrainConfigNative,
    onReport: ((r: TrainReportNative) => void) | null, cancel: Int32Array,
    soft?: Float32Array | null, masks?: Array<Float32Array | null> | null,
  ): Promise<TrainResultNative>;
  /** Packs every layer once: one native call per forward pass afterwards (the serving path). */
  mlpPack(spec: MlpSpecNative, weights: Float32Array[]): PackedMlpNative;
  mlpPredictPacked(packed: PackedMlpNative, X: Float32Array, n: number, Y: Float32Array): void;
  mlpPredictPackedAsync(packed: PackedMlpNative, X: Float32Array, n: number, Y: Float32Array): Promise<void>;
  mlpEvaluate(spec: MlpSpecNative, weights: Float32Array[], X: Float32Array, Y: Float32Array, n: number, loss: 0 | 1 | 2): { loss: number; accuracy?: number };

  /** Quantized kernel levels this CPU supports, and the default one (follows AMAAS_ISA). */
  qLevels(): { supported: QLevelName[]; active: QLevelName };
  /** Per-output-channel symmetric int8: Q (N*K), scales (N). */
  quantizeWeightsQ8(W: Float32Array, N: number, K: number, Q: Int8Array, scales: Float32Array): void;
  /** Group-wise int4: nibbles (N*ceil(K/2), value+8, low nibble = even k), fp16 scales (N*ceil(K/32)). */
  quantizeWeightsQ4(W: Float32Array, N: number, K: number, nibbles: Uint8Array, scales: Uint16Array): void;
  /** The int8 product's activation quantization: per row (actScale 0) or with one static scale. */
  quantizeRowsQ8(A: Float32Array, M: number, K: number, actScale: number, Q: Int8Array, scales: Float32Array): void;
  qPackQ8(Q: Int8Array, scales: Float32Array, N: number, K: number): PackedQ8Native;
  qPackQ4(nibbles: Uint8Array, scales: Uint16Array, N: number, K: number): PackedQ4Native;
  qgemmQ8(...args: QGemmArgs): void;
  qgemmQ8Async(...args: QGemmArgs): Promise<void>;
  qgemmQ4(...args: QGemmArgs): void;
  qgemmQ4Async(...args: QGemmArgs): Promise<void>;
  /** Raw u8 x s8 -> s32 (oneDNN's u8s8s32 without zero points). */
  qgemmU8s8s32(C: Int32Array, A: Uint8Array, M: number, packed: PackedQ8Native, level?: QLevelName | null): void;
  /** Measured integer dot-product peak of a level over `threads` threads, GOP/s (1 MAC = 2 ops). */
  int8Peak(level: QLevelName | null, threads: number, seconds: number): number;
  qmlpCreate(spec: MlpSpecNative, layers: QuantizedLayerNative[]): QuantizedMlpNative;
  /** Y = the network on X; with `layer`, the output of that layer (Y sized for it). */
  qmlpPredict(net: QuantizedMlpNative, X: Float32Array, n: number, Y: Float32Array, layer?: number | null): void;
  qmlpPredictAsync(net: QuantizedMlpNative, X: Float32Array, n: number, Y: Float32Array, layer?: number | null): Promise<void>;

  // ---- CUDA backend: every GPU call rejects with code UNAVAILABLE (and the reason) without a device.
  cudaInfo(): CudaInfoNative;
  /** C (M,N) = alpha op(A) op(B) + beta C + bias, activation, on the GPU. Contiguous row-major matrices. */
  cudaGemm(C: Float32Array, A: Float32Array, B: Float32Array, M: number, N: number, K: number, options?: CudaGemmOptions): Promise<void>;
  /** int8 GEMM: A (M,K) quantized per row on the GPU, W (N,K) int8 with per-row scales wScale (N) (see
   *  quantizeWeightsReference); C = act(rowScale * wScale * (qA qWᵀ) + bias). */
  cudaQgemm(C: Float32Array, A: Float32Array, W: Int8Array, wScale: Float32Array, M: number, N: number, K: number, options?: QgemmOptions): Promise<void>;
  /** Median ms of `iters` GEMM kernel launches on device-resident operands (C = A·Bᵀ, no host copies):
   *  the figure to set against cuBLAS (torch.matmul on CUDA tensors). */
  cudaKernelTime(kind: CudaPrecision | 'int8', M: number, N: number, K: number, iters: number): Promise<number>;
  /** The scalar twin of cudaQgemm (single thread, synchronous): the validation reference. */
  qgemmReference(C: Float32Array, A: Float32Array, W: Int8Array, wScale: Float32Array, M: number, N: number, K: number, options?: QgemmOptions): void;
  /** Symmetric per-row int8 quantization of activations (scale = max|x| / 127, q = rn(x · 1/scale)). */
  quantizeRowsReference(X: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array };
  /** Symmetric per-output-channel int8 quantization of weights W (N,K) (q = rn(w / scale)), for cudaQgemm. */
  quantizeWeightsReference(W: Float32Array, N: number, K: number): { q: Int8Array; scale: Float32Array };
  /** mlpTrain on the GPU: same arguments (soft targets and pruning masks included), reports and
   *  cancellation; weights updated in place at the end. */
  cudaMlpTrain(
    spec: MlpSpecNative, weights: Float32Array[], X: Float32Array, Y: Float32Array, n: number,
    Xval: Float32Array | null, Yval: Float32Array | null, nVal: number, config: TrainConfigNative,
    onReport: ((r: TrainReportNative) => void) | null, cancel: Int32Array,
    soft?: Float32Array | null, masks?: Array<Float32Array | null> | null,
  ): Promise<TrainResultNative>;
  /** mlpForward on the GPU (the served-model path with AMAAS_DEVICE=cuda). */
  cudaMlpForward(spec: MlpSpecNative, weights: Float32Array[], X: Float32Array, n: number, Y: Float32Array): Promise<void>;
}

declare const binding: NativeBinding;
export = binding;
