// CsrMatrix structure checks and row selection, and csrTimesDenseT against its plain twin
// (toDense() then matmulSync on the native engine) on random sparse data of several shapes.
import { Tensor } from '../../src/tensor';
import { matmulSync } from '../../src/ops';
import { ArgumentError, DataError, ShapeError } from '../../src/errors';
import { CsrMatrix, csrTimesDenseT } from '../../src/text';
import { mulberry32, randomArray } from '../helpers';

const rand = mulberry32(99);

function randomCsr(rows: number, cols: number, density: number): CsrMatrix {
  const dense = new Float32Array(rows * cols);
  for (let i = 0; i < dense.length; ++i) if (rand() < density) dense[i] = Math.floor(rand() * 5) + 1;
  return CsrMatrix.fromDense(new Tensor(dense, [rows, cols]));
}

describe('CsrMatrix', () => {
  const m = new CsrMatrix(new Float32Array([1, 2, 3]), new Int32Array([0, 2, 1]), new Int32Array([0, 2, 2, 3]), 3, 3);

  test('toDense / fromDense round trip; selectRows and slice', () => {
    expect(m.toDense().toArray()).toEqual([[1, 0, 2], [0, 0, 0], [0, 3, 0]]);
    expect(CsrMatrix.fromDense(m.toDense())).toEqual(m);
    expect(m.nnz).toBe(3);
    expect(m.shape).toEqual([3, 3]);
    expect(m.selectRows([2, 0, 2]).toDense().toArray()).toEqual([[0, 3, 0], [1, 0, 2], [0, 3, 0]]);
    expect(m.slice(1).toDense().toArray()).toEqual([[0, 0, 0], [0, 3, 0]]);
    expect(() => m.selectRows([3])).toThrow(ArgumentError);
    expect(() => m.selectRows([])).toThrow(ArgumentError);
  });

  test('malformed structure is refused with what was expected', () => {
    const v = new Float32Array([1, 2]);
    expect(() => new CsrMatrix(v, new Int32Array([0, 5]), new Int32Array([0, 1, 2]), 2, 3)).toThrow(/column indices in \[0, 3\)/);
    expect(() => new CsrMatrix(v, new Int32Array([0, 1]), new Int32Array([0, 2]), 2, 3)).toThrow(/indptr of length rows \+ 1 = 3/);
    expect(() => new CsrMatrix(v, new Int32Array([0, 1]), new Int32Array([0, 2, 1]), 2, 3)).toThrow(ShapeError);
    expect(() => new CsrMatrix(v, new Int32Array([0]), new Int32Array([0, 1, 2]), 2, 3)).toThrow(ShapeError);
    expect(() => new CsrMatrix([1, 2] as never, new Int32Array([0, 1]), new Int32Array([0, 1, 2]), 2, 3)).toThrow(ArgumentError);
  });

  test('assertNonNegative names the entry', () => {
    const neg = new CsrMatrix(new Float32Array([1, -2]), new Int32Array([0, 1]), new Int32Array([0, 1, 2]), 2, 3);
    expect(() => neg.assertNonNegative('MultinomialNB')).toThrow(DataError);
    expect(() => neg.assertNonNegative('MultinomialNB')).toThrow(/row 1, column 1 is -2/);
  });
});

describe('csrTimesDenseT', () => {
  test.each([
    [1, 1, 1, 1], [5, 7, 3, 0.5], [40, 300, 2, 0.02], [64, 50, 17, 0.3], [3, 1000, 4, 0.001], [200, 120, 1, 0.1],
  ])('rows=%i cols=%i K=%i density=%f equals dense matmul', (rows, cols, K, density) => {
    const x = randomCsr(rows, cols, density);
    const w = new Tensor(randomArray(K * cols, rand), [K, cols]);
    const got = csrTimesDenseT(x, w);
    const want = matmulSync(x.toDense(), w.transpose());
    expect(got.shape).toEqual([rows, K]);
    for (let i = 0; i < rows; ++i) for (let k = 0; k < K; ++k) expect(got.get(i, k)).toBeCloseTo(want.get(i, k), 4);
    // Same result when w arrives as a transposed view of (cols, K) storage.
    const wt = new Tensor(w.transpose().contiguous().data, [cols, K]).transpose();
    expect(csrTimesDenseT(x, wt).data).toEqual(got.data);
  });

  test('shape mismatch', () => {
    const x = randomCsr(2, 5, 0.5);
    expect(() => csrTimesDenseT(x, Tensor.zeros([3, 4]))).toThrow(/w with 5 columns/);
    expect(() => csrTimesDenseT(x, Tensor.zeros([5]))).toThrow(ShapeError);
  });
});
