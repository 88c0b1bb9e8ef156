// The one data loader of the CLI: `--data PATH` (CSV/TSV, JSON records, IDX image+label files,
// or a directory of text files with one sub-directory per label) or `--dataset NAME` (a packaged
// dataset of @amaas/core), plus `--target` and `--task`. Every command that reads data goes
// through loadData (labelled) or loadInputs (features to predict). Not here: training or scaling.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  fromRecords, idxToDataset, listDatasets, loadDataset, readCsv, readIdx, readJsonRecords, readTextFile, Tensor, toDataset,
  type Dataset, type Task, type TextDataset,
} from '@amaas/core';
import { CliError, UsageError } from './errors';

export interface DataSource {
  /** A file or directory. */
  data?: string;
  /** A packaged dataset name (amaas datasets list). */
  dataset?: string;
  /** Label column / field (default: the last column). */
  target?: string;
  task?: Task;
  /** IDX: the labels file (default: the images file name with images->labels, idx3->idx1). */
  labels?: string;
}

export type LoadedData =
  | { kind: 'tabular'; dataset: Dataset; source: string }
  | { kind: 'text'; dataset: TextDataset; source: string };

const IDX_RE = /(\.idx|-ubyte|\.idx\d-ubyte)(\.gz)?$/i;

/** How `--data` reads a path, from its extension (or a directory). */
export function dataFormat(file: string, isDirectory: boolean): 'csv' | 'tsv' | 'json' | 'idx' | 'text-dir' | null {
  if (isDirectory) return 'text-dir';
  const name = path.basename(file).toLowerCase();
  if (/\.csv(\.gz)?$/.test(name)) return 'csv';
  if (/\.tsv(\.gz)?$/.test(name)) return 'tsv';
  if (/\.json$/.test(name)) return 'json';
  if (IDX_RE.test(name)) return 'idx';
  return null;
}

function missingPath(file: string, flag: string): CliError {
  const hint = flag === 'data' ? "check the path; for a packaged dataset use --dataset NAME (see 'amaas datasets list')" : 'check the path (relative paths start at the current directory)';
  return new CliError(`no such file or directory: ${file} (given to --${flag})`, hint);
}

/**
 * Largest feature scale (max |value| over columns): MLPs train poorly on unscaled measurements,
 * and the model file stores no scaler, so the CLI warns instead of scaling silently.
 */
export function featureScale(x: Tensor): { column: number; maxAbs: number } {
  const [n, d] = x.shape;
  const v = x.values();
  let best = { column: 0, maxAbs: 0 };
  for (let j = 0; j < d; ++j) {
    let m = 0;
    for (let i = 0; i < n; ++i) m = Math.max(m, Math.abs(v[i * d + j]));
    if (m > best.maxAbs) best = { column: j, maxAbs: m };
  }
  return best;
}

/** Loads labelled data from --data or --dataset. Exactly one of them must be given. */
export function loadData(src: DataSource, o: { datasetsDir: string; command: string }): LoadedData {
  if (src.data && src.dataset) throw new UsageError('give either --data PATH or --dataset NAME, not both', o.command);
  if (src.dataset) {
    const known = listDatasets({ dataDir: o.datasetsDir }).map((d) => d.name as string);
    if (!known.includes(src.dataset))
      throw new UsageError(`unknown dataset '${src.dataset}': expected one of ${known.join(', ')}`, o.command);
    let ds;
    try {
      ds = loadDataset(src.dataset, { dataDir: o.datasetsDir });
    } catch (err) {
      if ((err as { code?: string }).code !== 'DATASET_MISSING') throw err;
      throw new CliError((err as Error).message, `run 'amaas datasets prepare ${src.dataset}' to fetch or check it`);
    }
    if (Array.isArray((ds as TextDataset).texts)) return { kind: 'text', dataset: ds as TextDataset, source: `dataset:${src.dataset}` };
    const tab = ds as Dataset;
    if (src.task && src.task !== tab.task) throw new UsageError(`dataset '${src.dataset}' is a ${tab.task} dataset; --task ${src.task} does not apply`, o.command);
    if (src.target) throw new UsageError(`--target picks a column of --data files; dataset '${src.dataset}' has its label already`, o.command);
    return { kind: 'tabular', dataset: tab, source: `dataset:${src.dataset}` };
  }
  if (!src.data) throw new UsageError('no data: give --data PATH (CSV, JSON, IDX or a directory of text files) or --dataset NAME', o.command);
  const file = path.resolve(src.data);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw missingPath(src.data, 'data');
  }
  const format = dataFormat(file, stat.isDirectory());
  const name = path.basename(file).replace(/\.(csv|tsv|json)(\.gz)?$/i, '');
  switch (format) {
    case 'csv':
    case 'tsv': {
      const table = readCsv(file, { delimiter: format === 'tsv' ? '\t' : ',' });
      const label = src.target ?? table.columns[table.columns.length - 1];
      if (src.target && !table.columns.includes(src.target) && !/^\d+$/.test(src.target))
        throw new UsageError(`--target '${src.target}' is not a column of ${src.data}; its columns are ${table.columns.join(', ')}`, o.command);
      const target = /^\d+$/.test(label) && !table.columns.includes(label) ? Number(label) : label;
      return { kind: 'tabular', dataset: toDataset(table, { label: target, task: src.task, name }), source: src.data };
    }
    case 'json': {
      const records = readJsonRecords(file);
      if (records.length === 0) throw new CliError(`${src.data} holds no records`, 'give a JSON array of objects, one per row');
      const keys = Object.keys(records[0]);
      const label = src.target ?? keys[keys.length - 1];
      if (!keys.includes(label)) throw new UsageError(`--target '${label}' is not a field of ${src.data}; its fields are ${keys.join(', ')}`, o.command);
      const features = keys.filter((k) => k !== label);
      if (features.length === 1 && typeof (records[0] as Record<string, unknown>)[features[0]] === 'string') {
        // { "text": "...", "label": "spam" } records: a text dataset.
        const texts: string[] = [];
        const labels: string[] = [];
        records.forEach((r, i) => {
          const t = (r as Record<string, unknown>)[features[0]], l = (r as Record<string, unknown>)[label];
          if (typeof t !== 'string') throw new CliError(`${src.data}: record ${i} field '${features[0]}' is not a string`);
          if (typeof l !== 'string' && typeof l !== 'number') throw new CliError(`${src.data}: record ${i} has no label '${label}'`);
          texts.push(t);
          labels.push(String(l));
        });
        return { kind: 'text', dataset: textDataset(name, texts, labels, records.map((_, i) => String(i))), source: src.data };
      }
      return { kind: 'tabular', dataset: fromRecords(records, { label, features, task: src.task, name }), source: src.data };
    }
    case 'idx': {
      const labelsFile = src.labels ? path.resolve(src.labels) : idxLabelsFor(file);
      if (!fs.existsSync(labelsFile))
        throw new CliError(`no labels file for ${src.data}: looked for ${labelsFile}`, 'give the labels file with --labels FILE');
      const ds = idxToDataset(readIdx(file), readIdx(labelsFile), name.replace(IDX_RE, ''));
      return { kind: 'tabular', dataset: ds, source: src.data };
    }
    case 'text-dir':
      return { kind: 'text', dataset: readTextDirectory(file, src.data), source: src.data };
    default:
      throw new CliError(
        `cannot tell the format of ${src.data} from its name`,
        'use a .csv, .tsv, .json, IDX (.idx, -ubyte, optionally .gz) file, or a directory with one sub-directory of text files per label',
      );
  }
}

/** train-images-idx3-ubyte.gz -> train-labels-idx1-ubyte.gz */
export function idxLabelsFor(imagesFile: string): string {
  const dir = path.dirname(imagesFile);
  const base = path.basename(imagesFile).replace(/images/i, 'labels').replace(/idx3/i, 'idx1');
  return path.join(dir, base);
}

function textDataset(name: string, texts: string[], labels: string[], ids: string[]): TextDataset {
  const classes = [...new Set(labels)].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  return { name, texts, y: Float32Array.from(labels, (l) => index.get(l)!), classes, ids };
}

/** <dir>/<label>/<file>: one document per file, the sub-directory name is its label. */
export function readTextDirectory(dir: string, shown = dir): TextDataset {
  const labels = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (labels.length < 2)
    throw new CliError(`${shown} has ${labels.length} sub-director${labels.length === 1 ? 'y' : 'ies'}; a text dataset needs one sub-directory per label (at least 2)`, 'e.g. data/spam/*.txt and data/ham/*.txt');
  const texts: string[] = [], y: string[] = [], ids: string[] = [];
  for (const label of labels) {
    for (const f of fs.readdirSync(path.join(dir, label), { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort()) {
      texts.push(readTextFile(path.join(dir, label, f)));
      y.push(label);
      ids.push(`${label}/${f}`);
    }
  }
  if (texts.length === 0) throw new CliError(`${shown} has label directories but no files in them`);
  return textDataset(path.basename(dir), texts, y, ids);
}

export type Inputs = { kind: 'tabular'; x: Tensor; source: string } | { kind: 'text'; texts: string[]; source: string };

/**
 * Rows to predict: a CSV/TSV of features (a --target column, when named, is dropped), JSON (an
 * array of rows, {"instances": [...]}, or records), a .txt file (one document per line, for text
 * models), or inline JSON rows from --instances.
 */
export function loadInputs(src: { input?: string; instances?: string; target?: string; text?: string[] }, command: string): Inputs {
  const given = [src.input, src.instances, src.text?.length ? 'x' : undefined].filter((v) => v !== undefined).length;
  if (given > 1) throw new UsageError('give one of --input FILE, --instances JSON or --text STRING', command);
  if (src.text?.length) return { kind: 'text', texts: src.text, source: '--text' };
  if (src.instances !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(src.instances);
    } catch (err) {
      throw new UsageError(`--instances is not valid JSON (${(err as Error).message}); e.g. --instances '[[5.1, 3.5, 1.4, 0.2]]'`, command);
    }
    return fromJsonDoc(doc, '--instances', command);
  }
  if (!src.input) throw new UsageError('nothing to predict: give --input FILE, --instances JSON or --text STRING', command);
  const file = path.resolve(src.input);
  if (!fs.existsSync(file)) throw missingPath(src.input, 'input');
  const lower = file.toLowerCase();
  if (/\.(csv|tsv)(\.gz)?$/.test(lower)) {
    const table = readCsv(file, { delimiter: /\.tsv/.test(lower) ? '\t' : ',' });
    const cols = table.columns.filter((c) => c !== src.target);
    const n = table.rows, d = cols.length;
    const x = new Float32Array(n * d);
    cols.forEach((c, j) => {
      const v = table.get(c);
      if (!(v instanceof Float64Array)) throw new CliError(`${src.input}: column '${c}' is not numeric`, 'drop non-feature columns, or name the label column with --target so it is skipped');
      for (let i = 0; i < n; ++i) x[i * d + j] = v[i];
    });
    return { kind: 'tabular', x: new Tensor(x, [n, d]), source: src.input };
  }
  if (/\.txt$/.test(lower)) {
    const texts = readTextFile(file).split(/\r?\n/).filter((l) => l.trim() !== '');
    return { kind: 'text', texts, source: src.input };
  }
  if (/\.json$/.test(lower)) {
    let doc: unknown;
    try {
      doc = JSON.parse(readTextFile(file));
    } catch (err) {
      throw new CliError(`${src.input} is not valid JSON: ${(err as Error).message}`);
    }
    return fromJsonDoc(doc, src.input, command, src.target);
  }
  throw new CliError(`cannot tell the format of ${src.input} from its name`, 'use .csv, .tsv, .json or .txt (one text per line)');
}

function fromJsonDoc(doc: unknown, source: string, command: string, target?: string): Inputs {
  let rows = doc;
  if (rows && typeof rows === 'object' && !Array.isArray(rows) && 'instances' in rows) rows = (rows as { instances: unknown }).instances;
  if (!Array.isArray(rows) || rows.length === 0)
    throw new UsageError(`${source}: expected a non-empty array of rows, e.g. [[5.1, 3.5, 1.4, 0.2]]`, command);
  if (rows.every((r) => typeof r === 'string')) return { kind: 'text', texts: rows as string[], source };
  if (rows.every((r) => typeof r === 'number')) rows = [rows];
  const list = rows as unknown[];
  let matrix: unknown[][];
  if (list.every((r) => Array.isArray(r))) matrix = list as unknown[][];
  else if (list.every((r) => r && typeof r === 'object')) {
    const keys = Object.keys(list[0] as object).filter((k) => k !== target);
    matrix = list.map((r) => keys.map((k) => (r as Record<string, unknown>)[k]));
  } else throw new UsageError(`${source}: expected rows as arrays of numbers or objects`, command);
  const d = matrix[0].length;
  const x = new Float32Array(matrix.length * d);
  matrix.forEach((r, i) => {
    if (r.length !== d) throw new CliError(`${source}: row ${i} has ${r.length} values but row 0 has ${d}`);
    r.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new CliError(`${source}: row ${i}, value ${j} is ${JSON.stringify(v)}, not a finite number`);
      x[i * d + j] = v;
    });
  });
  return { kind: 'tabular', x: new Tensor(x, [matrix.length, d]), source };
}

/** sha256 of the features and labels: the registry's data fingerprint. */
export function fingerprint(data: LoadedData): string {
  const h = createHash('sha256');
  if (data.kind === 'tabular') {
    const x = data.dataset.x.values();
    h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  } else for (const t of data.dataset.texts) h.update(t).update('\u0000');
  const y = data.dataset.y;
  h.update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  return `sha256:${h.digest('hex')}`;
}

/** Rows x columns, task and classes, for messages and JSON. */
export function describeData(data: LoadedData): { name: string; source: string; rows: number; features: number | null; task: Task; classes?: string[] } {
  if (data.kind === 'text')
    return { name: data.dataset.name, source: data.source, rows: data.dataset.texts.length, features: null, task: 'classification', classes: data.dataset.classes };
  const d = data.dataset;
  return { name: d.name, source: data.source, rows: d.x.shape[0], features: d.x.shape[1], task: d.task, ...(d.classes ? { classes: d.classes } : {}) };
}
