// scikit-learn's bundled datasets (diabetes, digits, wine, breast cancer), read from the CSVs that
// Debian's python3-sklearn package ships, without installing Python: prepareSklearnData() runs
// `apt-get download` + `dpkg-deb -x` and copies only those CSVs into <dataDir>/sklearn/.
// tools/datasets/prepare-sklearn.sh does the same from a shell. Loaders never touch the network.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, DatasetMissingError } from '../errors';
import { Tensor } from '../tensor';
import { parseCsv, readTextFile } from './csv';
import { createDataset } from './dataset';
import { datasetsDir } from './paths';
import type { Table } from './table';
import type { Dataset } from './types';

/** The files copied from sklearn/datasets/data/. */
export const SKLEARN_FILES: readonly string[] = Object.freeze([
  'diabetes_data_raw.csv.gz',
  'diabetes_target.csv.gz',
  'digits.csv.gz',
  'wine_data.csv',
  'breast_cancer.csv',
]);
/** Debian packages searched, in order, for those files (bookworm ships them in python3-sklearn). */
const SKLEARN_PACKAGES = ['python3-sklearn', 'python3-sklearn-lib'];
export const PREPARE_SKLEARN_COMMAND = 'bash tools/datasets/prepare-sklearn.sh';

export interface PrepareSklearnOptions {
  /** Datasets root; files go to <dataDir>/sklearn. Default ${AMAAS_HOME:-./.amaas}/datasets. */
  dataDir?: string;
  /** Download again even when every file is present. */
  force?: boolean;
}

export interface SklearnSource {
  dir: string;
  /** Debian package and version the files came from (read from SOURCE.json when already prepared). */
  package: string;
  version: string;
  /** File name -> sha256 hex. */
  sha256: Record<string, string>;
}

export function sklearnDir(dataDir?: string): string {
  return join(datasetsDir(dataDir), 'sklearn');
}

export function hasSklearnData(dataDir?: string): boolean {
  const dir = sklearnDir(dataDir);
  return SKLEARN_FILES.every((f) => existsSync(join(dir, f)));
}

/**
 * Fetches scikit-learn's dataset CSVs from Debian (apt-get download python3-sklearn; dpkg-deb -x)
 * into <dataDir>/sklearn, unless they are there already. Runs `apt-get update` once when apt has no
 * package lists. Needs apt-get and dpkg-deb, and network access to the Debian mirrors.
 */
export function prepareSklearnData(options: PrepareSklearnOptions = {}): SklearnSource {
  const dir = sklearnDir(options.dataDir);
  const manifest = join(dir, 'SOURCE.json');
  if (!options.force && hasSklearnData(options.dataDir) && existsSync(manifest))
    return { dir, ...(JSON.parse(readFileSync(manifest, 'utf8')) as Omit<SklearnSource, 'dir'>) };
  const work = mkdtempSync(join(tmpdir(), 'amaas-sklearn-'));
  try {
    let updated = false;
    for (const pkg of SKLEARN_PACKAGES) {
      const deb = aptDownload(pkg, work, () => {
        if (updated) return false;
        run('apt-get', ['update'], work);
        return (updated = true);
      });
      const tree = join(work, `${pkg}-tree`);
      run('dpkg-deb', ['-x', deb, tree], work);
      const dataDirInPkg = findDir(tree, (d) => SKLEARN_FILES.every((f) => existsSync(join(d, f))));
      if (!dataDirInPkg) continue;
      const version = run('dpkg-deb', ['-f', deb, 'Version'], work).trim();
      mkdirSync(dir, { recursive: true });
      const sha256: Record<string, string> = {};
      // Write each file under a private name, then rename: processes preparing at once (parallel
      // test workers) never see a half-written file, and SOURCE.json appears last.
      const temp = (f: string) => join(dir, `${f}.${process.pid}.tmp`);
      for (const f of SKLEARN_FILES) {
        copyFileSync(join(dataDirInPkg, f), temp(f));
        renameSync(temp(f), join(dir, f));
        sha256[f] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
      }
      const source = { package: pkg, version, sha256 };
      writeFileSync(temp('SOURCE.json'), JSON.stringify(source, null, 2) + '\n');
      renameSync(temp('SOURCE.json'), manifest);
      return { dir, ...source };
    }
    throw new DatasetMissingError(`none of the Debian packages ${SKLEARN_PACKAGES.join(', ')} holds ${SKLEARN_FILES.join(', ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `apt-get download pkg` in `cwd`; returns the .deb path. Retries once after `update()` when apt knows no such package. */
function aptDownload(pkg: string, cwd: string, update: () => boolean): string {
  for (;;) {
    try {
      run('apt-get', ['download', pkg], cwd);
      const deb = readdirSync(cwd).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
      if (!deb) throw new DatasetMissingError(`apt-get download ${pkg} finished but left no ${pkg}_*.deb in ${cwd}`);
      return join(cwd, deb);
    } catch (err) {
      if (err instanceof DatasetMissingError && /Unable to locate|no installation candidate|Can't select|No packages found/i.test(err.message) && update()) continue;
      throw err;
    }
  }
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    const why = e.code === 'ENOENT' ? `${cmd} is not installed (a Debian-based machine is needed)` : (e.stderr || e.message).trim().split('\n').slice(-3).join(' | ');
    throw new DatasetMissingError(`preparing scikit-learn data: \`${cmd} ${args.join(' ')}\` failed: ${why}`, { cause: err });
  }
}

function findDir(root: string, match: (dir: string) => boolean): string | undefined {
  if (match(root)) return root;
  for (const entry of readdirSync(root, { withFileTypes: true }))
    if (entry.isDirectory()) {
      const found = findDir(join(root, entry.name), match);
      if (found) return found;
    }
  return undefined;
}

export interface SklearnLoadOptions {
  dataDir?: string;
  /** Run prepareSklearnData() when the files are missing instead of throwing. */
  prepare?: boolean;
}

function requireFile(name: string, file: string, options: SklearnLoadOptions): string {
  const path = join(sklearnDir(options.dataDir), file);
  if (existsSync(path)) return path;
  if (options.prepare) {
    prepareSklearnData({ dataDir: options.dataDir, force: true });
    if (existsSync(path)) return path;
  }
  throw new DatasetMissingError(
    `dataset '${name}' needs scikit-learn's ${file} in ${sklearnDir(options.dataDir)}, which is missing. ` +
      `Run \`${PREPARE_SKLEARN_COMMAND}${options.dataDir ? ` ${datasetsDir(options.dataDir)}` : ''}\` from the amaas repository, ` +
      `or pass { prepare: true } to loadDataset (both run \`apt-get download python3-sklearn\` and \`dpkg-deb -x\`; no Python is installed)`,
  );
}

/** Columns [from, to) of a numeric table as float64 rows, row-major (n, to - from). */
function numericBlock(table: Table, from: number, to: number, file: string): Float64Array {
  const n = table.rows, d = to - from;
  const out = new Float64Array(n * d);
  for (let j = 0; j < d; ++j) {
    if (table.types[from + j] !== 'number') throw new DataError(`${file}: column ${from + j} is not numeric`);
    const col = table.numbers(from + j);
    for (let i = 0; i < n; ++i) out[i * d + j] = col[i];
  }
  return out;
}

function classIndices(values: Float64Array, k: number, file: string): Float32Array {
  return Float32Array.from(values, (v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= k) throw new DataError(`${file}: label of row ${i} is ${v} but classes run 0..${k - 1}`);
    return v;
  });
}

export const DIABETES_FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];

/**
 * Diabetes (442 x 10, regression). scaled (default true) reproduces sklearn's
 * load_diabetes(scaled=True): each column centred and divided by std * sqrt(n), i.e. unit L2 norm.
 */
export function loadDiabetes(options: SklearnLoadOptions & { scaled?: boolean } = {}): Dataset {
  const dataFile = requireFile('diabetes', 'diabetes_data_raw.csv.gz', options);
  const targetFile = requireFile('diabetes', 'diabetes_target.csv.gz', options);
  const data = parseCsv(readTextFile(dataFile), { delimiter: ' ', header: false });
  const target = parseCsv(readTextFile(targetFile), { delimiter: ' ', header: false });
  if (data.columns.length !== 10 || target.columns.length !== 1 || data.rows !== target.rows)
    throw new DataError(`diabetes: expected 10 feature columns and 1 target column with equal rows but found ${data.columns.length} x ${data.rows} and ${target.columns.length} x ${target.rows}`);
  const n = data.rows, d = 10;
  const x64 = numericBlock(data, 0, d, dataFile);
  if (options.scaled ?? true) {
    // sklearn.preprocessing.scale (mean, population std, zero std -> 1), then / sqrt(n); float64 throughout.
    for (let j = 0; j < d; ++j) {
      let mean = 0;
      for (let i = 0; i < n; ++i) mean += x64[i * d + j];
      mean /= n;
      let ss = 0;
      for (let i = 0; i < n; ++i) ss += (x64[i * d + j] - mean) ** 2;
      let std = Math.sqrt(ss / n);
      if (std < 10 * Number.EPSILON) std = 1;
      for (let i = 0; i < n; ++i) x64[i * d + j] = (x64[i * d + j] - mean) / std / Math.sqrt(n);
    }
  }
  return createDataset({
    name: 'diabetes', x: new Tensor(Float32Array.from(x64), [n, d]), y: Float32Array.from(target.numbers(0)),
    featureNames: DIABETES_FEATURES.slice(), task: 'regression',
  });
}

/** Digits (1797 x 64, 8x8 images with pixel values 0..16 as sklearn returns them; 10 classes). */
export function loadDigits(options: SklearnLoadOptions = {}): Dataset {
  const file = requireFile('digits', 'digits.csv.gz', options);
  const table = parseCsv(readTextFile(file), { header: false });
  if (table.columns.length !== 65) throw new DataError(`${file}: expected 65 columns (64 pixels and the label) but found ${table.columns.length}`);
  const featureNames: string[] = [];
  for (let r = 0; r < 8; ++r) for (let c = 0; c < 8; ++c) featureNames.push(`pixel_${r}_${c}`);
  return createDataset({
    name: 'digits', x: new Tensor(Float32Array.from(numericBlock(table, 0, 64, file)), [table.rows, 64]),
    y: classIndices(table.numbers(64), 10, file), featureNames, task: 'classification',
    classes: Array.from({ length: 10 }, (_, k) => String(k)), imageShape: [8, 8],
  });
}

export const WINE_FEATURES = [
  'alcohol', 'malic_acid', 'ash', 'alcalinity_of_ash', 'magnesium', 'total_phenols', 'flavanoids',
  'nonflavanoid_phenols', 'proanthocyanins', 'color_intensity', 'hue', 'od280/od315_of_diluted_wines', 'proline',
];

const BREAST_CANCER_MEASURES = [
  'radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity', 'concave points', 'symmetry', 'fractal dimension',
];
export const BREAST_CANCER_FEATURES = [
  ...BREAST_CANCER_MEASURES.map((m) => `mean ${m}`),
  ...BREAST_CANCER_MEASURES.map((m) => `${m} error`),
  ...BREAST_CANCER_MEASURES.map((m) => `worst ${m}`),
];

/** Wine (178 x 13, 3 classes) from sklearn's wine_data.csv. */
export function loadWine(options: SklearnLoadOptions = {}): Dataset {
  return loadSklearnClassificationCsv('wine', 'wine_data.csv', WINE_FEATURES, options);
}

/** Breast cancer Wisconsin (569 x 30, classes ['malignant', 'benign']) from sklearn's breast_cancer.csv. */
export function loadBreastCancer(options: SklearnLoadOptions = {}): Dataset {
  return loadSklearnClassificationCsv('breast-cancer', 'breast_cancer.csv', BREAST_CANCER_FEATURES, options);
}

/** sklearn's load_csv_data format: a first line "n_samples,n_features,class names...", then rows ending in the class index. */
function loadSklearnClassificationCsv(name: string, fileName: string, featureNames: string[], options: SklearnLoadOptions): Dataset {
  const file = requireFile(name, fileName, options);
  const text = readTextFile(file);
  const firstBreak = text.indexOf('\n');
  const meta = text.slice(0, firstBreak).trim().split(',');
  const n = Number(meta[0]), d = Number(meta[1]);
  const classes = meta.slice(2);
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || d !== featureNames.length || classes.length < 2)
    throw new DataError(`${file}: expected a first line "n_samples,${featureNames.length},<class names>" but found '${meta.join(',')}'`);
  const table = parseCsv(text.slice(firstBreak + 1), { header: false });
  if (table.rows !== n || table.columns.length !== d + 1)
    throw new DataError(`${file}: the first line promises ${n} rows of ${d + 1} columns but the file holds ${table.rows} rows of ${table.columns.length}`);
  return createDataset({
    name, x: new Tensor(Float32Array.from(numericBlock(table, 0, d, file)), [n, d]),
    y: classIndices(table.numbers(d), classes.length, file), featureNames: featureNames.slice(), task: 'classification', classes,
  });
}
