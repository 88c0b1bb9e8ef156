// LinearRegression and LogisticRegression against scikit-learn's published results on its own
// bundled data (diabetes, digits; fetched from Debian's python3-sklearn by the data module), plus
// the gradient solvers, JSON round trips and the bad-input catalogue.
import { DataError, LinearRegression, LogisticRegression, NotFittedError, ShapeError, Tensor } from '../../src';
import { loadDiabetes, loadDigits, prepareSklearnData } from '../../src/data/sklearn';

beforeAll(() => {
  prepareSklearnData(); // no-op when the CSVs are already cached
}, 300000);

function rows(x: Tensor, start: number, end: number): Tensor {
  return x.slice(start, end);
}

test('diabetes: exact least squares matches scikit-learn (MSE 2004.5, R² 0.585 on the last 20)', () => {
  const ds = loadDiabetes({ scaled: true });
  expect(ds.x.shape).toEqual([442, 10]);
  const model = new LinearRegression().fit(rows(ds.x, 0, 422), ds.y.subarray(0, 422));
  const m = model.evaluate(rows(ds.x, 422, 442), ds.y.subarray(422));
  console.log(`diabetes: MSE ${m.mse.toFixed(3)}, R² ${m.r2.toFixed(4)}`);
  expect(Math.abs(m.mse - 2004.5)).toBeLessThanOrEqual(0.5);
  expect(Math.abs(m.r2 - 0.585)).toBeLessThanOrEqual(0.001);
  // Ridge shrinks the coefficients.
  const ridge = new LinearRegression({ l2: 1 }).fit(rows(ds.x, 0, 422), ds.y.subarray(0, 422));
  const norm = (w: Float64Array) => Math.hypot(...w);
  expect(norm(ridge.coef)).toBeLessThan(norm(model.coef));
});

test('gradient descent (batch and mini-batch) reaches the exact solution', () => {
  const n = 400;
  let seed = 12345; // LCG: independent-looking features (sin(k·i) columns would be collinear)
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2;
  const x = new Float32Array(n * 3).map(() => rand());
  const y = new Float32Array(n).map((_, i) => 3 * x[i * 3] - 2 * x[i * 3 + 1] + 0.5 * x[i * 3 + 2] + 1 + 0.01 * Math.cos(i));
  const xt = new Tensor(x, [n, 3]);
  const exact = new LinearRegression().fit(xt, y);
  for (const opts of [{ solver: 'gd' as const, lr: 0.05, epochs: 2000 }, { solver: 'gd' as const, lr: 0.01, epochs: 200, batchSize: 16, seed: 3 }]) {
    const gd = new LinearRegression(opts).fit(xt, y);
    for (let j = 0; j < 3; ++j) expect(Math.abs(gd.coef[j] - exact.coef[j])).toBeLessThan(0.01);
    expect(Math.abs(gd.intercept - exact.intercept)).toBeLessThan(0.01);
  }
  const copy = LinearRegression.fromJSON(JSON.parse(JSON.stringify(exact.toJSON())));
  expect(Array.from(copy.predict(xt.slice(0, 5)))).toEqual(Array.from(exact.predict(xt.slice(0, 5))));
});

test('digits: L-BFGS logistic regression with C=1 reaches >= 0.93 (scikit-learn prints 0.9333)', () => {
  const ds = loadDigits();
  expect(ds.x.shape).toEqual([1797, 64]);
  const x = new Tensor(ds.x.contiguous().data.map((v) => v / 16), [1797, 64]);
  const nTrain = Math.floor(1797 * 0.9);
  const model = new LogisticRegression({ C: 1, solver: 'lbfgs' }).fit(rows(x, 0, nTrain), ds.y.subarray(0, nTrain));
  const r = model.evaluate(rows(x, nTrain, 1797), ds.y.subarray(nTrain));
  console.log(`digits: accuracy ${r.accuracy.toFixed(4)} after ${model.nIter} L-BFGS iterations (converged: ${model.converged})`);
  expect(r.accuracy).toBeGreaterThanOrEqual(0.93);
  const p = model.predictProba(rows(x, nTrain, nTrain + 3));
  for (let i = 0; i < 3; ++i) {
    let s = 0;
    for (let j = 0; j < 10; ++j) s += p.get(i, j);
    expect(s).toBeCloseTo(1, 5);
  }
  const mb = new LogisticRegression({ solver: 'minibatch', lr: 0.5, epochs: 30, batchSize: 32, seed: 1 }).fit(rows(x, 0, nTrain), ds.y.subarray(0, nTrain));
  expect(mb.evaluate(rows(x, nTrain, 1797), ds.y.subarray(nTrain)).accuracy).toBeGreaterThan(0.9);
  const copy = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  expect(Array.from(copy.predict(rows(x, nTrain, 1797)))).toEqual(Array.from(model.predict(rows(x, nTrain, 1797))));
});

test('binary logistic regression (sigmoid) separates two classes', () => {
  const n = 200;
  const x = new Float32Array(n * 2).map((_, i) => Math.cos(i * 3.7));
  const y = new Float32Array(n).map((_, i) => (x[2 * i] + x[2 * i + 1] > 0 ? 1 : 0));
  const m = new LogisticRegression({ C: 100 }).fit(new Tensor(x, [n, 2]), y);
  expect(m.coef.length).toBe(2); // one weight row for two classes
  expect(m.evaluate(new Tensor(x, [n, 2]), y).accuracy).toBeGreaterThan(0.97);
});

test('bad input: coded errors that say what to fix', () => {
  const lr = new LinearRegression();
  expect(() => lr.predict(Tensor.zeros([1, 2]))).toThrow(NotFittedError);
  expect(() => lr.fit(Tensor.zeros([3, 2]), [1, 2])).toThrow(/y has 2 values but x has 3 rows/);
  const nan = Tensor.zeros([2, 2]);
  nan.set(NaN, 1, 0);
  expect(() => lr.fit(nan, [1, 2])).toThrow(DataError);
  expect(() => lr.fit(Tensor.zeros([2, 2]), [1, NaN])).toThrow(/y\[1\] is NaN/);
  const log = new LogisticRegression();
  expect(() => log.fit(Tensor.zeros([2, 2]), [0, 0])).toThrow(/at least 2 classes/);
  expect(() => log.fit(Tensor.zeros([2, 2]), [0, 1.5])).toThrow(/not a class index/);
  log.fit(Tensor.from([[0, 1], [1, 0]]), [0, 1]);
  expect(() => log.predict(Tensor.zeros([1, 3]))).toThrow(ShapeError);
  expect(() => new LogisticRegression({ C: 0 })).toThrow(/Expected C > 0/);
});
