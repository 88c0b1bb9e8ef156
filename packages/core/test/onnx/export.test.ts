// exportOnnx against onnxruntime-node: every exported model must reproduce our predictProba /
// predict within 1e-5, for batches of 5 and 1 (the batch dimension is symbolic).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ArgumentError, LinearRegression, LogisticRegression, Mlp, NotFittedError, Tensor } from '../../src';
import { exportOnnx, saveOnnx } from '../../src/onnx';
import { mulberry32, randomArray } from '../helpers';

const TOL = 1e-5;
const diffs: Record<string, number> = {};
afterAll(() => {
  if (Object.keys(diffs).length === 0) return;
  // The measured max |onnxruntime - ours| per case, for the record.
  console.log(Object.entries(diffs).map(([k, v]) => `${k}: ${v.toExponential(2)}`).join('\n'));
});

interface Run { x: Float32Array; dims: number[] }
/** Runs the model on each input in onnxruntime-node, in a child process (see ort-runner.js). */
function runOnnx(bytes: Uint8Array, runs: Run[], names = { input: 'input', output: 'output' }): { data: number[]; dims: number[] }[] {
  const request = { model: Buffer.from(bytes).toString('base64'), ...names, runs: runs.map((r) => ({ x: Array.from(r.x), dims: r.dims })) };
  const stdout = execFileSync(process.execPath, [path.join(__dirname, 'ort-runner.js')], { input: JSON.stringify(request), maxBuffer: 64 << 20 });
  return JSON.parse(stdout.toString('utf8'));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function compare(label: string, bytes: Uint8Array, d: number, ours: (x: Tensor) => Promise<{ data: ArrayLike<number>; shape: number[] }>, seed = 7) {
  const rand = mulberry32(seed);
  const runs = [5, 1].map((n) => ({ x: randomArray(n * d, rand).map((v) => v * 3), dims: [n, d] }));
  const results = runOnnx(bytes, runs);
  for (const [r, { x, dims: [n] }] of runs.entries()) {
    const expected = await ours(new Tensor(x, [n, d]));
    const got = results[r];
    expect(got.dims).toEqual(expected.shape);
    const diff = maxAbsDiff(got.data, expected.data);
    diffs[`${label} n=${n}`] = Math.max(diffs[`${label} n=${n}`] ?? 0, diff);
    expect(diff).toBeLessThanOrEqual(TOL);
  }
}

function data(n: number, d: number, seed: number) {
  const rand = mulberry32(seed);
  return { x: randomArray(n * d, rand), rand };
}

describe('Mlp', () => {
  const hiddenActs = ['relu', 'tanh', 'sigmoid', 'gelu', 'identity'] as const;
  const outputs = ['softmax', 'sigmoid', 'identity'] as const;
  for (const activation of hiddenActs)
    for (const output of outputs)
      test(`[8, 16, 4] ${activation} -> ${output}`, async () => {
        const m = new Mlp({ layers: [8, 16, 4], activation, output, seed: 3 });
        const n = 32;
        const { x, rand } = data(n, 8, 11);
        const y = output === 'softmax' ? Float32Array.from({ length: n }, () => Math.floor(rand() * 4)) : Float32Array.from({ length: n * 4 }, () => (output === 'sigmoid' ? (rand() < 0.5 ? 0 : 1) : rand()));
        await m.fit(new Tensor(x, [n, 8]), y, { epochs: 1, batchSize: 8 });
        const bytes = exportOnnx(m);
        await compare(`mlp ${activation}/${output}`, bytes, 8, async (t) => {
          const p = await m.predictProba(t);
          return { data: p.contiguous().data, shape: [...p.shape] };
        });
      });

  test('deeper net from JSON with random weights', async () => {
    const layers = [5, 7, 6, 3];
    const rand = mulberry32(5);
    const weights: number[][] = [];
    for (let l = 0; l + 1 < layers.length; ++l) weights.push(Array.from(randomArray(layers[l] * layers[l + 1], rand)), Array.from(randomArray(layers[l + 1], rand)));
    const m = Mlp.fromJSON({ kind: 'mlp', layers, activation: 'gelu', output: 'softmax', dropout: 0, weights });
    await compare('mlp json gelu/softmax', exportOnnx(m), 5, async (t) => {
      const p = await m.predictProba(t);
      return { data: p.contiguous().data, shape: [...p.shape] };
    });
  });
});

test('LinearRegression: output [batch] equals predict', async () => {
  const n = 40, d = 6;
  const { x, rand } = data(n, d, 21);
  const y = Float32Array.from({ length: n }, (_, i) => x[i * d] * 2 - x[i * d + 3] + 0.5 + 0.1 * rand());
  const m = new LinearRegression().fit(new Tensor(x, [n, d]), y);
  await compare('linear-regression', exportOnnx(m), d, async (t) => ({ data: m.predict(t), shape: [t.shape[0]] }));
});

for (const k of [2, 3])
  test(`LogisticRegression ${k} classes: output [batch, ${k}] equals predictProba`, async () => {
    const n = 60, d = 4;
    const { x } = data(n, d, 31 + k);
    const y = Float32Array.from({ length: n }, (_, i) => (x[i * d] > 0.3 ? k - 1 : x[i * d + 1] > 0 ? 0 : k - 2));
    const m = new LogisticRegression().fit(new Tensor(x, [n, d]), y, k);
    await compare(`logistic-regression k=${k}`, exportOnnx(m), d, async (t) => {
      const p = m.predictProba(t);
      return { data: p.data, shape: [...p.shape] };
    });
  });

test('custom input/output names and opset', async () => {
  const n = 20, d = 3;
  const { x } = data(n, d, 41);
  const m = new LogisticRegression().fit(new Tensor(x, [n, d]), Float32Array.from({ length: n }, (_, i) => (x[i * d] > 0 ? 1 : 0)));
  const bytes = exportOnnx(m, { inputName: 'features', outputName: 'probabilities', opset: 13 });
  const [got] = runOnnx(bytes, [{ x: x.subarray(0, 2 * d), dims: [2, d] }], { input: 'features', output: 'probabilities' });
  expect(got.dims).toEqual([2, 2]);
  expect(maxAbsDiff(got.data, m.predictProba(new Tensor(x.subarray(0, 2 * d), [2, d])).data)).toBeLessThanOrEqual(TOL);
});

test('saveOnnx writes the same bytes', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const m = LinearRegression.fromJSON({ kind: 'linear-regression', coef: [1, 2], intercept: 3, options: {} });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-onnx-')), 'model.onnx');
  await saveOnnx(m, file);
  expect(Buffer.from(fs.readFileSync(file)).equals(Buffer.from(exportOnnx(m)))).toBe(true);
  const session = await ort.InferenceSession.create(file);
  expect(session.inputNames).toEqual(['input']);
  expect(session.outputNames).toEqual(['output']);
  // The batch dimension is symbolic on both sides; LinearRegression's output is flat like predict.
  expect(session.inputMetadata).toMatchObject([{ name: 'input', isTensor: true, type: 'float32', shape: ['batch', 2] }]);
  expect(session.outputMetadata).toMatchObject([{ name: 'output', isTensor: true, type: 'float32', shape: ['batch'] }]);
  await session.release();
});

describe('bad input', () => {
  test('unfitted models throw NotFittedError', () => {
    expect(() => exportOnnx(new Mlp({ layers: [4, 3], seed: 1 }))).toThrow(NotFittedError);
    expect(() => exportOnnx(new Mlp({ layers: [4, 3], seed: 1 }))).toThrow(/not fitted.*fit\(\)/);
    expect(() => exportOnnx(new LinearRegression())).toThrow(NotFittedError);
    expect(() => exportOnnx(new LogisticRegression())).toThrow(NotFittedError);
  });

  test('not a model, bad options', () => {
    const m = LinearRegression.fromJSON({ kind: 'linear-regression', coef: [1], intercept: 0, options: {} });
    expect(() => exportOnnx({} as unknown as Mlp)).toThrow(ArgumentError);
    expect(() => exportOnnx(null as unknown as Mlp)).toThrow(/Expected an Mlp, QuantizedMlp, LinearRegression or LogisticRegression/);
    expect(() => exportOnnx(m, { opset: 11 })).toThrow(/opset/);
    expect(() => exportOnnx(m, { opset: 17.5 })).toThrow(ArgumentError);
    expect(() => exportOnnx(m, { inputName: '' })).toThrow(/inputName/);
    expect(() => exportOnnx(m, { inputName: 'x', outputName: 'x' })).toThrow(/must differ/);
    expect(() => exportOnnx(m, { outputName: 'amaas.coef' })).toThrow(/reserved/);
  });
});

describe('QuantizedMlp', () => {
  // ONNX's dynamic quantization differs from ours (one asymmetric uint8 scale per tensor against
  // our symmetric per-row scales), so the outputs agree to the quantization error, not to 1e-5.
  test.each(['int8', 'int4'] as const)('%s: standard quantized operators, outputs within the quantization error', async (scheme) => {
    const { quantize } = await import('../../src');
    const m = new Mlp({ layers: [40, 32, 16, 5], activation: 'relu', seed: 4 });
    const { x } = data(200, 40, 12);
    const labels = Float32Array.from({ length: 200 }, (_, i) => i % 5);
    await m.fit(new Tensor(x, [200, 40]), labels, { epochs: 3, seed: 1 });
    const { model: q } = quantize(m, { scheme, keepFp32: scheme === 'int8' ? [] : [-1] });
    const bytes = exportOnnx(q);
    const text = Buffer.from(bytes).toString('latin1');
    if (scheme === 'int8') {
      expect(text).toContain('MatMulInteger');
      expect(text).toContain('DynamicQuantizeLinear');
    } else expect(text).not.toContain('MatMulInteger');
    const rand = mulberry32(5);
    const runs = [64, 1].map((n) => ({ x: randomArray(n * 40, rand), dims: [n, 40] }));
    const results = runOnnx(bytes, runs);
    for (const [r, { x: xi, dims: [n] }] of runs.entries()) {
      const ours = q.predictProbaSync(new Tensor(xi, [n, 40]));
      expect(results[r].dims).toEqual(ours.shape);
      const diff = maxAbsDiff(results[r].data, ours.values());
      diffs[`quantized ${scheme} n=${n}`] = diff;
      expect(diff).toBeLessThanOrEqual(0.03);
    }
  });
});
