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
}

declare const binding: NativeBinding;
export = binding;
