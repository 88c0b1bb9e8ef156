// Splits, scalers and encoders against hand-computed values, plus the seeded PRNG. Iris and wine
// come from the real packages (wine from the sklearn cache, prepared in beforeAll).
import {
  createRng, LabelEncoder, loadDataset, MinMaxScaler, mulberry32, OneHotEncoder, prepareSklearnData, StandardScaler,
  trainTestSplit, createDataset, type Dataset, type TextDataset,
} from '../../src/data';
import { ArgumentError, DataError, NotFittedError, ShapeError } from '../../src/errors';
import { Tensor } from '../../src/tensor';
import { mulberry32 as referenceMulberry32 } from '../helpers';

function counts(y: Float32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  y.forEach((v) => c[v]++);
  return c;
}

function imbalanced(): Dataset {
  // classes of 7, 13 and 80 rows, interleaved
  const labels = [...new Array(7).fill(0), ...new Array(13).fill(1), ...new Array(80).fill(2)];
  createRng(99).shuffle(labels);
  const x = new Tensor(Float32Array.from(labels.flatMap((c, i) => [i, c])), [100, 2]);
  return createDataset({ name: 'imb', x, y: Float32Array.from(labels), featureNames: ['i', 'c'], task: 'classification', classes: ['a', 'b', 'c'] });
}

describe('trainTestSplit', () => {
  const iris = loadDataset('iris');

  test('sizes, disjoint cover, rows copied with their labels', () => {
    const { train, test, trainIndex, testIndex } = trainTestSplit(iris, { seed: 1 });
    expect(test.x.shape).toEqual([30, 4]);
    expect(train.x.shape).toEqual([120, 4]);
    expect([...trainIndex, ...testIndex].sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    testIndex.forEach((src, r) => {
      expect(test.y[r]).toBe(iris.y[src]);
      expect(test.x.get(r, 2)).toBe(iris.x.get(src, 2));
    });
    expect(trainTestSplit(iris, { testSize: 0.25 }).test.y.length).toBe(38); // ceil(37.5), as scikit-learn
    expect(trainTestSplit(iris, { testSize: 7 }).test.y.length).toBe(7);
  });

  test('the same seed gives the same split; another seed another', () => {
    const a = trainTestSplit(iris, { seed: 42 }).testIndex;
    expect(trainTestSplit(iris, { seed: 42 }).testIndex).toEqual(a);
    expect(trainTestSplit(iris, { seed: 43 }).testIndex).not.toEqual(a);
    expect(trainTestSplit(iris).testIndex).toEqual(trainTestSplit(iris, { seed: 0 }).testIndex);
  });

  test('stratified splits keep each class within 1 row of its share', () => {
    const s = trainTestSplit(iris, { stratify: true, seed: 3 });
    expect(counts(s.test.y, 3)).toEqual([10, 10, 10]);
    const imb = imbalanced();
    for (const testSize of [0.1, 0.25, 0.33, 17]) {
      for (const seed of [0, 1, 2]) {
        const split = trainTestSplit(imb, { stratify: true, testSize, seed });
        const nTest = split.test.y.length;
        const total = counts(imb.y, 3);
        counts(split.test.y, 3).forEach((c, k) => expect(Math.abs(c - (nTest * total[k]) / 100)).toBeLessThan(1));
      }
    }
  });

  test('shuffle: false takes the last rows as the test part', () => {
    const s = trainTestSplit(iris, { shuffle: false, testSize: 0.1 });
    expect(s.testIndex).toEqual(Array.from({ length: 15 }, (_, i) => 135 + i));
    expect(s.trainIndex[119]).toBe(119);
    expect(() => trainTestSplit(iris, { shuffle: false, stratify: true })).toThrow(ArgumentError);
  });

  test('text datasets split too; bad sizes and regression stratify are refused', () => {
    const text: TextDataset = { name: 't', texts: ['a', 'b', 'c', 'd'], ids: ['1', '2', '3', '4'], y: Float32Array.of(0, 1, 0, 1), classes: ['x', 'y'] };
    const s = trainTestSplit(text, { testSize: 2, stratify: true });
    expect(counts(s.test.y, 2)).toEqual([1, 1]);
    s.testIndex.forEach((src, r) => expect(s.test.texts[r]).toBe(text.texts[src]));
    expect(() => trainTestSplit(iris, { testSize: 150 })).toThrow(ArgumentError);
    expect(() => trainTestSplit(iris, { testSize: 1.5 })).toThrow(ArgumentError);
    expect(() => trainTestSplit(iris, { testSize: 0 })).toThrow(ArgumentError);
    const reg = createDataset({ name: 'r', x: iris.x, y: iris.y, featureNames: iris.featureNames, task: 'regression' });
    expect(() => trainTestSplit(reg, { stratify: true })).toThrow(/regression/);
  });
});

describe('StandardScaler', () => {
  // columns: mean 2.5 / var 1.25, mean 25 / var 125, constant 5
  const x = Tensor.from([[1, 10, 5], [2, 20, 5], [3, 30, 5], [4, 40, 5]]);

  test('matches hand-computed values; constant columns get scale 1', () => {
    const s = new StandardScaler().fit(x);
    expect(Array.from(s.mean)).toEqual([2.5, 25, 5]);
    expect(Array.from(s.variance)).toEqual([1.25, 125, 0]);
    expect(Array.from(s.scale)).toEqual([Math.sqrt(1.25), Math.sqrt(125), 1]);
    const t = s.transform(x);
    expect(t.get(0, 0)).toBeCloseTo(-1.5 / Math.sqrt(1.25), 6);
    expect(t.get(3, 1)).toBeCloseTo(15 / Math.sqrt(125), 6);
    expect([t.get(0, 2), t.get(3, 2)]).toEqual([0, 0]);
    const back = s.inverseTransform(t);
    for (let i = 0; i < 4; ++i) for (let j = 0; j < 3; ++j) expect(back.get(i, j)).toBeCloseTo(x.get(i, j), 5);
  });

  test('withMean/withStd, strided input, JSON round trip', () => {
    expect(new StandardScaler({ withMean: false }).fitTransform(x).get(0, 0)).toBeCloseTo(1 / Math.sqrt(1.25), 6);
    expect(new StandardScaler({ withStd: false }).fitTransform(x).get(0, 1)).toBe(-15);
    const xt = Tensor.from([[1, 2, 3, 4], [10, 20, 30, 40]]).transpose(); // a strided view of 4 x 2
    expect(new StandardScaler().fitTransform(xt).get(3, 1)).toBeCloseTo(15 / Math.sqrt(125), 6);
    const s = new StandardScaler().fit(x);
    const spec = JSON.parse(JSON.stringify(s));
    expect(spec.type).toBe('StandardScaler');
    expect(StandardScaler.fromJSON(spec).transform(x).toArray()).toEqual(s.transform(x).toArray());
    expect(() => StandardScaler.fromJSON({ type: 'MinMaxScaler' })).toThrow(ArgumentError);
    expect(() => StandardScaler.fromJSON({ ...spec, scale: [1, 2] })).toThrow(ArgumentError);
  });

  test('misuse: not fitted, wrong width, NaN', () => {
    expect(() => new StandardScaler().transform(x)).toThrow(NotFittedError);
    expect(() => new StandardScaler().toJSON()).toThrow(NotFittedError);
    const s = new StandardScaler().fit(x);
    expect(() => s.transform(Tensor.from([[1, 2]]))).toThrow(ShapeError);
    expect(() => s.fit(Tensor.from([[1, NaN]]))).toThrow(DataError);
  });
});

describe('MinMaxScaler', () => {
  const x = Tensor.from([[1, 10, 5], [2, 20, 5], [5, 30, 5]]);

  test('maps [min, max] onto the feature range; constant columns to its low end', () => {
    const s = new MinMaxScaler().fit(x);
    expect(Array.from(s.dataMin)).toEqual([1, 10, 5]);
    expect(Array.from(s.dataMax)).toEqual([5, 30, 5]);
    expect(s.transform(x).toArray()).toEqual([[0, 0, 0], [0.25, 0.5, 0], [1, 1, 0]]);
    const r = new MinMaxScaler({ featureRange: [-1, 1] }).fit(x);
    expect(r.transform(x).toArray()).toEqual([[-1, -1, -1], [-0.5, 0, -1], [1, 1, -1]]);
    expect(r.inverseTransform(r.transform(x)).toArray()).toEqual(x.toArray());
  });

  test('clip, JSON round trip, misuse', () => {
    const out = Tensor.from([[9, 0, 5]]);
    expect(new MinMaxScaler().fit(x).transform(out).get(0, 0)).toBe(2);
    expect(new MinMaxScaler({ clip: true }).fit(x).transform(out).toArray()).toEqual([[1, 0, 0]]);
    const s = new MinMaxScaler({ featureRange: [0, 10] }).fit(x);
    expect(MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(s))).transform(out).toArray()).toEqual(s.transform(out).toArray());
    expect(() => new MinMaxScaler({ featureRange: [1, 0] })).toThrow(ArgumentError);
    expect(() => new MinMaxScaler().inverseTransform(x)).toThrow(NotFittedError);
  });

  test('on real data: wine scaled into [0, 1] per column', () => {
    prepareSklearnData();
    const wine = loadDataset('wine');
    const t = new MinMaxScaler().fitTransform(wine.x);
    for (let j = 0; j < 13; ++j) {
      let min = Infinity, max = -Infinity;
      for (let i = 0; i < 178; ++i) {
        min = Math.min(min, t.get(i, j));
        max = Math.max(max, t.get(i, j));
      }
      expect([min, max]).toEqual([0, 1]);
    }
  });
});

describe('encoders', () => {
  test('LabelEncoder: sorted classes, round trip, unknown labels', () => {
    const enc = new LabelEncoder();
    const y = enc.fitTransform(['spam', 'ham', 'spam', 'eggs']);
    expect(enc.classes).toEqual(['eggs', 'ham', 'spam']);
    expect(Array.from(y)).toEqual([2, 1, 2, 0]);
    expect(enc.inverseTransform(y)).toEqual(['spam', 'ham', 'spam', 'eggs']);
    expect(() => enc.transform(['toast'])).toThrow(/label 'toast' at position 0 was not seen/);
    expect(() => enc.inverseTransform([3])).toThrow(ArgumentError);
    expect(LabelEncoder.fromJSON(JSON.parse(JSON.stringify(enc))).transform(['ham'])).toEqual(Float32Array.of(1));
    expect(() => new LabelEncoder().transform(['a'])).toThrow(NotFittedError);
    expect(() => new LabelEncoder().fit([])).toThrow(DataError);
  });

  test('OneHotEncoder: one-hot rows, unknown categories, round trip', () => {
    const enc = new OneHotEncoder();
    const t = enc.fitTransform([2, 0, 2, 1]);
    expect(enc.categories).toEqual([0, 1, 2]);
    expect(t.toArray()).toEqual([[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(Array.from(enc.inverseTransform(t))).toEqual([2, 0, 2, 1]);
    expect(() => enc.transform([5])).toThrow(DataError);
    const lenient = new OneHotEncoder({ handleUnknown: 'ignore' }).fit([10, 20]);
    expect(lenient.transform([20, 30]).toArray()).toEqual([[0, 1], [0, 0]]);
    expect(Array.from(lenient.inverseTransform(lenient.transform([20, 30])))).toEqual([20, NaN]);
    const fixed = new OneHotEncoder({ categories: 4 });
    expect(fixed.transform([3]).toArray()).toEqual([[0, 0, 0, 1]]);
    expect(OneHotEncoder.fromJSON(JSON.parse(JSON.stringify(fixed))).categories).toEqual([0, 1, 2, 3]);
    expect(() => new OneHotEncoder().transform([0])).toThrow(NotFittedError);
    expect(() => new OneHotEncoder().fit([NaN])).toThrow(ArgumentError);
  });
});

test('createRng: mulberry32, deterministic, unbiased ints, permutations', () => {
  const a = mulberry32(123), ref = referenceMulberry32(123);
  for (let i = 0; i < 100; ++i) expect(a()).toBe(ref());
  const r1 = createRng(5), r2 = createRng(5);
  expect(Array.from({ length: 10 }, () => r1.nextUint32())).toEqual(Array.from({ length: 10 }, () => r2.nextUint32()));
  const rng = createRng(11);
  const hist = new Array(6).fill(0);
  for (let i = 0; i < 60000; ++i) hist[rng.nextInt(6)]++;
  hist.forEach((h) => expect(Math.abs(h - 10000)).toBeLessThan(400));
  expect(rng.permutation(50).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expect(() => createRng(1.5)).toThrow(ArgumentError);
  expect(() => rng.nextInt(0)).toThrow(ArgumentError);
});
