// Dense ops over the native engine: matmul, linear (x·Wᵀ + b with a fused activation),
// softmax, and PackedLinear (weights packed once: the inference path).
// Each op has a Promise form, which runs small work synchronously and large work on a libuv
// worker (see ASYNC_MIN_FLOPS), and a *Sync form for hot paths that know their work is small.
import type { ActivationCode, PackedMatrix } from '@amaas/native';
import { ArgumentError, DisposedError, fromNative, ShapeError } from './errors';
import { native } from './native';
import { Tensor } from './tensor';
import { describe, expectOneOf } from './validate';

export const ACTIVATIONS = ['identity', 'relu', 'sigmoid', 'tanh', 'gelu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
const activationCode: Record<Activation, ActivationCode> = { identity: 0, relu: 1, sigmoid: 2, tanh: 3, gelu: 4 };

/**
 * Work (2·M·N·K flops) from which the Promise forms hand the call to a libuv worker. Measured
 * here: the worker round trip costs ≈ 40 µs, and 4 MFLOP takes ≈ 20-40 µs on this engine, so
 * below this a synchronous call finishes before a hand-off alone would.
 */
export const ASYNC_MIN_FLOPS = 4e6;

/** A 2-D operand as the GEMM sees it: row-major storage, maybe transposed. */
interface Operand {
  data: Float32Array;
  offset: number;
  ld: number;
  trans: boolean;
}

function expectTensor(name: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) throw new ArgumentError(`Expected Tensor for ${name} but received ${describe(v)}`);
  return v;
}

function expect2d(name: string, v: unknown): Tensor {
  const t = expectTensor(name, v);
  if (t.rank !== 2) throw new ShapeError(`Expected a 2-D tensor for ${name} but received shape [${t.shape}]`);
  return t;
}

function asOperand(t: Tensor): Operand {
  const [r, c] = t.shape;
  const [s0, s1] = t.strides;
  if (s1 === 1 || c === 1) {
    const ld = r === 1 ? Math.max(s0, c) : s0;
    if (ld >= c) return { data: t.data, offset: t.offset, ld, trans: false };
  }
  if (s0 === 1 || r === 1) {
    const ld = c === 1 ? Math.max(s1, r) : s1;
    if (ld >= r) return { data: t.data, offset: t.offset, ld, trans: true };
  }
  const copy = t.contiguous();
  return { data: copy.data, offset: copy.offset, ld: c, trans: false };
}

function outputFor(name: string, out: Tensor | undefined, rows: number, cols: number): Tensor {
  if (out === undefined) return Tensor.zeros([rows, cols]);
  expect2d(name, out);
  if (out.shape[0] !== rows || out.shape[1] !== cols)
    throw new ShapeError(`Expected ${name} of shape [${rows},${cols}] but received [${out.shape}]`);
  if (out.strides[1] !== 1 && cols !== 1)
    throw new ShapeError(`Expected ${name} with contiguous rows (stride 1 along columns) but received strides [${out.strides}]`);
  out.assertWritable(name);
  return out;
}

function rowStride(t: Tensor): number {
  return t.shape[0] === 1 ? Math.max(t.strides[0], t.shape[1]) : t.strides[0];
}

function biasArray(bias: Tensor | undefined, n: number, name = 'bias'): Float32Array | null {
  if (bias === undefined) return null;
  expectTensor(name, bias);
  if (bias.size !== n || bias.rank > 2 || (bias.rank === 2 && bias.shape[0] !== 1))
    throw new ShapeError(`Expected ${name} of shape [${n}] but received [${bias.shape}]`);
  return bias.values();
}

interface GemmPlan {
  out: Tensor;
  args: Parameters<typeof native.sgemm>;
  flops: number;
  inputs: Tensor[];
}

function planGemm(a: Tensor, b: Tensor, out: Tensor | undefined, bias: Float32Array | null, act: Activation): GemmPlan {
  const [M, K] = a.shape;
  const [K2, N] = b.shape;
  if (K !== K2)
    throw new ShapeError(
      `inner dimensions must match: a is [${a.shape}] and b is [${b.shape}]; expected b.shape[0] = ${K} but received ${K2}`,
    );
  const A = asOperand(a);
  const B = asOperand(b);
  const C = outputFor('out', out, M, N);
  return {
    out: C,
    args: [C.data, C.offset, rowStride(C), A.data, A.offset, A.ld, B.data, B.offset, B.ld, M, N, K, A.trans, B.trans, 1, 0, bias, 0, activationCode[act]],
    flops: 2 * M * N * K,
    inputs: [a, b, C],
  };
}

function runSync(plan: GemmPlan): Tensor {
  try {
    native.sgemm(...plan.args);
  } catch (err) {
    throw fromNative(err);
  }
  return plan.out;
}

async function runAsync(plan: GemmPlan): Promise<Tensor> {
  if (plan.flops < ASYNC_MIN_FLOPS) return runSync(plan);
  for (const t of plan.inputs) t.acquire();
  try {
    await native.sgemmAsync(...plan.args);
  } catch (err) {
    throw fromNative(err);
  } finally {
    for (const t of plan.inputs) t.release();
  }
  return plan.out;
}

export interface MatmulOptions {
  /** Write the (M,N) result here instead of a new tensor (rows must be contiguous). */
  out?: Tensor;
}

/** a (M,K) · b (K,N) -> (M,N). Transposed or strided views are read without copying. */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Promise<Tensor> {
  try {
    return runAsync(planGemm(expect2d('a', a), expect2d('b', b), options.out, null, 'identity'));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Synchronous matmul: blocks the event loop for the whole computation; use for small work. */
export function matmulSync(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  return runSync(planGemm(expect2d('a', a), expect2d('b', b), options.out, null, 'identity'));
}

export interface LinearOptions {
  activation?: Activation;
  out?: Tensor;
}

function planLinear(x: Tensor, weight: Tensor, bias: Tensor | undefined, options: LinearOptions): GemmPlan {
  expect2d('x', x);
  expect2d('weight', weight);
  const act = expectOneOf('activation', options.activation ?? 'identity', ACTIVATIONS);
  if (x.shape[1] !== weight.shape[1])
    throw new ShapeError(
      `x has ${x.shape[1]} features but weight [${weight.shape}] expects ${weight.shape[1]} (weight is (outFeatures, inFeatures))`,
    );
  return planGemm(x, weight.transpose(), options.out, biasArray(bias, weight.shape[0]), act);
}

/** x (M,K) · weightᵀ (weight is (N,K)) + bias (N), then the activation, fused in one pass. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, options: LinearOptions = {}): Promise<Tensor> {
  try {
    return runAsync(planLinear(x, weight, bias, options));
  } catch (err) {
    return Promise.reject(err);
  }
}

export function linearSync(x: Tensor, weight: Tensor, bias?: Tensor, options: LinearOptions = {}): Tensor {
  return runSync(planLinear(x, weight, bias, options));
}

function planSoftmax(x: Tensor, out: Tensor | undefined): { args: Parameters<typeof native.softmax>; out: Tensor; size: number; inputs: Tensor[] } {
  expectTensor('x', x);
  if (x.rank < 1 || x.rank > 2) throw new ShapeError(`softmax expects a 1-D or 2-D tensor but received shape [${x.shape}]`);
  const x2 = x.rank === 1 ? x.reshape([1, x.shape[0]]) : x;
  const src = x2.strides[1] === 1 || x2.shape[1] === 1 ? x2 : x2.contiguous();
  const [rows, cols] = src.shape;
  const y = outputFor('out', out === undefined ? undefined : out.rank === 1 ? out.reshape([1, out.shape[0]]) : out, rows, cols);
  return {
    args: [y.data, y.offset, rowStride(y), src.data, src.offset, rowStride(src), rows, cols],
    out: out ?? (x.rank === 1 ? y.reshape([cols]) : y),
    size: rows * cols,
    inputs: [src, y],
  };
}

/** Row-wise softmax of a 2-D tensor (or of a 1-D vector). */
export async function softmax(x: Tensor, options: { out?: Tensor } = {}): Promise<Tensor> {
  const plan = planSoftmax(x, options.out);
  if (plan.size < 1 << 16) return softmaxSync(x, options);
  for (const t of plan.inputs) t.acquire();
  try {
    await native.softmaxAsync(...plan.args);
  } catch (err) {
    throw fromNative(err);
  } finally {
    for (const t of plan.inputs) t.release();
  }
  return plan.out;
}

export function softmaxSync(x: Tensor, options: { out?: Tensor } = {}): Tensor {
  const plan = planSoftmax(x, options.out);
  try {
    native.softmax(...plan.args);
  } catch (err) {
    throw fromNative(err);
  }
  return plan.out;
}

/**
 * A dense layer whose weight is packed once into the kernel's panel layout: every forward pass
 * skips the packing, which is what makes batch-1 inference fast. Call dispose() to free the
 * packed copy early (the garbage collector frees it otherwise).
 */
export class PackedLinear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: Activation;
  private packed: PackedMatrix | null;
  private readonly bias: Float32Array | null;
  private readonly act: ActivationCode;

  constructor(weight: Tensor, bias?: Tensor, options: { activation?: Activation } = {}) {
    expect2d('weight', weight);
    this.activation = expectOneOf('activation', options.activation ?? 'identity', ACTIVATIONS);
    this.act = activationCode[this.activation];
    [this.outFeatures, this.inFeatures] = weight.shape;
    const b = biasArray(bias, this.outFeatures);
    this.bias = b ? b.slice() : null;  // own copy: later writes to `bias` do not leak in
    const B = asOperand(weight.transpose());
    try {
      this.packed = native.packB(B.data, B.offset, B.ld, this.inFeatures, this.outFeatures, B.trans);
    } catch (err) {
      throw fromNative(err);
    }
  }

  /** Bytes of the packed weight. */
  get bytes(): number {
    return this.packed?.bytes ?? 0;
  }

  private plan(x: Tensor, out: Tensor | undefined): { args: Parameters<typeof native.sgemmPacked>; out: Tensor; flops: number } {
    if (this.packed === null) throw new DisposedError('PackedLinear was disposed');
    expect2d('x', x);
    if (x.shape[1] !== this.inFeatures)
      throw new ShapeError(`Expected x with ${this.inFeatures} features (shape [M,${this.inFeatures}]) but received [${x.shape}]`);
    const M = x.shape[0];
    const A = asOperand(x);
    const C = outputFor('out', out, M, this.outFeatures);
    return {
      args: [C.data, C.offset, rowStride(C), A.data, A.offset, A.ld, this.packed, M, A.trans, 1, 0, this.bias, 0, this.act],
      out: C,
      flops: 2 * M * this.inFeatures * this.outFeatures,
    };
  }

  /** x (M, inFeatures) -> (M, outFeatures), synchronously. */
  forwardSync(x: Tensor, out?: Tensor): Tensor {
    const p = this.plan(x, out);
    try {
      native.sgemmPacked(...p.args);
    } catch (err) {
      throw fromNative(err);
    }
    return p.out;
  }

  async forward(x: Tensor, out?: Tensor): Promise<Tensor> {
    const p = this.plan(x, out);
    if (p.flops < ASYNC_MIN_FLOPS) return this.forwardSync(x, out);
    x.acquire();
    p.out.acquire();
    try {
      await native.sgemmPackedAsync(...p.args);
    } catch (err) {
      throw fromNative(err);
    } finally {
      x.release();
      p.out.release();
    }
    return p.out;
  }

  dispose(): void {
    if (this.packed === null) return;
    try {
      this.packed.dispose();
    } catch (err) {
      throw fromNative(err);
    }
    this.packed = null;
  }
}

/** Packs `weight` (outFeatures, inFeatures) once for repeated inference. */
export function packLinear(weight: Tensor, bias?: Tensor, options: { activation?: Activation } = {}): PackedLinear {
  return new PackedLinear(weight, bias, options);
}
