// The CUDA backend from TypeScript: where work runs ('cpu' | 'cuda', AMAAS_DEVICE as the default),
// GPU matmul / int8 matmul over Tensors, and the training entry Mlp.fit uses for device: 'cuda'.
// Asking for 'cuda' where it cannot run throws UnavailableError (code UNAVAILABLE) with the engine's
// reason (built without CUDA, no driver, no device...); nothing silently falls back.
import type { CudaInfoNative, CudaPrecision, NativeBinding } from '@amaas/native';
import { ArgumentError, fromNative, UnavailableError } from './errors';
import { native } from './native';
import type { Mlp } from './models/mlp';
import { type Activation, ACTIVATIONS } from './ops';
import { Tensor } from './tensor';
import { describe, expectOneOf } from './validate';

export type Device = 'cpu' | 'cuda';
export const DEVICES: readonly Device[] = ['cpu', 'cuda'];
export type { CudaPrecision };

/** Whether this build has CUDA kernels, whether a device can run them, and if not, why. */
export function cudaInfo(): CudaInfoNative {
  return native.cudaInfo();
}

/** Throws UnavailableError naming `what` and the engine's reason when no CUDA device can run it. */
export function requireCuda(what: string): void {
  const info = native.cudaInfo();
  if (!info.available) throw new UnavailableError(`${what} needs a CUDA device, but ${info.reason}`);
}

/** `device` if given, else AMAAS_DEVICE, else 'cpu'; validated. 'cuda' also requires a usable device. */
export function resolveDevice(device: unknown, what: string): Device {
  const env = process.env.AMAAS_DEVICE;
  const chosen = device ?? (env === undefined || env === '' ? 'cpu' : env);
  const name = device === undefined && env ? 'AMAAS_DEVICE' : 'device';
  if (typeof chosen !== 'string' || !(DEVICES as readonly string[]).includes(chosen))
    expectOneOf(name, chosen, DEVICES);
  if (chosen === 'cuda') requireCuda(what);
  return chosen as Device;
}

/** The native training loop for a device: the one Mlp.fit calls (same arguments either way). */
export function trainFunction(device: unknown): NativeBinding['mlpTrain'] {
  return resolveDevice(device, 'fit') === 'cuda' ? native.cudaMlpTrain : native.mlpTrain;
}

export interface CudaMatmulOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  /** (N) added to every row, then the activation. */
  bias?: Tensor | Float32Array;
  activation?: Activation;
  /** 'fp32' (default, CUDA cores), 'tf32' or 'bf16' (tensor cores, fp32 accumulation). */
  precision?: CudaPrecision;
}

function matrix(name: string, t: unknown): { data: Float32Array; rows: number; cols: number } {
  if (!(t instanceof Tensor) || t.shape.length !== 2)
    throw new ArgumentError(`Expected a 2-D Tensor for ${name} but received ${describe(t)}`);
  return { data: t.values(), rows: t.shape[0], cols: t.shape[1] };
}

function biasData(bias: Tensor | Float32Array | undefined): Float32Array | null {
  if (bias === undefined) return null;
  return bias instanceof Tensor ? bias.values() : bias;
}

function activationCode(a: Activation | undefined): 0 | 1 | 2 | 3 | 4 {
  return ACTIVATIONS.indexOf(expectOneOf('activation', a ?? 'identity', ACTIVATIONS)) as 0 | 1 | 2 | 3 | 4;
}

/** op(a) · op(b) (+ bias, activation) on the GPU. Throws UnavailableError without a device. */
export async function cudaMatmul(a: Tensor, b: Tensor, options: CudaMatmulOptions = {}): Promise<Tensor> {
  requireCuda('cudaMatmul');
  const A = matrix('a', a), B = matrix('b', b);
  const M = options.transA ? A.cols : A.rows, K = options.transA ? A.rows : A.cols;
  const N = options.transB ? B.rows : B.cols;
  const out = new Float32Array(M * N);
  try {
    await native.cudaGemm(out, A.data, B.data, M, N, K, {
      transA: options.transA ?? false,
      transB: options.transB ?? false,
      alpha: options.alpha ?? 1,
      bias: biasData(options.bias),
      activation: activationCode(options.activation),
      precision: options.precision ?? 'fp32',
    });
  } catch (err) {
    throw fromNative(err);
  }
  return Tensor.from(out, [M, N]);
}

/** Weights quantized once for cudaQmatmul: int8 (N,K), symmetric per output channel. */
export interface Int8Weights {
  q: Int8Array;
  scale: Float32Array;
  n: number;
  k: number;
}

/** Quantizes W (N,K) (a Linear layer's weight, one row per output) with the engine's int8 scheme. */
export function quantizeWeightsInt8(w: Tensor): Int8Weights {
  const W = matrix('w', w);
  try {
    const { q, scale } = native.quantizeWeightsReference(W.data, W.rows, W.cols);
    return { q, scale, n: W.rows, k: W.cols };
  } catch (err) {
    throw fromNative(err);
  }
}

/** x (M,K) · Wᵀ on int8 tensor cores: x quantized per row on the GPU, int32 accumulation, dequantized. */
export async function cudaQmatmul(
  x: Tensor, w: Int8Weights, options: { bias?: Tensor | Float32Array; activation?: Activation } = {},
): Promise<Tensor> {
  requireCuda('cudaQmatmul');
  const X = matrix('x', x);
  const out = new Float32Array(X.rows * w.n);
  try {
    await native.cudaQgemm(out, X.data, w.q, w.scale, X.rows, w.n, w.k, {
      bias: biasData(options.bias),
      activation: activationCode(options.activation),
    });
  } catch (err) {
    throw fromNative(err);
  }
  return Tensor.from(out, [X.rows, w.n]);
}

const OUTPUT_CODES = { identity: 0, sigmoid: 1, softmax: 2 } as const;

/**
 * predictProba on the device that `device` (default AMAAS_DEVICE, else 'cpu') names: the served-model
 * hook for AMAAS_DEVICE=cuda. On 'cuda' the weights travel with each call (no GPU-resident model
 * yet); on 'cpu' it is model.predictProba. Throws UnavailableError for 'cuda' without a device.
 */
export async function predictProbaOn(model: Mlp, x: Tensor, device?: Device): Promise<Tensor> {
  if (resolveDevice(device, 'predictProba') === 'cpu') return model.predictProba(x);
  if (!model.fitted) return model.predictProba(x);  // the CPU path raises the coded NotFittedError
  const X = matrix('x', x);
  if (X.cols !== model.inputs) return model.predictProba(x);  // and its shape error
  const spec = {
    sizes: model.layers.slice(),
    hidden: ACTIVATIONS.indexOf(model.activation) as 0 | 1 | 2 | 3 | 4,
    output: OUTPUT_CODES[model.output],
    dropout: model.dropout,
  };
  const out = new Float32Array(X.rows * model.outputs);
  try {
    await native.cudaMlpForward(spec, model.weights, X.data, X.rows, out);
  } catch (err) {
    throw fromNative(err);
  }
  return Tensor.from(out, [X.rows, model.outputs]);
}
