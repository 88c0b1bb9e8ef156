// Quantization, pruning and distillation on the MNIST MLP of the models tests (784-256-128-10,
// 8,000 training digits, 2,000 test digits): each must keep the accuracy within the issue's
// budget of the fp32 teacher, and really shrink the model. Accuracy is measured on the test
// digits the models never trained on.
import {
  ArgumentError, Mlp, ModelFileError, NotFittedError, QuantizedMlp, Tensor,
  deserializeModel, distill, magnitudePrune, pruneNeurons, quantize, serializeModel,
} from '../../src';
import { loadMnist } from '../helpers';

const mnist = loadMnist();
const train = { x: new Tensor(mnist.x.subarray(0, 8000 * 784), [8000, 784]), y: mnist.y.subarray(0, 8000) };
const test_ = { x: new Tensor(mnist.x.subarray(8000 * 784), [mnist.n - 8000, 784]), y: mnist.y.subarray(8000) };
const calibration = train.x.slice(0, 512);

let teacher: Mlp;
let teacherAccuracy: number;

function accuracy(pred: Float32Array): number {
  let correct = 0;
  for (let i = 0; i < pred.length; ++i) if (pred[i] === test_.y[i]) ++correct;
  return correct / pred.length;
}

beforeAll(async () => {
  teacher = new Mlp({ layers: [784, 256, 128, 10], activation: 'relu', dropout: 0.2, seed: 1 });
  await teacher.fit(train.x, train.y, { epochs: 12, batchSize: 64, optimizer: { type: 'adamw', lr: 1e-3, weightDecay: 1e-4 }, schedule: 'cosine', seed: 7 });
  teacherAccuracy = accuracy(await teacher.predict(test_.x));
  console.log(`fp32 teacher: test accuracy ${teacherAccuracy.toFixed(4)}, ${teacher.parameterCount} parameters`);
  expect(teacherAccuracy).toBeGreaterThan(0.94);
});

describe('quantize', () => {
  test('int8 (dynamic activations): within 0.5 points, ~4x smaller, per-layer report, bit-exact file round trip', async () => {
    const { model: q, report } = quantize(teacher, { scheme: 'int8', calibration, evaluation: test_ });
    const acc = accuracy(await q.predict(test_.x));
    console.log(`int8: accuracy ${acc.toFixed(4)} (delta ${(acc - teacherAccuracy).toFixed(4)}), bytes x${report.bytes.ratio.toFixed(2)}, level ${report.level}`, report.layers);
    expect(teacherAccuracy - acc).toBeLessThanOrEqual(0.005);
    expect(report.evaluation!.accuracyDelta).toBeCloseTo(acc - teacherAccuracy, 10);
    expect(report.bytes.ratio).toBeGreaterThan(3.9);
    expect(report.layers.map((l) => l.scheme)).toEqual(['int8', 'int8', 'int8']);
    for (const l of report.layers) {
      expect(l.maxAbsError).toBeGreaterThan(0); // really quantized
      expect(l.relativeRms).toBeLessThan(0.05);
      expect(l.rmsError).toBeLessThanOrEqual(l.maxAbsError);
    }
    expect(report.calibrationRows).toBe(512);
    // Batch-1 sync path = batched path.
    const one = q.predictProbaSync(test_.x.slice(3, 4)).values();
    const all = (await q.predictProba(test_.x.slice(0, 100))).values();
    expect(Array.from(one)).toEqual(Array.from(all.subarray(30, 40)));
    // File: 4x smaller than the fp32 file, and the loaded model predicts bit-identically.
    const bytes = serializeModel(q, { metrics: { accuracy: acc } });
    const fp32Bytes = serializeModel(teacher);
    expect(fp32Bytes.length / bytes.length).toBeGreaterThan(3.8);
    const back = deserializeModel(bytes) as QuantizedMlp;
    expect(back).toBeInstanceOf(QuantizedMlp);
    expect(back.toJSON()).toEqual(q.toJSON());
    expect(Buffer.from((await back.predictProba(test_.x)).values().buffer).equals(Buffer.from((await q.predictProba(test_.x)).values().buffer))).toBe(true);
  });

  test('int8 with calibrated static activation scales stays within 0.5 points', async () => {
    const { model: q, report } = quantize(teacher, { scheme: 'int8', activations: 'static', calibration, percentile: 99.99 });
    const acc = accuracy(await q.predict(test_.x));
    console.log(`int8 static: accuracy ${acc.toFixed(4)}, act scales ${report.layers.map((l) => l.actScale.toExponential(3))}`);
    expect(report.layers.every((l) => l.actScale > 0)).toBe(true);
    expect(teacherAccuracy - acc).toBeLessThanOrEqual(0.005);
    const back = deserializeModel(serializeModel(q)) as QuantizedMlp;
    expect(back.layerData.map((d) => d.actScale)).toEqual(q.layerData.map((d) => d.actScale));
  });

  test('int4 (groups of 32): within 1.5 points, ~7x smaller, bit-exact round trip', async () => {
    const { model: q, report } = quantize(teacher, { scheme: 'int4', evaluation: test_ });
    const acc = accuracy(await q.predict(test_.x));
    console.log(`int4: accuracy ${acc.toFixed(4)} (delta ${(acc - teacherAccuracy).toFixed(4)}), bytes x${report.bytes.ratio.toFixed(2)}`);
    expect(teacherAccuracy - acc).toBeLessThanOrEqual(0.015);
    expect(report.bytes.ratio).toBeGreaterThanOrEqual(7); // 4-bit weights + fp16 scales per 32 + fp32 biases
    expect(report.layers).toHaveLength(3); // evaluation rows stand in for calibration in the report
    const bytes = serializeModel(q);
    expect(serializeModel(teacher).length / bytes.length).toBeGreaterThan(6.5);
    const back = deserializeModel(bytes) as QuantizedMlp;
    expect(Buffer.from(back.predictProbaSync(test_.x).values().buffer).equals(Buffer.from(q.predictProbaSync(test_.x).values().buffer))).toBe(true);
  });

  test('dequantized(): the stored weights times their scales, an fp32 twin within the quantization error', () => {
    for (const scheme of ['int8', 'int4'] as const) {
      const { model: q } = quantize(teacher, { scheme, keepFp32: [-1] });
      const twin = q.dequantized();
      expect(twin.layers).toEqual(q.layers);
      const d0 = q.layerData[0];
      const w0 = twin.weights[0];
      if (scheme === 'int8') for (const i of [0, 1, 783, 784 * 255 + 783]) expect(w0[i]).toBe(Math.fround(d0.q8![i] * d0.q8Scales![Math.floor(i / 784)]));
      else {
        // row 0, group 0: every weight is its nibble (low nibble = even k) minus 8, times one scale
        const nib = (k: number) => ((k & 1 ? d0.q4![k >> 1] >> 4 : d0.q4![k >> 1]) & 15) - 8;
        const ks = Array.from({ length: 32 }, (_, k) => k);
        const scale = Math.max(...ks.map((k) => (nib(k) !== 0 ? w0[k] / nib(k) : 0)));
        expect(scale).toBeGreaterThan(0);
        for (const k of ks) expect(w0[k]).toBeCloseTo(scale * nib(k), 6);
      }
      expect(Array.from(twin.weights[4])).toEqual(Array.from(teacher.weights[4])); // the fp32 layer as is
      const a = q.predictProbaSync(test_.x).values(), b = twin.predictProbaSync(test_.x).values();
      let worst = 0;
      for (let i = 0; i < a.length; ++i) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(scheme === 'int8' ? 0.02 : 0.05); // only the activation rounding differs
      twin.dispose();
    }
  });

  test('keepFp32 leaves the chosen layers in fp32', () => {
    const { model: q } = quantize(teacher, { scheme: 'int4', keepFp32: [-1] });
    expect(q.layerData.map((d) => d.scheme)).toEqual(['int4', 'int4', 'fp32']);
    expect(Array.from(q.layerData[2].w!)).toEqual(Array.from(teacher.weights[4]));
  });

  test('bad input: unfitted model, unknown scheme, static without calibration, wrong shapes, hostile file', () => {
    expect(() => quantize(new Mlp({ layers: [4, 3] }), { scheme: 'int8' })).toThrow(NotFittedError);
    expect(() => quantize(teacher, { scheme: 'int3' as 'int8' })).toThrow(ArgumentError);
    expect(() => quantize(teacher, { scheme: 'int8', activations: 'static' })).toThrow(/calibration/);
    expect(() => quantize(teacher, { scheme: 'int4', activations: 'static', calibration })).toThrow(/int8 only/);
    expect(() => quantize(teacher, { scheme: 'int8', calibration: new Tensor(new Float32Array(10), [2, 5]) })).toThrow(/784 features/);
    const { model: q } = quantize(teacher, { scheme: 'int8' });
    expect(() => q.predictProbaSync(new Tensor(new Float32Array(10), [1, 10]))).toThrow(/784/);
    const nan = new Float32Array(784);
    nan[5] = NaN;
    expect(() => q.predictProbaSync(new Tensor(nan, [1, 784]))).toThrow(/non-finite/);
    // A file claiming int4 for a layer stored as int8 is refused, not misread.
    const bytes = serializeModel(q);
    const text = bytes.toString('latin1').replace('"layerSchemes\\":[\\"int8\\"', '"layerSchemes\\":[\\"int4\\"');
    expect(text).not.toBe(bytes.toString('latin1'));
    expect(() => deserializeModel(Buffer.from(text, 'latin1'))).toThrow(ModelFileError);
  });
});

describe('prune', () => {
  test('magnitude pruning to 50% (global, 3 stages with fine-tuning) keeps zeros and accuracy within 1 point', async () => {
    const { model, sparsity, masks, history } = await magnitudePrune(teacher, {
      sparsity: 0.5, scope: 'global', stages: 3,
      fineTune: { x: train.x, y: train.y, epochs: 1, batchSize: 64, optimizer: { type: 'adam', lr: 3e-4 }, seed: 3 },
    });
    expect(history).toHaveLength(3);
    const zeros = model.weights.filter((_, i) => i % 2 === 0).reduce((n, w) => n + w.filter((v) => v === 0).length, 0);
    const total = model.weights.filter((_, i) => i % 2 === 0).reduce((n, w) => n + w.length, 0);
    expect(zeros / total).toBeGreaterThanOrEqual(0.5);
    masks.forEach((m, l) => m!.forEach((v, i) => v === 0 && expect(model.weights[2 * l][i] === 0).toBe(true))); // +0 or -0
    const acc = accuracy(await model.predict(test_.x));
    console.log(`magnitude 50%: accuracy ${acc.toFixed(4)}, sparsity per layer ${sparsity.map((s) => s.toFixed(3))}`);
    expect(teacherAccuracy - acc).toBeLessThanOrEqual(0.01);
    expect(teacher.weights[0].filter((v) => v === 0).length).toBeLessThan(100); // the teacher is untouched
  });

  test('structured pruning removes half of every hidden layer; fine-tuned it stays within 1 point', async () => {
    const r = await pruneNeurons(teacher, {
      fraction: 0.5, fineTune: { x: train.x, y: train.y, epochs: 4, batchSize: 64, optimizer: { type: 'adam', lr: 5e-4 }, seed: 5 },
    });
    expect(r.model.layers).toEqual([784, 128, 64, 10]);
    expect(r.kept.map((k) => k.length)).toEqual([128, 64]);
    expect(r.parameters.after).toBeLessThan(r.parameters.before * 0.55);
    const acc = accuracy(await r.model.predict(test_.x));
    console.log(`neurons 50%: accuracy ${acc.toFixed(4)}, parameters ${r.parameters.before} -> ${r.parameters.after}`);
    expect(teacherAccuracy - acc).toBeLessThanOrEqual(0.01);
    await expect(pruneNeurons(teacher, { fraction: 1 })).rejects.toThrow(ArgumentError);
    await expect(pruneNeurons(new Mlp({ layers: [4, 3] }), { fraction: 0.5 })).rejects.toThrow(NotFittedError);
  });
});

describe('distill', () => {
  test('a student with a quarter of the parameters lands within 2 points of its teacher', async () => {
    const r = await distill(teacher, train.x, train.y, {
      student: { layers: [784, 64, 48, 10], activation: 'relu', seed: 2 },
      temperature: 3, alpha: 0.7, epochs: 20, batchSize: 64, optimizer: { type: 'adam', lr: 1e-3 }, schedule: 'cosine', seed: 9,
    });
    expect(r.parameters.ratio).toBeLessThanOrEqual(0.25);
    const acc = accuracy(await r.student.predict(test_.x));
    console.log(`distilled student: accuracy ${acc.toFixed(4)} with ${r.parameters.student} parameters (${(100 * r.parameters.ratio).toFixed(1)}% of the teacher)`);
    expect(teacherAccuracy - acc).toBeLessThanOrEqual(0.02);
    expect(r.history.epochsRun).toBe(20);
    await expect(distill(teacher, train.x, train.y, { student: { layers: [784, 10, 3] } })).rejects.toThrow(/10 softmax outputs/);
    await expect(distill(teacher, train.x, train.y, { student: { layers: [784, 10] }, temperature: 0 })).rejects.toThrow(/temperature/);
  });
});
