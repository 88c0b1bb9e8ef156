// Mlp end to end on real data (MNIST digits from the `mnist` package) plus the training
// contract: progress reports, AbortSignal cancellation within a batch, determinism, early
// stopping, validation, JSON round trip, and the bad-input catalogue.
import { CancelledError, DataError, Mlp, NotFittedError, ShapeError, Tensor, TrainProgress, setIsa, setThreads, engineInfo } from '../../src';
import * as path from 'node:path';
import { loadMnist } from '../helpers';

const mnist = loadMnist();
const train = { x: new Tensor(mnist.x.subarray(0, 8000 * 784), [8000, 784]), y: mnist.y.subarray(0, 8000) };
const test_ = { x: new Tensor(mnist.x.subarray(8000 * 784), [mnist.n - 8000, 784]), y: mnist.y.subarray(8000) };

test('MNIST 784-256-128-10 (AdamW, dropout) reaches >= 0.95 test accuracy', async () => {
  expect(mnist.n).toBe(10000);
  const model = new Mlp({ layers: [784, 256, 128, 10], activation: 'relu', dropout: 0.2, seed: 1 });
  const reports: TrainProgress[] = [];
  const history = await model.fit(train.x, train.y, {
    epochs: 15, batchSize: 64, optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 1e-4 }, schedule: 'cosine', seed: 7,
    validationData: { x: test_.x.slice(0, 500), y: test_.y.subarray(0, 500) },
    onProgress: (r) => reports.push(r),
  });
  expect(history.epochsRun).toBe(15);
  const ends = reports.filter((r) => r.endOfEpoch);
  expect(ends.map((r) => r.epoch)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  expect(ends[14].loss).toBeLessThan(ends[0].loss);
  expect(ends[14].valAccuracy).toBeGreaterThan(0.9);
  expect(ends[14].lr).toBeLessThan(ends[0].lr); // cosine schedule
  expect(ends[0].samplesPerSec).toBeGreaterThan(0);
  const pred = await model.predict(test_.x);
  let correct = 0;
  for (let i = 0; i < pred.length; ++i) if (pred[i] === test_.y[i]) correct++;
  const accuracy = correct / pred.length;
  console.log(`MNIST test accuracy ${accuracy.toFixed(4)} (${pred.length} digits)`);
  expect(accuracy).toBeGreaterThanOrEqual(0.95);
  const ev = model.evaluate(test_.x, test_.y);
  expect(ev.accuracy).toBeCloseTo(accuracy, 5);
  // Batch-1 sync path agrees with the batched path.
  const one = model.predictSync(test_.x.slice(0, 1));
  expect(one[0]).toBe(pred[0]);
});

test('same seed gives bit-identical weights, for 1 and all threads', async () => {
  const run = async () => {
    const m = new Mlp({ layers: [784, 32, 10], seed: 3, dropout: 0.1 });
    const h = await m.fit(train.x.slice(0, 1000), train.y.subarray(0, 1000), { epochs: 2, batchSize: 50, seed: 11 });
    return { w: Buffer.from(m.weights[0].buffer).toString('base64'), loss: h.epochs.map((e) => e.loss) };
  };
  const a = await run(), b = await run();
  expect(a.w).toBe(b.w);
  setThreads(1);
  const c = await run();
  setThreads(engineInfo().maxThreads);
  expect(c.w).toBe(a.w);
});

test('loss and accuracy curves on the scalar kernels match the SIMD kernels', async () => {
  const run = async () => {
    const m = new Mlp({ layers: [784, 64, 10], seed: 3 });
    const h = await m.fit(train.x.slice(0, 2000), train.y.subarray(0, 2000), { epochs: 3, batchSize: 50, seed: 11 });
    return h.epochs;
  };
  const fast = await run();
  const initial = engineInfo().isa;
  setIsa('scalar');
  const scalar = await run();
  setIsa(initial);
  // Different summation orders, same mathematics: equal to float noise, not bit for bit.
  for (let e = 0; e < fast.length; ++e) {
    expect(Math.abs(fast[e].loss - scalar[e].loss)).toBeLessThan(1e-3 * fast[e].loss + 1e-5);
    expect(Math.abs(fast[e].accuracy! - scalar[e].accuracy!)).toBeLessThanOrEqual(2 / 2000);
  }
});

test('an AbortSignal stops training within a batch and keeps the model usable', async () => {
  const model = new Mlp({ layers: [784, 64, 10], seed: 2 });
  const ac = new AbortController();
  let steps = 0;
  const p = model.fit(train.x, train.y, {
    epochs: 50, batchSize: 32, reportEvery: 5,
    onProgress: (r) => {
      steps = r.step;
      if (r.step >= 20) ac.abort();
    },
    signal: ac.signal,
  });
  await expect(p).rejects.toBeInstanceOf(CancelledError);
  await expect(p).rejects.toThrow(/keeps the weights of the last completed step/);
  expect(steps).toBeGreaterThanOrEqual(20);
  expect(model.fitted).toBe(true);
  expect((await model.predict(test_.x.slice(0, 3))).length).toBe(3);
});

test('early stopping restores the best epoch', async () => {
  const model = new Mlp({ layers: [784, 16, 10], seed: 4 });
  const h = await model.fit(train.x.slice(0, 500), train.y.subarray(0, 500), {
    epochs: 100, batchSize: 50, optimizer: { type: 'sgd', lr: 0.5, momentum: 0.9 },
    validationData: { x: test_.x.slice(0, 300), y: test_.y.subarray(0, 300) },
    earlyStopping: { patience: 3 },
  });
  expect(h.stoppedEarly).toBe(true);
  expect(h.epochsRun).toBeLessThan(100);
  const best = h.epochs[h.bestEpoch - 1].valLoss!;
  expect(model.evaluate(test_.x.slice(0, 300), test_.y.subarray(0, 300)).loss).toBeCloseTo(best, 4);
});

test('regression (MSE) and multi-label (sigmoid) heads train', async () => {
  // y = sum of the first 3 inputs, a learnable linear target.
  const n = 512;
  const x = new Float32Array(n * 8).map((_, i) => Math.sin(i * 12.9898) * 0.5);
  const y = new Float32Array(n).map((_, i) => x[i * 8] + x[i * 8 + 1] + x[i * 8 + 2]);
  const reg = new Mlp({ layers: [8, 16, 1], activation: 'tanh', output: 'identity', seed: 1 });
  const h = await reg.fit(new Tensor(x, [n, 8]), y, { epochs: 60, batchSize: 32, optimizer: { type: 'adam', lr: 0.01 } });
  expect(h.epochs[h.epochs.length - 1].loss).toBeLessThan(0.01);
  const yb = new Float32Array(n * 2).map((_, i) => (x[Math.floor(i / 2) * 8 + (i % 2)] > 0 ? 1 : 0));
  const cls = new Mlp({ layers: [8, 16, 2], activation: 'gelu', output: 'sigmoid', seed: 1 });
  const hb = await cls.fit(new Tensor(x, [n, 8]), yb, { epochs: 40, batchSize: 32, optimizer: { type: 'adamw', lr: 0.01, weightDecay: 1e-4 } });
  expect(hb.epochs[hb.epochs.length - 1].accuracy).toBeGreaterThan(0.95);
});

test('JSON round trip predicts identically', async () => {
  const m = new Mlp({ layers: [784, 16, 10], seed: 5 });
  await m.fit(train.x.slice(0, 300), train.y.subarray(0, 300), { epochs: 1 });
  const copy = Mlp.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
  expect(Array.from(await copy.predict(test_.x.slice(0, 50)))).toEqual(Array.from(await m.predict(test_.x.slice(0, 50))));
});

test('bad input gets coded errors that say what to fix', async () => {
  const m = new Mlp({ layers: [4, 3, 2] });
  expect(() => m.predictSync(Tensor.zeros([1, 4]))).toThrow(NotFittedError);
  await expect(m.fit(Tensor.zeros([3, 5]), new Float32Array(3))).rejects.toThrow(ShapeError);
  await expect(m.fit(Tensor.zeros([3, 4]), new Float32Array(2))).rejects.toThrow(/y has 2 values but x has 3 rows/);
  await expect(m.fit(Tensor.zeros([3, 4]), new Float32Array([0, 1, 5]))).rejects.toThrow(/y\[2\] = 5 is not a class index/);
  const nan = Tensor.zeros([2, 4]);
  nan.set(NaN, 1, 2);
  await expect(m.fit(nan, new Float32Array(2))).rejects.toThrow(DataError);
  await expect(m.fit(nan, new Float32Array(2))).rejects.toThrow(/row 1, column 2/);
  await expect(m.fit(Tensor.zeros([4, 4]), new Float32Array(4), { validationSplit: 0.1 })).rejects.toThrow(/empty training or validation set/);
  expect(() => new Mlp({ layers: [4] })).toThrow(/at least 2 sizes/);
  expect(() => new Mlp({ layers: [4, 1] })).toThrow(/softmax output needs at least 2 units/);
  await expect(m.fit(Tensor.zeros([2, 4]), new Float32Array(2), { epochs: 0 })).rejects.toThrow('Expected positive integer for epochs but received 0');
});

test('the raw MLP binding survives hostile arguments with coded errors (child process)', () => {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const script = `
    const n = require(${JSON.stringify(require.resolve('@amaas/native'))});
    const spec = { sizes: [3, 4, 2], hidden: 1, output: 2, dropout: 0 };
    const w = () => [new Float32Array(12), new Float32Array(4), new Float32Array(8), new Float32Array(2)];
    const bad = [undefined, null, NaN, -1, 0, 1.5, 2 ** 60, 'x', {}, [], new Float64Array(4), new Float32Array(0), new Int32Array(1),
      { sizes: [] }, { sizes: [3, 0, 2] }, { sizes: [3, 4, 2], hidden: 9 }, { sizes: [3, 4, 2], dropout: 1 }, [new Float32Array(1)]];
    let coded = 0, total = 0;
    const expectCode = (f) => {
      total++;
      try { const r = f(); if (r && typeof r.catch === 'function') r.catch(() => {}); } catch (e) { if (typeof e.code !== 'string') throw e; coded++; }
    };
    const X = new Float32Array(6), Y = new Float32Array(2);
    for (const v of bad) {
      expectCode(() => n.mlpInit(v, w(), 0, 1));
      expectCode(() => n.mlpInit(spec, v, 0, 1));
      expectCode(() => n.mlpForward(spec, w(), v, 2, new Float32Array(4)));
      expectCode(() => n.mlpForward(spec, w(), X, v, new Float32Array(4)));
      expectCode(() => n.mlpEvaluate(spec, w(), X, v, 2, 2));
      expectCode(() => n.mlpTrain(spec, w(), X, Y, 2, null, null, 0, v, null, new Int32Array(1)));
      expectCode(() => n.mlpTrain(spec, w(), X, Y, 2, null, null, 0, { epochs: 1 }, v, new Int32Array(1)));
      expectCode(() => n.mlpTrain(spec, w(), X, Y, 2, null, null, 0, { epochs: 1 }, null, v));
    }
    // Class index out of range reaches the engine and comes back as a rejected promise.
    n.mlpTrain(spec, w(), X, new Float32Array([0, 7]), 2, null, null, 0, { epochs: 1 }, null, new Int32Array(1))
      .then(() => { console.log(JSON.stringify({ error: 'resolved' })); })
      .catch((e) => console.log(JSON.stringify({ coded, total, engine: e.code })));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: path.join(__dirname, '..', '..') });
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.engine).toBe('INVALID_ARGUMENT');
  expect(out.coded).toBeGreaterThan(100);
});

test('predictions refuse NaN/Inf inputs with the row and column (checked in the engine)', async () => {
  const m = new Mlp({ layers: [4, 3, 2], seed: 1 });
  await m.fit(Tensor.zeros([4, 4]), new Float32Array([0, 1, 0, 1]), { epochs: 1 });
  const x = Tensor.zeros([3, 4]);
  x.set(Infinity, 2, 1);
  expect(() => m.predictProbaSync(x)).toThrow(/non-finite value \(inf\) at row 2, column 1/);
  await expect(m.predictProba(x)).rejects.toThrow(/row 2, column 1/);
});
