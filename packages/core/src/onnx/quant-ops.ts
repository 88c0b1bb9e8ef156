// ONNX's quantization operators with their exact semantics, so models and tools from the ONNX
// world can be checked against (and fed into) our int8 path. MatMulInteger and QLinearMatMul run
// on the native u8 x s8 -> s32 GEMM: int8 A is shifted to u8 and uint8 B to s8, and the zero
// points become exact integer row/column-sum corrections. QuantizeLinear, DequantizeLinear and
// DynamicQuantizeLinear are elementwise, with the kernels' rounding rule (ties to even).
import { ArgumentError, fromNative, ShapeError } from '../errors';
import { native } from '../native';
import { describe } from '../validate';

export type QuantArray = Uint8Array | Int8Array | Uint16Array | Int16Array;
type QuantCtor = Uint8ArrayConstructor | Int8ArrayConstructor | Uint16ArrayConstructor | Int16ArrayConstructor;

const RANGE = new Map<QuantCtor, [number, number]>([
  [Uint8Array, [0, 255]],
  [Int8Array, [-128, 127]],
  [Uint16Array, [0, 65535]],
  [Int16Array, [-32768, 32767]],
]);

function ctorOf(a: QuantArray): QuantCtor {
  return a.constructor as QuantCtor;
}

/** Rounds half to even (numpy.rint, the kernels' cvtps2dq). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v), d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

export interface AxisOptions {
  /** Axis of per-axis or blocked scales (default 1, as ONNX; negative counts from the end). */
  axis?: number;
  /** Blocked quantization: scale/zero point per `blockSize` elements along `axis`. */
  blockSize?: number;
}

/** Index into scale/zero point for each element of x (per tensor, per axis, or blocked). */
function paramIndex(shape: readonly number[], paramLength: number, paramShape: readonly number[] | null, o: AxisOptions): (i: number) => number {
  if (paramLength === 1) return () => 0;
  const rank = shape.length;
  const axis = (o.axis ?? 1) < 0 ? (o.axis ?? 1) + rank : (o.axis ?? 1);
  if (axis < 0 || axis >= rank) throw new ArgumentError(`axis ${o.axis} is out of range for rank ${rank}`);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const d = shape[axis];
  const block = o.blockSize ?? 0;
  if (block > 0) {
    // Scale shaped like x with ceil(d / block) along the axis.
    const pd = Math.ceil(d / block);
    if (paramShape && (paramShape.length !== rank || paramShape[axis] !== pd))
      throw new ShapeError(`blocked scale must have shape [${shape.map((s, i) => (i === axis ? pd : s))}] but has [${paramShape}]`);
    return (i) => {
      const outer = Math.floor(i / (inner * d)), a = Math.floor(i / inner) % d, r = i % inner;
      return (outer * pd + Math.floor(a / block)) * inner + r;
    };
  }
  if (paramLength !== d) throw new ShapeError(`per-axis scale needs ${d} values (axis ${axis}) but has ${paramLength}`);
  return (i) => Math.floor(i / inner) % d;
}

/** y = saturate(round(x / scale) + zeroPoint), typed like zeroPoint (uint8 when absent). */
export function quantizeLinear(
  x: Float32Array, shape: readonly number[], scale: Float32Array, zeroPoint: QuantArray | null,
  o: AxisOptions & { scaleShape?: readonly number[] } = {},
): QuantArray {
  const Ctor = zeroPoint ? ctorOf(zeroPoint) : Uint8Array;
  const [lo, hi] = RANGE.get(Ctor)!;
  const at = paramIndex(shape, scale.length, o.scaleShape ?? null, o);
  const y = new Ctor(x.length);
  for (let i = 0; i < x.length; ++i) {
    const j = at(i);
    const q = roundHalfEven(Math.fround(x[i] / scale[j])) + (zeroPoint ? zeroPoint[j] : 0);
    y[i] = Math.min(hi, Math.max(lo, q));
  }
  return y;
}

/** y = (x - zeroPoint) * scale as float32. */
export function dequantizeLinear(
  x: QuantArray | Int32Array, shape: readonly number[], scale: Float32Array, zeroPoint: QuantArray | Int32Array | null,
  o: AxisOptions & { scaleShape?: readonly number[] } = {},
): Float32Array {
  const at = paramIndex(shape, scale.length, o.scaleShape ?? null, o);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; ++i) {
    const j = at(i);
    y[i] = Math.fround((x[i] - (zeroPoint ? zeroPoint[j] : 0)) * scale[j]);
  }
  return y;
}

/** uint8 quantization with a scale and zero point chosen from the data (ONNX DynamicQuantizeLinear). */
export function dynamicQuantizeLinear(x: Float32Array): { y: Uint8Array; scale: number; zeroPoint: number } {
  let min = 0, max = 0;
  for (let i = 0; i < x.length; ++i) {
    min = Math.min(min, x[i]);
    max = Math.max(max, x[i]);
  }
  const scale = Math.fround(Math.fround(max - min) / 255);
  const zp = scale > 0 ? Math.min(255, Math.max(0, roundHalfEven(Math.fround(-min / scale)))) : 0;
  const y = new Uint8Array(x.length);
  for (let i = 0; i < x.length; ++i) y[i] = Math.min(255, Math.max(0, (scale > 0 ? roundHalfEven(Math.fround(x[i] / scale)) : 0) + zp));
  return { y, scale, zeroPoint: zp };
}

/** One (M,K) x (K,N) product with zero points, exact in int32, on the native int8 GEMM. */
function integerMatmul2d(
  a: Uint8Array | Int8Array, b: Uint8Array | Int8Array, M: number, K: number, N: number,
  aZp: ArrayLike<number>, bZp: ArrayLike<number>,
): Int32Array {
  // A to u8 (int8 + 128), B to s8 (uint8 - 128); the shifts move into the zero points.
  const aShift = a instanceof Int8Array ? 128 : 0, bShift = b instanceof Uint8Array ? -128 : 0;
  const au = new Uint8Array(M * K);
  for (let i = 0; i < au.length; ++i) au[i] = a[i] + aShift;
  const q = new Int8Array(N * K); // B^T: (N, K) rows, as the packed weights are stored
  for (let k = 0; k < K; ++k) for (let n = 0; n < N; ++n) q[n * K + k] = b[k * N + n] + bShift;
  const raw = new Int32Array(M * N);
  try {
    const packed = native.qPackQ8(q, new Float32Array(N).fill(1), N, K);
    native.qgemmU8s8s32(raw, au, M, packed, null);
    packed.dispose();
  } catch (err) {
    throw fromNative(err);
  }
  const rowSum = new Float64Array(M), colSum = new Float64Array(N);
  for (let m = 0; m < M; ++m) for (let k = 0; k < K; ++k) rowSum[m] += au[m * K + k];
  for (let n = 0; n < N; ++n) for (let k = 0; k < K; ++k) colSum[n] += q[n * K + k];
  // sum (a - za)(b - zb) = sum ab - zb sum a - za sum b + K za zb, per row / column zero points.
  for (let m = 0; m < M; ++m) {
    const za = (aZp.length === 1 ? aZp[0] : aZp[m]) + aShift;
    for (let n = 0; n < N; ++n) {
      const zb = (bZp.length === 1 ? bZp[0] : bZp[n]) + bShift;
      raw[m * N + n] = raw[m * N + n] - zb * rowSum[m] - za * colSum[n] + K * za * zb;
    }
  }
  return raw;
}

interface Batched {
  shape: number[];
  each: (fn: (aOff: number, bOff: number, yOff: number) => void) => void;
  M: number;
  K: number;
  N: number;
}

/** Matmul shapes with numpy broadcasting over the leading (batch) dimensions. */
function batchShapes(aShape: readonly number[], bShape: readonly number[]): Batched {
  if (aShape.length < 2 || bShape.length < 2) throw new ShapeError(`integer matmul needs inputs of rank >= 2 but received [${aShape}] and [${bShape}]`);
  const M = aShape[aShape.length - 2], K = aShape[aShape.length - 1];
  const K2 = bShape[bShape.length - 2], N = bShape[bShape.length - 1];
  if (K !== K2) throw new ShapeError(`inner dimensions differ: [${aShape}] x [${bShape}]`);
  const ab = aShape.slice(0, -2), bb = bShape.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const pa = Array(rank - ab.length).fill(1).concat(ab), pb = Array(rank - bb.length).fill(1).concat(bb);
  const batch = pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new ShapeError(`batch dimensions [${ab}] and [${bb}] do not broadcast`);
    return Math.max(d, pb[i]);
  });
  const count = batch.reduce((x, y) => x * y, 1);
  const offset = (dims: number[], idx: number[]) => dims.reduce((off, d, i) => off * d + (d === 1 ? 0 : idx[i]), 0);
  return {
    shape: [...batch, M, N], M, K, N,
    each(fn) {
      for (let t = 0; t < count; ++t) {
        const idx: number[] = [];
        let r = t;
        for (let i = rank - 1; i >= 0; --i) {
          idx[i] = r % batch[i];
          r = Math.floor(r / batch[i]);
        }
        fn(offset(pa, idx) * M * K, offset(pb, idx) * K * N, t * M * N);
      }
    },
  };
}

/** ONNX MatMulInteger: int32 (A - aZeroPoint) x (B - bZeroPoint); A, B uint8 or int8. */
export function matmulInteger(
  a: Uint8Array | Int8Array, aShape: readonly number[], b: Uint8Array | Int8Array, bShape: readonly number[],
  aZeroPoint: ArrayLike<number> = [0], bZeroPoint: ArrayLike<number> = [0],
): { data: Int32Array; shape: number[] } {
  if (!(a instanceof Uint8Array || a instanceof Int8Array) || !(b instanceof Uint8Array || b instanceof Int8Array))
    throw new ArgumentError(`MatMulInteger takes uint8/int8 inputs but received ${describe(a)} and ${describe(b)}`);
  const s = batchShapes(aShape, bShape);
  const out = new Int32Array(s.shape.reduce((x, y) => x * y, 1));
  s.each((ao, bo, yo) => out.set(integerMatmul2d(a.subarray(ao, ao + s.M * s.K), b.subarray(bo, bo + s.K * s.N), s.M, s.K, s.N, aZeroPoint, bZeroPoint), yo));
  return { data: out, shape: s.shape };
}

/** ONNX QLinearMatMul: quantized A x quantized B -> quantized Y (typed like yZeroPoint). */
export function qlinearMatmul(
  a: Uint8Array | Int8Array, aShape: readonly number[], aScale: Float32Array, aZeroPoint: Uint8Array | Int8Array,
  b: Uint8Array | Int8Array, bShape: readonly number[], bScale: Float32Array, bZeroPoint: Uint8Array | Int8Array,
  yScale: Float32Array, yZeroPoint: Uint8Array | Int8Array,
): { data: QuantArray; shape: number[] } {
  const { data: acc, shape } = matmulInteger(a, aShape, b, bShape, aZeroPoint, bZeroPoint);
  const Ctor = ctorOf(yZeroPoint);
  const [lo, hi] = RANGE.get(Ctor)!;
  const N = shape[shape.length - 1];
  const y = new Ctor(acc.length);
  for (let i = 0; i < acc.length; ++i) {
    const n = i % N;
    // The format owner's reference: float32 multiplier, int32 x multiplier in double, rint.
    const mult = Math.fround(Math.fround(aScale[0] * bScale[bScale.length === 1 ? 0 : n]) / yScale[0]);
    y[i] = Math.min(hi, Math.max(lo, roundHalfEven(acc[i] * mult) + yZeroPoint[0]));
  }
  return { data: y, shape };
}
