// Model files: every model kind saved and reloaded predicts identically; the file reads as plain
// safetensors with the expected metadata; bad metadata/tensors name what is wrong; saveModel is
// atomic (no temp files left behind).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AmaasError, LinearRegression, LogisticRegression, Mlp, quantize, QuantizedMlp, StandardScaler, Tensor, TextClassifier } from '../../src';
import { deserializeModel, loadModel, readModelInfo, readSafetensors, saveModel, serializeModel, writeSafetensors } from '../../src/io';
import { mulberry32 } from '../helpers';

const rand = mulberry32(7);
const N = 120, D = 4;
const xData = Float32Array.from({ length: N * D }, () => rand() * 2 - 1);
const x = new Tensor(xData, [N, D]);
const cls = Float32Array.from({ length: N }, (_, i) => (xData[i * D] + xData[i * D + 1] > 0 ? 1 : 0) + (xData[i * D + 2] > 0.5 ? 1 : 0));
const yReg = Float32Array.from({ length: N }, (_, i) => 2 * xData[i * D] - xData[i * D + 3] + 0.5);

/** Hand parse: u64 LE header length, then JSON. */
function handHeader(buf: Buffer): Record<string, any> {
  const n = Number(buf.readBigUInt64LE(0));
  return JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AmaasError);
  expect((caught as AmaasError).code).toBe('INVALID_MODEL_FILE');
  expect((caught as AmaasError).message).toMatch(pattern);
}

/** Rewrites a model file with edited metadata and/or tensors. */
function edit(buf: Buffer, change: (meta: Record<string, string>, tensors: Record<string, any>) => void): Buffer {
  const f = readSafetensors(buf, { copy: true });
  const meta = { ...f.metadata };
  const tensors: Record<string, any> = {};
  for (const [k, t] of Object.entries(f.tensors)) tensors[k] = { ...t };
  change(meta, tensors);
  return writeSafetensors(tensors, meta);
}

let mlp: Mlp;
beforeAll(async () => {
  mlp = new Mlp({ layers: [D, 8, 3], activation: 'tanh', seed: 1 });
  await mlp.fit(x, cls, { epochs: 5, batchSize: 16, seed: 2 });
});

test('Mlp round trip predicts identically; file is plain safetensors with the metadata', async () => {
  const buf = serializeModel(mlp, { created: '2026-01-02T03:04:05.000Z' });
  const header = handHeader(buf);
  const meta = header.__metadata__;
  expect(meta.format).toBe('amaas-model');
  expect(meta.format_version).toBe('1');
  expect(meta.kind).toBe('mlp');
  expect(meta.library_version).toBe(require('../../package.json').version);
  expect(meta.created).toBe('2026-01-02T03:04:05.000Z');
  expect(JSON.parse(meta.signature)).toEqual({
    inputs: [{ name: 'x', dtype: 'F32', shape: [-1, D] }],
    outputs: [{ name: 'y', dtype: 'F32', shape: [-1, 3] }],
  });
  expect(JSON.parse(meta.spec)).toEqual({ kind: 'mlp', layers: [D, 8, 3], activation: 'tanh', output: 'softmax', dropout: 0 });
  expect(header['layers.0.weight']).toMatchObject({ dtype: 'F32', shape: [8, D] });
  expect(header['layers.1.bias']).toMatchObject({ dtype: 'F32', shape: [3] });
  const back = (await loadModel(buf)) as Mlp;
  expect(back).toBeInstanceOf(Mlp);
  expect(Array.from(back.predictProbaSync(x).data)).toEqual(Array.from(mlp.predictProbaSync(x).data));
  expect(Array.from(await back.predict(x))).toEqual(Array.from(await mlp.predict(x)));
  expect(readModelInfo(buf).signature.inputs[0].shape).toEqual([-1, D]);
});

test('LinearRegression round trip predicts identically', () => {
  const m = new LinearRegression({ l2: 0.1 }).fit(x, yReg);
  const buf = serializeModel(m);
  const meta = handHeader(buf).__metadata__;
  expect(meta.kind).toBe('linear-regression');
  expect(handHeader(buf).coef).toMatchObject({ dtype: 'F64', shape: [D] });
  expect(handHeader(buf).intercept).toMatchObject({ dtype: 'F64', shape: [] });
  const back = deserializeModel(buf) as LinearRegression;
  expect(back).toBeInstanceOf(LinearRegression);
  expect(back.options).toEqual(m.options);
  expect(Array.from(back.predict(x))).toEqual(Array.from(m.predict(x)));
});

test('LogisticRegression (binary and 3 classes) round trip predicts identically', () => {
  for (const [labels, k] of [[cls.map((c) => (c > 0 ? 1 : 0)), 2], [cls, 3]] as const) {
    const m = new LogisticRegression({ C: 2 }).fit(x, labels);
    const buf = serializeModel(m);
    const h = handHeader(buf);
    expect(h.coef.shape).toEqual([k === 2 ? 1 : k, D]);
    expect(JSON.parse(h.__metadata__.signature).outputs[0].shape).toEqual([-1, k]);
    const back = deserializeModel(buf) as LogisticRegression;
    expect(back).toBeInstanceOf(LogisticRegression);
    expect(Array.from(back.predictProba(x).data)).toEqual(Array.from(m.predictProba(x).data));
    expect(Array.from(back.predict(x))).toEqual(Array.from(m.predict(x)));
  }
});

test('TextClassifier (counts and tf-idf) round trip predicts identically', () => {
  const texts = ['free money now', 'win cash prizes now', 'meeting at noon', 'lunch tomorrow?', 'cheap pills free', 'project notes attached', 'claim your free prize', 'see you at the meeting'];
  const labels = ['spam', 'spam', 'ham', 'ham', 'spam', 'ham', 'spam', 'ham'];
  const probe = ['free lunch', 'prize meeting', 'notes', 'unknown words only'];
  for (const opts of [{}, { tfidf: { sublinearTf: true }, vectorizer: { ngramRange: [1, 2] as [number, number] } }]) {
    const m = new TextClassifier(opts).fit(texts, labels);
    const buf = serializeModel(m);
    const h = handHeader(buf);
    expect(h.__metadata__.kind).toBe('text-classifier');
    expect(h['nb.feature_log_prob'].dtype).toBe('F32');
    expect(JSON.parse(h.__metadata__.spec).classes).toEqual(['ham', 'spam']);
    expect(JSON.parse(h.__metadata__.spec).vectorizer.vocabulary.length).toBe(h['nb.feature_log_prob'].shape[1]);
    expect('tfidf.idf' in h).toBe('tfidf' in opts);
    const back = deserializeModel(buf) as TextClassifier;
    expect(back).toBeInstanceOf(TextClassifier);
    expect(back.predict(probe)).toEqual(m.predict(probe));
    expect(Array.from(back.predictProba(probe).data)).toEqual(Array.from(m.predictProba(probe).data));
  }
});

describe('bad model files -> INVALID_MODEL_FILE naming the problem', () => {
  let good: Buffer;
  beforeAll(() => {
    good = serializeModel(mlp);
  });
  test('not an AMaaS file', () => expectInvalid(() => deserializeModel(edit(good, (m) => delete (m as any).format)), /format should be 'amaas-model'/));
  test('unsupported version', () => expectInvalid(() => deserializeModel(edit(good, (m) => (m.format_version = '9'))), /format_version '9' is not supported/));
  test('unknown kind', () => expectInvalid(() => deserializeModel(edit(good, (m) => (m.kind = 'svm'))), /unknown model kind 'svm'/));
  test('spec not JSON', () => expectInvalid(() => deserializeModel(edit(good, (m) => (m.spec = '{'))), /spec is not valid JSON/));
  test('missing tensor', () => expectInvalid(() => deserializeModel(edit(good, (_m, t) => delete t['layers.1.weight'])), /lacks tensor 'layers.1.weight'/));
  test('wrong dtype', () =>
    expectInvalid(() => deserializeModel(edit(good, (_m, t) => (t['layers.0.bias'] = { dtype: 'F64', shape: [8], data: new Float64Array(8) }))), /'layers.0.bias' should be F32 but is F64/));
  test('wrong shape', () =>
    expectInvalid(() => deserializeModel(edit(good, (_m, t) => (t['layers.0.weight'] = { ...t['layers.0.weight'], shape: [D, 8] }))), /'layers.0.weight' should have shape \[8,4\]/));
  test('spec disagrees with tensors (huge layers)', () =>
    expectInvalid(() => deserializeModel(edit(good, (m) => (m.spec = JSON.stringify({ kind: 'mlp', layers: [1e9, 1e9], activation: 'tanh', output: 'softmax', dropout: 0 })))), /lacks tensor|should have shape/));
  test('bad spec option is wrapped', () =>
    expectInvalid(() => deserializeModel(edit(good, (m) => (m.spec = JSON.stringify({ ...JSON.parse(m.spec), activation: 'swish' })))), /mlp spec is not a valid model/));
  test('unexpected extra tensor', () =>
    expectInvalid(() => deserializeModel(edit(good, (_m, t) => (t.extra = { dtype: 'U8', shape: [1], data: new Uint8Array(1) }))), /unexpected tensor 'extra'/));
  test('truncated file', () => expectInvalid(() => deserializeModel(good.subarray(0, good.length - 3)), /run past the end|trailing|past the end/));
});

test('saveModel writes atomically and leaves no temp files; loadModel reads the path', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-io-'));
  try {
    const file = path.join(dir, 'model.safetensors');
    await saveModel(mlp, file);
    await saveModel(mlp, file); // overwrite via rename
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
    const back = (await loadModel(file)) as Mlp;
    expect(Array.from(back.predictSync(x))).toEqual(Array.from(mlp.predictSync(x)));
    await expect(saveModel(mlp, path.join(dir, 'missing-dir', 'm.safetensors'))).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A seeded mutation of a model file: flip 1-3 random bits anywhere past the length prefix, or
 * splice a token into the header (often inside the spec string's escaped JSON), fixing the length.
 */
function mutator(seed: number, fragments: string[]): (base: Buffer) => Buffer {
  const r = mulberry32(seed);
  const int = (n: number) => Math.floor(r() * n);
  return (base) => {
    let b: Buffer = Buffer.from(base);
    if (int(2) === 0) {
      for (let k = 1 + int(3); k > 0; --k) b[8 + int(b.length - 8)] ^= 1 << int(8);
      return b;
    }
    const n = Number(base.readBigUInt64LE(0));
    const text = b.subarray(8, 8 + n).toString('latin1');
    const at = int(text.length);
    const spliced = Buffer.from(text.slice(0, at) + fragments[int(fragments.length)] + text.slice(at + int(3)), 'latin1');
    b = Buffer.concat([Buffer.alloc(8), spliced, b.subarray(8 + n)]);
    b.writeBigUInt64LE(BigInt(spliced.length), 0);
    return b;
  };
}

test('fuzz: 1,000 mutated model files either load or throw INVALID_MODEL_FILE', () => {
  const base = serializeModel(new LogisticRegression().fit(x, cls));
  const mutate = mutator(99, ['-1', '0', '1e9', 'null', '"x"', '[]', '{}', '2', '"F32"', ',']);
  let loaded = 0;
  for (let iter = 0; iter < 1000; ++iter) {
    const b = mutate(base);
    try {
      deserializeModel(b);
      loaded++;
    } catch (err) {
      if (!(err instanceof AmaasError) || (err.code as string) !== 'INVALID_MODEL_FILE')
        throw new Error(`mutation ${iter} threw ${String(err)} instead of INVALID_MODEL_FILE`);
    }
  }
  expect(loaded).toBeGreaterThan(0);
});

test('fuzz: 1,000 mutated quantized model files (int8, int4 and fp32 layers) load and predict, or throw coded errors', async () => {
  const m = new Mlp({ layers: [40, 24, 16, 3], seed: 2 });
  const xs = new Tensor(Float32Array.from({ length: 60 * 40 }, (_, i) => Math.sin(i)), [60, 40]);
  await m.fit(xs, Float32Array.from({ length: 60 }, (_, i) => i % 3), { epochs: 2 });
  const files = [
    serializeModel(quantize(m, { scheme: 'int8', activations: 'static', calibration: xs }).model, { metrics: { accuracy: 0.5 } }),
    serializeModel(quantize(m, { scheme: 'int4', keepFp32: [-1] }).model),
  ];
  const mutate = mutator(7, ['-1', '0', '1e9', 'null', '"int4"', '"int8"', '"fp32"', '[]', '2', '"I8"', '"U8"', '"F16"', ',']);
  let loaded = 0;
  for (let iter = 0; iter < 1000; ++iter) {
    const b = mutate(files[iter % 2]);
    try {
      const model = deserializeModel(b) as QuantizedMlp;
      loaded++;
      model.predictProbaSync(xs.slice(0, 2)); // whatever the bytes say, the kernels get consistent shapes
      model.dispose();
    } catch (err) {
      if (!(err instanceof AmaasError)) throw new Error(`mutation ${iter} threw ${String(err)} instead of a coded AmaasError`);
    }
  }
  expect(loaded).toBeGreaterThan(0);
  expect(readModelInfo(files[0]).metrics).toEqual({ accuracy: 0.5 });
});

test('preprocessing state (scaler, class names, feature names) travels in the metadata', () => {
  const rows = new Tensor(Float32Array.from({ length: 30 }, (_, i) => (i % 3) * 10 + i), [10, 3]);
  const scaler = new StandardScaler().fit(rows);
  const model = new LogisticRegression().fit(x, cls);
  const bytes = serializeModel(model, { preprocessing: { scaler, labels: ['no', 'yes'], featureNames: ['a', 'b', 'c'] }, metrics: { accuracy: 1 } });
  const info = readModelInfo(bytes);
  expect(info.preprocessing!.labels).toEqual(['no', 'yes']);
  expect(info.preprocessing!.featureNames).toEqual(['a', 'b', 'c']);
  expect(info.preprocessing!.scaler).toBeInstanceOf(StandardScaler);
  expect(Array.from(info.preprocessing!.scaler!.transform(rows).values())).toEqual(Array.from(scaler.transform(rows).values()));
  expect(readModelInfo(serializeModel(model)).preprocessing).toBeNull();
  expect(() => serializeModel(model, { preprocessing: { labels: [1, 2] as unknown as string[] } })).toThrow(/array of strings/);
  // A hostile scaler spec is a coded file error, not a crash.
  const { tensors, metadata } = readSafetensors(bytes);
  const spec = JSON.parse(metadata.preprocessing!);
  spec.scaler.scale = spec.scaler.scale.map(() => -1);
  const entries = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, data: t.data }]));
  const hostile = writeSafetensors(entries, { ...metadata, preprocessing: JSON.stringify(spec) });
  expect(() => readModelInfo(hostile)).toThrow(/preprocessing is not valid: Expected positive numbers/);
});
