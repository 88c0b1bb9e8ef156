// Tensor: a Float32Array plus shape, strides and offset. Views (slice, transpose, reshape of a
// contiguous tensor) share memory; nothing here computes beyond copies: see ops.ts for kernels.
// A tensor handed to an async native call is marked busy until it settles; writes through the
// Tensor API are refused meanwhile (the memory is pinned, not copied).
import { ArgumentError, BusyError, ShapeError } from './errors';
import { describe, expectFloat32Array, expectNonNegativeInt } from './validate';

export type Shape = readonly number[];

function checkShape(shape: unknown, name = 'shape'): number[] {
  if (!Array.isArray(shape))
    throw new ArgumentError(`Expected array of positive integers for ${name} but received ${describe(shape)}`);
  for (const d of shape)
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1)
      throw new ArgumentError(
        `Expected positive integer dimensions for ${name} but received [${shape.map((x) => describe(x)).join(', ')}]`,
      );
  return shape.slice();
}

function product(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;
  /** Element strides per dimension. */
  readonly strides: readonly number[];
  /** Element offset of [0, 0, ...] in data. */
  readonly offset: number;
  private busyCount = 0;

  constructor(data: Float32Array, shape: Shape, strides?: readonly number[], offset = 0) {
    expectFloat32Array('data', data);
    const sh = checkShape(shape);
    const st = strides ? strides.slice() : contiguousStrides(sh);
    if (st.length !== sh.length)
      throw new ShapeError(`Expected ${sh.length} strides for shape [${sh}] but received ${st.length}`);
    expectNonNegativeInt('offset', offset);
    let last = offset;
    for (let i = 0; i < sh.length; ++i) {
      if (!Number.isSafeInteger(st[i]) || st[i] < 0)
        throw new ArgumentError(`Expected non-negative integer strides but received [${st}]`);
      last += (sh[i] - 1) * st[i];
    }
    if (sh.length > 0 && last >= data.length)
      throw new ShapeError(
        `shape [${sh}] with strides [${st}] at offset ${offset} needs ${last + 1} elements but data has ${data.length}`,
      );
    this.data = data;
    // Own copies, typed readonly; not frozen (Object.freeze costs ~60 ns per array on every op).
    this.shape = sh;
    this.strides = st;
    this.offset = offset;
  }

  /**
   * A tensor over `data`. A Float32Array is used as is (no copy); plain numbers (flat or nested
   * 2-D arrays) are copied. Without `shape`, a flat array becomes 1-D and nested rows 2-D.
   */
  static from(data: Float32Array | readonly number[] | readonly (readonly number[])[], shape?: Shape): Tensor {
    if (data instanceof Float32Array) return new Tensor(data, shape ?? [data.length]);
    if (!Array.isArray(data))
      throw new ArgumentError(`Expected Float32Array or array of numbers for data but received ${describe(data)}`);
    if (data.length > 0 && Array.isArray(data[0])) {
      const rows = data as readonly (readonly number[])[];
      const cols = rows[0].length;
      const flat = new Float32Array(rows.length * cols);
      rows.forEach((r, i) => {
        if (!Array.isArray(r) || r.length !== cols)
          throw new ShapeError(`Expected every row to have ${cols} values but row ${i} has ${Array.isArray(r) ? r.length : describe(r)}`);
        for (let j = 0; j < cols; ++j) flat[i * cols + j] = checkNumber(r[j], i, j);
      });
      return new Tensor(flat, shape ?? [rows.length, cols]);
    }
    const flat = Float32Array.from(data as readonly number[], (v, i) => checkNumber(v, i));
    return new Tensor(flat, shape ?? [flat.length]);
  }

  static zeros(shape: Shape): Tensor {
    const sh = checkShape(shape);
    return new Tensor(new Float32Array(product(sh)), sh);
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return product(this.shape);
  }

  get isContiguous(): boolean {
    const c = contiguousStrides(this.shape);
    return this.shape.every((d, i) => d === 1 || this.strides[i] === c[i]);
  }

  /** True while an async native call holds this tensor's memory. */
  get busy(): boolean {
    return this.busyCount > 0;
  }

  /** @internal used by ops around async native calls. */
  acquire(): void {
    this.busyCount++;
  }

  /** @internal */
  release(): void {
    this.busyCount--;
  }

  assertWritable(name = 'tensor'): void {
    if (this.busyCount > 0)
      throw new BusyError(`${name} is being used by a running async operation; await it before writing`);
  }

  /** Same elements in a new shape (one dimension may be -1). A view when contiguous, else a copy. */
  reshape(shape: readonly number[]): Tensor {
    const sh = shape.slice();
    const infer = sh.indexOf(-1);
    if (infer >= 0) {
      const rest = product(sh.filter((_, i) => i !== infer));
      if (rest === 0 || this.size % rest !== 0)
        throw new ShapeError(`cannot reshape [${this.shape}] (${this.size} elements) into [${shape}]`);
      sh[infer] = this.size / rest;
    }
    checkShape(sh);
    if (product(sh) !== this.size)
      throw new ShapeError(`cannot reshape [${this.shape}] (${this.size} elements) into [${shape}] (${product(sh)} elements)`);
    const base = this.contiguous();
    return new Tensor(base.data, sh, undefined, base.offset);
  }

  /** Rows [start, end) along the first dimension, sharing memory. */
  slice(start: number, end = this.shape[0]): Tensor {
    if (this.rank === 0) throw new ShapeError('cannot slice a 0-d tensor');
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > this.shape[0] || start >= end)
      throw new ArgumentError(`Expected 0 <= start < end <= ${this.shape[0]} for slice but received start=${describe(start)}, end=${describe(end)}`);
    const sh = [end - start, ...this.shape.slice(1)];
    return new Tensor(this.data, sh, this.strides, this.offset + start * this.strides[0]);
  }

  /** Columns [start, end) of a 2-D tensor, sharing memory (a strided view). */
  cols(start: number, end = this.shape[1]): Tensor {
    if (this.rank !== 2) throw new ShapeError(`cols() needs a 2-D tensor but this one has shape [${this.shape}]`);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > this.shape[1] || start >= end)
      throw new ArgumentError(`Expected 0 <= start < end <= ${this.shape[1]} for cols but received start=${describe(start)}, end=${describe(end)}`);
    return new Tensor(this.data, [this.shape[0], end - start], this.strides, this.offset + start * this.strides[1]);
  }

  /** 2-D transpose as a view (strides swapped); matmul reads it without copying. */
  transpose(): Tensor {
    if (this.rank !== 2) throw new ShapeError(`transpose() needs a 2-D tensor but this one has shape [${this.shape}]`);
    return new Tensor(this.data, [this.shape[1], this.shape[0]], [this.strides[1], this.strides[0]], this.offset);
  }

  /** This tensor if contiguous, else a contiguous copy. */
  contiguous(): Tensor {
    if (this.isContiguous) return this;
    const out = new Float32Array(this.size);
    let i = 0;
    this.forEachIndex((off) => {
      out[i++] = this.data[off];
    });
    return new Tensor(out, this.shape);
  }

  /** The elements in row-major order as one Float32Array: a view of `data` when contiguous,
   *  else a copy. What the engine's flat-array APIs take. */
  values(): Float32Array {
    const c = this.contiguous();
    const n = this.size;
    return c.offset === 0 && c.data.length === n ? c.data : c.data.subarray(c.offset, c.offset + n);
  }

  /** A contiguous copy that owns its memory. */
  clone(): Tensor {
    const c = this.contiguous();
    return new Tensor(c.data.slice(c.offset, c.offset + c.size), this.shape);
  }

  get(...index: number[]): number {
    return this.data[this.offsetOf(index)];
  }

  set(value: number, ...index: number[]): void {
    this.assertWritable();
    this.data[this.offsetOf(index)] = value;
  }

  /** Elements as nested arrays (numbers for 0-d/1-d leaves). */
  toArray(): number[] | number[][] | unknown[] {
    const rec = (dim: number, off: number): unknown => {
      const out = new Array(this.shape[dim]);
      for (let i = 0; i < this.shape[dim]; ++i)
        out[i] = dim === this.rank - 1 ? this.data[off + i * this.strides[dim]] : rec(dim + 1, off + i * this.strides[dim]);
      return out;
    };
    return rec(0, this.offset) as unknown[];
  }

  toString(): string {
    return `Tensor(shape=[${this.shape}], ${this.isContiguous ? 'contiguous' : 'strided'})`;
  }

  private offsetOf(index: number[]): number {
    if (index.length !== this.rank)
      throw new ArgumentError(`Expected ${this.rank} indices for shape [${this.shape}] but received ${index.length}`);
    let off = this.offset;
    for (let d = 0; d < this.rank; ++d) {
      const i = index[d];
      if (!Number.isSafeInteger(i) || i < 0 || i >= this.shape[d])
        throw new ArgumentError(`Expected index in [0, ${this.shape[d]}) for dimension ${d} but received ${describe(i)}`);
      off += i * this.strides[d];
    }
    return off;
  }

  private forEachIndex(fn: (offset: number) => void): void {
    const idx = new Array<number>(this.rank).fill(0);
    const total = this.size;
    for (let n = 0; n < total; ++n) {
      let off = this.offset;
      for (let d = 0; d < this.rank; ++d) off += idx[d] * this.strides[d];
      fn(off);
      for (let d = this.rank - 1; d >= 0; --d) {
        if (++idx[d] < this.shape[d]) break;
        idx[d] = 0;
      }
    }
  }
}

function checkNumber(v: unknown, i: number, j?: number): number {
  if (typeof v !== 'number')
    throw new ArgumentError(`Expected number at ${j === undefined ? `[${i}]` : `[${i}][${j}]`} but received ${describe(v)}`);
  return v;
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
