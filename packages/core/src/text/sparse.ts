// A compressed sparse row (CSR) matrix of float32 values, the output of the vectorizers, and
// csrTimesDenseT: sparse rows times a dense weight matrix transposed, touching only non-zeros.
// Not a general sparse library: no sparse-sparse products, no in-place edits, no COO/CSC.
import { ArgumentError, DataError, ShapeError } from '../errors';
import { Tensor } from '../tensor';
import { describe, expectPositiveInt } from '../validate';

/**
 * Row r holds the values values[indptr[r] .. indptr[r+1]) at columns indices[same range].
 * Column indices within a row are not required to be sorted or distinct (duplicates add up,
 * as in scipy); everything this package builds has them sorted and distinct.
 */
export class CsrMatrix {
  readonly values: Float32Array;
  readonly indices: Int32Array;
  readonly indptr: Int32Array;
  readonly rows: number;
  readonly cols: number;

  constructor(values: Float32Array, indices: Int32Array, indptr: Int32Array, rows: number, cols: number) {
    if (!(values instanceof Float32Array)) throw new ArgumentError(`Expected Float32Array for values but received ${describe(values)}`);
    if (!(indices instanceof Int32Array)) throw new ArgumentError(`Expected Int32Array for indices but received ${describe(indices)}`);
    if (!(indptr instanceof Int32Array)) throw new ArgumentError(`Expected Int32Array for indptr but received ${describe(indptr)}`);
    expectPositiveInt('rows', rows);
    expectPositiveInt('cols', cols);
    if (indptr.length !== rows + 1) throw new ShapeError(`Expected indptr of length rows + 1 = ${rows + 1} but received ${indptr.length}`);
    if (values.length !== indices.length)
      throw new ShapeError(`Expected values and indices of the same length but received ${values.length} and ${indices.length}`);
    if (indptr[0] !== 0 || indptr[rows] !== values.length)
      throw new ShapeError(`Expected indptr to run from 0 to nnz = ${values.length} but received ${indptr[0]} .. ${indptr[rows]}`);
    for (let r = 0; r < rows; ++r)
      if (indptr[r + 1] < indptr[r]) throw new ShapeError(`Expected non-decreasing indptr but indptr[${r + 1}] = ${indptr[r + 1]} < indptr[${r}] = ${indptr[r]}`);
    for (let i = 0; i < indices.length; ++i)
      if (indices[i] < 0 || indices[i] >= cols) throw new ShapeError(`Expected column indices in [0, ${cols}) but indices[${i}] is ${indices[i]}`);
    this.values = values;
    this.indices = indices;
    this.indptr = indptr;
    this.rows = rows;
    this.cols = cols;
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.values.length;
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Rows `rowIndices` (in that order, repeats allowed) as a new matrix. */
  selectRows(rowIndices: ArrayLike<number>): CsrMatrix {
    const n = rowIndices.length;
    if (n === 0) throw new ArgumentError('Expected at least one row index for selectRows but received none');
    let nnz = 0;
    for (let i = 0; i < n; ++i) {
      const r = rowIndices[i];
      if (!Number.isInteger(r) || r < 0 || r >= this.rows)
        throw new ArgumentError(`Expected row indices in [0, ${this.rows}) but rowIndices[${i}] is ${describe(r)}`);
      nnz += this.indptr[r + 1] - this.indptr[r];
    }
    const values = new Float32Array(nnz), indices = new Int32Array(nnz), indptr = new Int32Array(n + 1);
    for (let i = 0, at = 0; i < n; ++i) {
      const r = rowIndices[i], s = this.indptr[r], e = this.indptr[r + 1];
      values.set(this.values.subarray(s, e), at);
      indices.set(this.indices.subarray(s, e), at);
      at += e - s;
      indptr[i + 1] = at;
    }
    return new CsrMatrix(values, indices, indptr, n, this.cols);
  }

  /** Rows [start, end) as a new matrix. */
  slice(start: number, end = this.rows): CsrMatrix {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > this.rows || start >= end)
      throw new ArgumentError(`Expected 0 <= start < end <= ${this.rows} for slice but received start=${describe(start)}, end=${describe(end)}`);
    return this.selectRows(Int32Array.from({ length: end - start }, (_, i) => start + i));
  }

  /** The dense (rows, cols) tensor; duplicates within a row are summed. */
  toDense(): Tensor {
    const out = new Float32Array(this.rows * this.cols);
    for (let r = 0; r < this.rows; ++r)
      for (let p = this.indptr[r]; p < this.indptr[r + 1]; ++p) out[r * this.cols + this.indices[p]] += this.values[p];
    return new Tensor(out, [this.rows, this.cols]);
  }

  /** The non-zeros of a 2-D tensor, column indices sorted per row. */
  static fromDense(t: Tensor): CsrMatrix {
    if (!(t instanceof Tensor) || t.rank !== 2)
      throw new ShapeError(`Expected a 2-D Tensor but received ${t instanceof Tensor ? `shape [${t.shape}]` : describe(t)}`);
    const [rows, cols] = t.shape;
    const values: number[] = [], indices: number[] = [], indptr = new Int32Array(rows + 1);
    for (let r = 0; r < rows; ++r) {
      for (let c = 0; c < cols; ++c) {
        const v = t.get(r, c);
        if (v !== 0) {
          values.push(v);
          indices.push(c);
        }
      }
      indptr[r + 1] = values.length;
    }
    return new CsrMatrix(Float32Array.from(values), Int32Array.from(indices), indptr, rows, cols);
  }

  /** Throws DataError naming the first entry that is negative or not finite (for count models). */
  assertNonNegative(what: string): void {
    for (let p = 0; p < this.values.length; ++p) {
      const v = this.values[p];
      if (!(v >= 0) || v === Infinity) {
        const r = rowOf(this.indptr, p);
        throw new DataError(`${what} needs non-negative finite values but row ${r}, column ${this.indices[p]} is ${describe(v)}`);
      }
    }
  }
}

function rowOf(indptr: Int32Array, p: number): number {
  let lo = 0, hi = indptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (indptr[mid] <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * out (rows, K) = csr (rows, cols) · wᵀ, w (K, cols): each stored entry (r, j, v) adds
 * v · w[:, j] to out[r, :], so the work is nnz · K. Sums are kept in double per output row.
 * When w is strided across K (the usual (K, cols) row-major layout) and the matrix has more
 * non-zeros than columns, w is first copied into (cols, K) order so each entry reads K
 * adjacent floats. The plain twin this is tested against is toDense() then matmulSync.
 */
export function csrTimesDenseT(csr: CsrMatrix, w: Tensor): Tensor {
  if (!(csr instanceof CsrMatrix)) throw new ArgumentError(`Expected CsrMatrix for csr but received ${describe(csr)}`);
  if (!(w instanceof Tensor) || w.rank !== 2)
    throw new ShapeError(`Expected a 2-D Tensor (K, cols) for w but received ${w instanceof Tensor ? `shape [${w.shape}]` : describe(w)}`);
  const [K, wCols] = w.shape;
  if (wCols !== csr.cols)
    throw new ShapeError(`Expected w with ${csr.cols} columns (the columns of csr, w is (K, cols)) but received shape [${w.shape}]`);
  let data = w.data, base = w.offset, sk = w.strides[0], sj = w.strides[1];
  if (K > 1 && sk !== 1 && csr.nnz > csr.cols) {
    const wt = new Float32Array(wCols * K); // (cols, K)
    for (let k = 0; k < K; ++k) for (let j = 0; j < wCols; ++j) wt[j * K + k] = data[base + k * sk + j * sj];
    data = wt;
    base = 0;
    sk = 1;
    sj = K;
  }
  const out = new Float32Array(csr.rows * K);
  const acc = new Float64Array(K);
  const { values, indices, indptr } = csr;
  for (let r = 0; r < csr.rows; ++r) {
    acc.fill(0);
    for (let p = indptr[r]; p < indptr[r + 1]; ++p) {
      const v = values[p], col = base + indices[p] * sj;
      for (let k = 0; k < K; ++k) acc[k] += v * data[col + k * sk];
    }
    for (let k = 0; k < K; ++k) out[r * K + k] = acc[k];
  }
  return new Tensor(out, [csr.rows, K]);
}
