// scikit-learn's bundled datasets, fetched from Debian's python3-sklearn by prepareSklearnData()
// (beforeAll: a fresh CI machine downloads once into ${AMAAS_HOME:-./.amaas}/datasets/sklearn),
// checked against the values scikit-learn publishes. Needs network access to the Debian mirrors
// the first time; later runs read the cache.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasSklearnData, loadDataset, prepareSklearnData, SKLEARN_FILES, sklearnDir, type Dataset } from '../../src/data';
import { DatasetMissingError } from '../../src/errors';

beforeAll(() => {
  prepareSklearnData();
});

function counts(y: Float32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  y.forEach((v) => c[v]++);
  return c;
}

function row(ds: Dataset, i: number): number[] {
  return Array.from({ length: ds.x.shape[1] }, (_, j) => ds.x.get(i, j));
}

test('the cache holds the five files', () => {
  expect(hasSklearnData()).toBe(true);
  const source = JSON.parse(readFileSync(join(sklearnDir(), 'SOURCE.json'), 'utf8'));
  expect(source.package).toMatch(/^python3-sklearn/);
  expect(Object.keys(source.sha256).sort()).toEqual([...SKLEARN_FILES].sort());
});

test("diabetes matches scikit-learn's load_diabetes (scaled and raw)", () => {
  const ds = loadDataset('diabetes');
  expect(ds.x.shape).toEqual([442, 10]);
  expect(ds.task).toBe('regression');
  expect(ds.featureNames).toEqual(['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']);
  expect(ds.y[0]).toBe(151);
  expect(ds.y[441]).toBe(57);
  // sklearn >= 1.1: X[0] of load_diabetes(), scaled from the raw data in float64
  const published = [0.03807591, 0.05068012, 0.06169621, 0.02187239, -0.0442235, -0.03482076, -0.04340085, -0.00259226, 0.01990749, -0.01764613];
  row(ds, 0).forEach((v, j) => expect(Math.abs(v - published[j])).toBeLessThan(1e-8));
  // every column is centred with unit L2 norm
  for (let j = 0; j < 10; ++j) {
    let sum = 0, sq = 0;
    for (let i = 0; i < 442; ++i) {
      sum += ds.x.get(i, j);
      sq += ds.x.get(i, j) ** 2;
    }
    expect(Math.abs(sum)).toBeLessThan(1e-5);
    expect(Math.abs(Math.sqrt(sq) - 1)).toBeLessThan(1e-6);
  }
  const raw = loadDataset('diabetes', { scaled: false });
  expect(row(raw, 0)).toEqual([59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87].map(Math.fround));
});

test('digits: 1,797 8x8 images with pixel values 0..16', () => {
  const ds = loadDataset('digits');
  expect(ds.x.shape).toEqual([1797, 64]);
  expect(ds.imageShape).toEqual([8, 8]);
  expect(counts(ds.y, 10)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  expect(row(ds, 0).slice(0, 8)).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
  expect(ds.y[0]).toBe(0);
  expect(Math.max(...ds.x.data)).toBe(16);
  expect(ds.featureNames[9]).toBe('pixel_1_1');
});

test('wine and breast cancer: sizes, class names and first rows', () => {
  const wine = loadDataset('wine');
  expect(wine.x.shape).toEqual([178, 13]);
  expect(wine.classes).toEqual(['class_0', 'class_1', 'class_2']);
  expect(counts(wine.y, 3)).toEqual([59, 71, 48]);
  expect(wine.x.get(0, 0)).toBe(Math.fround(14.23));
  expect(wine.x.get(0, 12)).toBe(1065);
  const bc = loadDataset('breast-cancer');
  expect(bc.x.shape).toEqual([569, 30]);
  expect(bc.classes).toEqual(['malignant', 'benign']);
  expect(counts(bc.y, 2)).toEqual([212, 357]);
  expect(bc.x.get(0, 0)).toBe(Math.fround(17.99));
  expect(bc.featureNames.slice(9, 11)).toEqual(['mean fractal dimension', 'radius error']);
  expect(bc.featureNames[29]).toBe('worst fractal dimension');
});

test('a missing cache is a DatasetMissingError giving the command to run', () => {
  const empty = mkdtempSync(join(tmpdir(), 'amaas-empty-'));
  expect(() => loadDataset('wine', { dataDir: empty })).toThrow(DatasetMissingError);
  expect(() => loadDataset('wine', { dataDir: empty })).toThrow(/bash tools\/datasets\/prepare-sklearn\.sh .*prepare: true/);
});

test('prepareSklearnData and tools/datasets/prepare-sklearn.sh fetch the same files', () => {
  const viaTs = mkdtempSync(join(tmpdir(), 'amaas-ts-'));
  const viaSh = mkdtempSync(join(tmpdir(), 'amaas-sh-'));
  const ts = prepareSklearnData({ dataDir: viaTs });
  execFileSync('bash', [resolve(__dirname, '../../../../tools/datasets/prepare-sklearn.sh'), viaSh], { stdio: 'pipe' });
  const sh = JSON.parse(readFileSync(join(viaSh, 'sklearn', 'SOURCE.json'), 'utf8'));
  expect(sh).toEqual({ package: ts.package, version: ts.version, sha256: ts.sha256 });
  // and { prepare: true } loads from a fresh directory
  expect(loadDataset('wine', { dataDir: viaTs, prepare: true }).x.shape).toEqual([178, 13]);
});
