// The one data loader, on real data written to a temp directory: CSV, JSON records, JSON text
// records, IDX images + labels, a directory of text files, packaged datasets; and the inputs of
// `predict`. Errors say which file and what to do.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeIdx, loadDataset, type Dataset } from '@amaas/core';
import { dataFormat, fingerprint, idxLabelsFor, loadData, loadInputs } from '../src/data';
import { CliError, UsageError } from '../src/errors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-cli-data-'));
const iris = loadDataset('iris') as Dataset;
const o = { datasetsDir: path.join(dir, 'datasets'), command: 'train' };
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function irisRows(): { header: string[]; rows: (number | string)[][] } {
  const rows = Array.from({ length: iris.x.shape[0] }, (_, i) => [...Array.from({ length: 4 }, (_, j) => iris.x.get(i, j)), iris.classes![iris.y[i]]]);
  return { header: ['sl', 'sw', 'pl', 'pw', 'species'], rows };
}

test('format from the extension', () => {
  expect(dataFormat('a.csv', false)).toBe('csv');
  expect(dataFormat('a.tsv.gz', false)).toBe('tsv');
  expect(dataFormat('a.json', false)).toBe('json');
  expect(dataFormat('train-images-idx3-ubyte.gz', false)).toBe('idx');
  expect(dataFormat('x.idx', false)).toBe('idx');
  expect(dataFormat('mail', true)).toBe('text-dir');
  expect(dataFormat('a.parquet', false)).toBeNull();
  expect(idxLabelsFor('/d/train-images-idx3-ubyte.gz')).toBe(path.join('/d', 'train-labels-idx1-ubyte.gz'));
});

test('CSV: the last column is the label unless --target names another', () => {
  const { header, rows } = irisRows();
  const file = path.join(dir, 'iris.csv');
  fs.writeFileSync(file, [header, ...rows].map((r) => r.join(',')).join('\n'));
  const d = loadData({ data: file }, o);
  expect(d.kind).toBe('tabular');
  if (d.kind !== 'tabular') return;
  expect(d.dataset.x.shape).toEqual([150, 4]);
  expect(d.dataset.classes).toEqual(['setosa', 'versicolor', 'virginica']);
  expect(d.dataset.task).toBe('classification');
  // A string column among the features is named, with its line.
  expect(() => loadData({ data: file, target: 'pw' }, o)).toThrow("line 2, column 'species': expected a number but found 'setosa'");
  // petal width as a regression target of the numeric columns
  const numeric = path.join(dir, 'iris-numeric.csv');
  fs.writeFileSync(numeric, [header.slice(0, 4), ...rows.map((r) => r.slice(0, 4))].map((r) => r.join(',')).join('\n'));
  const r = loadData({ data: numeric, target: 'pw' }, o);
  if (r.kind !== 'tabular') throw new Error('expected tabular');
  expect(r.dataset.task).toBe('regression');
  expect(() => loadData({ data: file, target: 'color' }, o)).toThrow(/--target 'color' is not a column of .*its columns are sl, sw, pl, pw, species/);
  expect(fingerprint(d)).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(fingerprint(d)).not.toBe(fingerprint(r));
});

test('JSON records: numeric features, or one text field -> a text dataset', () => {
  const { header, rows } = irisRows();
  const file = path.join(dir, 'iris.json');
  fs.writeFileSync(file, JSON.stringify(rows.map((r) => Object.fromEntries(header.map((h, j) => [h, r[j]])))));
  const d = loadData({ data: file }, o);
  expect(d.kind === 'tabular' && d.dataset.x.shape).toEqual([150, 4]);
  const texts = path.join(dir, 'mail.json');
  fs.writeFileSync(texts, JSON.stringify([{ text: 'win money', label: 'spam' }, { text: 'meeting at 3', label: 'ham' }]));
  const t = loadData({ data: texts }, o);
  expect(t.kind).toBe('text');
  expect(t.kind === 'text' && t.dataset.classes).toEqual(['ham', 'spam']);
});

test('IDX images with their labels file found by name', () => {
  const images = path.join(dir, 'tiny-images-idx3-ubyte');
  fs.writeFileSync(images, encodeIdx('u8', [3, 2, 2], [0, 255, 0, 255, 255, 0, 255, 0, 0, 0, 0, 0]));
  fs.writeFileSync(path.join(dir, 'tiny-labels-idx1-ubyte'), encodeIdx('u8', [3], [1, 0, 2]));
  const d = loadData({ data: images }, o);
  if (d.kind !== 'tabular') throw new Error('expected tabular');
  expect(d.dataset.x.shape).toEqual([3, 4]);
  expect(Array.from(d.dataset.y)).toEqual([1, 0, 2]);
  expect(d.dataset.x.get(0, 1)).toBe(1);
  const lonely = path.join(dir, 'solo-images-idx3-ubyte');
  fs.writeFileSync(lonely, encodeIdx('u8', [1, 1, 1], [0]));
  expect(() => loadData({ data: lonely }, o)).toThrow(/no labels file .*solo-labels-idx1-ubyte/);
});

test('a directory with one sub-directory of text files per label', () => {
  const mail = path.join(dir, 'mail');
  for (const [label, texts] of [['spam', ['win a prize', 'free money']], ['ham', ['lunch?', 'notes from the meeting', 'see you']]] as const) {
    fs.mkdirSync(path.join(mail, label), { recursive: true });
    texts.forEach((t, i) => fs.writeFileSync(path.join(mail, label, `${i}.txt`), t));
  }
  const d = loadData({ data: mail }, o);
  if (d.kind !== 'text') throw new Error('expected text');
  expect(d.dataset.classes).toEqual(['ham', 'spam']);
  expect(d.dataset.texts).toHaveLength(5);
  expect(d.dataset.ids[0]).toBe('ham/0.txt');
  fs.mkdirSync(path.join(dir, 'flat', 'only'), { recursive: true });
  expect(() => loadData({ data: path.join(dir, 'flat') }, o)).toThrow(/needs one sub-directory per label/);
});

test('packaged datasets, and the errors that say what to do', () => {
  const d = loadData({ dataset: 'iris' }, o);
  expect(d.kind === 'tabular' && d.dataset.x.shape).toEqual([150, 4]);
  expect(() => loadData({ dataset: 'imagenet' }, o)).toThrow(UsageError);
  expect(() => loadData({ dataset: 'iris', data: 'x.csv' }, o)).toThrow('give either --data PATH or --dataset NAME, not both');
  expect(() => loadData({}, o)).toThrow(/no data: give --data PATH/);
  expect(() => loadData({ data: path.join(dir, 'nope.csv') }, o)).toThrow(CliError);
  expect(() => loadData({ data: path.join(dir, 'nope.csv') }, o)).toThrow(/no such file or directory: .*nope\.csv \(given to --data\)/);
  fs.writeFileSync(path.join(dir, 'x.parquet'), 'PAR1');
  expect(() => loadData({ data: path.join(dir, 'x.parquet') }, o)).toThrow(/cannot tell the format/);
  // scikit-learn's digits are not prepared in this fresh data dir: the hint names the command.
  try {
    loadData({ dataset: 'digits' }, o);
    throw new Error('expected a failure');
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).hint).toContain("amaas datasets prepare digits");
  }
});

test('predict inputs: CSV without the label, JSON rows and instances, texts', () => {
  const csv = path.join(dir, 'rows.csv');
  fs.writeFileSync(csv, 'a,b,label\n1,2,x\n3,4,y\n');
  const x = loadInputs({ input: csv, target: 'label' }, 'predict');
  expect(x.kind === 'tabular' && Array.from(x.x.values())).toEqual([1, 2, 3, 4]);
  expect(() => loadInputs({ input: csv }, 'predict')).toThrow(/column 'label' is not numeric/);
  const inline = loadInputs({ instances: '{"instances": [[5.1, 3.5, 1.4, 0.2]]}' }, 'predict');
  expect(inline.kind === 'tabular' && inline.x.shape).toEqual([1, 4]);
  expect(loadInputs({ instances: '[1, 2, 3]' }, 'predict').kind === 'tabular').toBe(true);
  expect(loadInputs({ text: ['hello'] }, 'predict')).toEqual({ kind: 'text', texts: ['hello'], source: '--text' });
  expect(() => loadInputs({ instances: '[[1, 2], [3]]' }, 'predict')).toThrow('row 1 has 1 values but row 0 has 2');
  expect(() => loadInputs({ instances: '[[1,' }, 'predict')).toThrow(UsageError);
  expect(() => loadInputs({}, 'predict')).toThrow(/nothing to predict/);
});
