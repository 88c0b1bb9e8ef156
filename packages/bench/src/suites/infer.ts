// The infer suite: Mlp 784-512-256-10 inference at batch 1, 64 and 256 through @amaas/core
// (PackedMlp, one native call per forward pass), and the same network quantized to int8 and int4
// (QuantizedMlp), against onnxruntime-node running the exported fp32 and int8 models, per thread
// count. Validated first: fp32 outputs agree to 1e-4; quantized ones to the quantization error.
import native = require('@amaas/native');
import { exportOnnx, Mlp, quantize, Tensor, type QuantizedMlp } from '@amaas/core';
import { uniformMatrix } from '../prng';
import { FULL_TIMING, QUICK_TIMING, timeAsync, timeSync, type Timing } from '../timing';
import { prepareMlpPeer, runMlpPeer } from '../peers';

export const INFER_LAYERS = [784, 512, 256, 10];
export const INFER_BATCHES = [1, 64, 256];

export interface InferCaseResult {
  batch: number;
  threads: number;
  median_us: number;
  min_us: number;
  max_us: number;
  samples_per_sec: number;
  ort_median_us?: number;
  ort_samples_per_sec?: number;
  /** Our samples/s over onnxruntime's: > 1 means faster. */
  ratio_to_ort?: number;
  int8_median_us: number;
  int8_samples_per_sec: number;
  int4_median_us: number;
  int4_samples_per_sec: number;
  ort_int8_median_us?: number;
  ort_int8_samples_per_sec?: number;
  /** Our int8 samples/s over onnxruntime's int8 (its dynamic quantization graph). */
  int8_ratio_to_ort_int8?: number;
  /** batch 1 only: the same network's forward pass in plain C over oneDNN's sgemm (tools/peers/mlp_peers.c) */
  onednn_c_median_us?: number;
  noisy: boolean;
}

export interface InferSuiteResult {
  model: string;
  peer: string;
  max_abs_diff: number;
  /** Max |int8 - fp32| and |int4 - fp32| probability over the validation rows (ours). */
  int8_max_prob_diff: number;
  int4_max_prob_diff: number;
  /** Max |onnxruntime int8 - our int8| probability (different activation scaling). */
  ort_int8_max_prob_diff: number;
  cases: InferCaseResult[];
  /** the C + oneDNN batch-1 peer: 'ok (...)' or why it did not run */
  onednn_c: string;
  failures: { message: string }[];
}

type Ort = typeof import('onnxruntime-node');

function loadOrt(): Ort | null {
  try {
    return require('onnxruntime-node') as Ort;
  } catch {
    return null;
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The benchmark network: He-scaled seeded weights, relu, softmax (the same in infer and qgemm). */
export function buildInferModel(): Mlp {
  const weights: Float32Array[] = [];
  for (let l = 0; l + 1 < INFER_LAYERS.length; ++l) {
    const scale = Math.sqrt(2 / INFER_LAYERS[l]);
    weights.push(uniformMatrix(INFER_LAYERS[l] * INFER_LAYERS[l + 1], 11 + l).map((v) => v * scale));
    weights.push(uniformMatrix(INFER_LAYERS[l + 1], 101 + l).map((v) => v * 0.01));
  }
  return Mlp.fromWeights({ layers: INFER_LAYERS, activation: 'relu', output: 'softmax' }, weights);
}

export async function runInferSuite(config: { threads: number[]; quick: boolean; log: (line: string) => void }): Promise<InferSuiteResult> {
  const [inputs, , , outputs] = INFER_LAYERS;
  const model = buildInferModel();
  const maxBatch = Math.max(...INFER_BATCHES);
  const xAll = uniformMatrix(maxBatch * inputs, 7).map((v) => (v + 1) / 2);
  const result: InferSuiteResult = {
    model: INFER_LAYERS.join('-'), peer: 'onnxruntime-node: not installed', max_abs_diff: NaN,
    int8_max_prob_diff: NaN, int4_max_prob_diff: NaN, ort_int8_max_prob_diff: NaN, cases: [], onednn_c: 'not run', failures: [],
  };
  const q8: QuantizedMlp = quantize(model, { scheme: 'int8' }).model;
  const q4: QuantizedMlp = quantize(model, { scheme: 'int4' }).model;
  const ort = loadOrt();
  const sessions = new Map<string, import('onnxruntime-node').InferenceSession>();
  const onnx = { fp32: exportOnnx(model), int8: exportOnnx(q8) };
  const session = async (threads: number, kind: 'fp32' | 'int8' = 'fp32') => {
    if (!ort) return null;
    const key = `${kind}/${threads}`;
    if (!sessions.has(key))
      sessions.set(
        key,
        await ort.InferenceSession.create(Buffer.from(onnx[kind]), {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          // Without this, onnxruntime's workers keep spinning after run() and take our cores.
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        }),
      );
    return sessions.get(key)!;
  };
  const ortRun = async (s: import('onnxruntime-node').InferenceSession, x: Float32Array, n: number) => {
    const out = await s.run({ input: new ort!.Tensor('float32', x, [n, inputs]) });
    return out.output.data as Float32Array;
  };

  // Validate: the quantized models stay near fp32 (ours), and onnxruntime near each of ours.
  {
    const n = Math.max(...INFER_BATCHES);
    const x = new Tensor(xAll.subarray(0, n * inputs), [n, inputs]);
    const ref = model.predictProbaSync(x).values();
    result.int8_max_prob_diff = maxAbsDiff(q8.predictProbaSync(x).values(), ref);
    result.int4_max_prob_diff = maxAbsDiff(q4.predictProbaSync(x).values(), ref);
    config.log(`infer: max |int8 - fp32| = ${result.int8_max_prob_diff.toExponential(2)}, max |int4 - fp32| = ${result.int4_max_prob_diff.toExponential(2)}`);
    if (!(result.int8_max_prob_diff <= 0.05 && result.int4_max_prob_diff <= 0.15)) {
      result.failures.push({ message: `quantized outputs too far from fp32: int8 ${result.int8_max_prob_diff}, int4 ${result.int4_max_prob_diff}` });
      return result;
    }
    if (ort) {
      const s8 = await session(config.threads[0], 'int8');
      const theirs = await ortRun(s8!, x.values(), n);
      const ours8 = q8.predictProbaSync(x).values();
      result.ort_int8_max_prob_diff = maxAbsDiff(theirs, ours8);
      config.log(`infer: max |onnxruntime int8 - ours int8| = ${result.ort_int8_max_prob_diff.toExponential(2)}`);
      if (!(result.ort_int8_max_prob_diff <= 0.05)) {
        result.failures.push({ message: `onnxruntime's int8 outputs differ from ours by ${result.ort_int8_max_prob_diff} (> 0.05)` });
        return result;
      }
    }
  }
  // Validate: same probabilities from both engines on every batch size.
  if (ort) {
    result.peer = `onnxruntime-node ${require('onnxruntime-node/package.json').version} (CPU execution provider)`;
    const s = await session(config.threads[0]);
    let worst = 0;
    for (const n of INFER_BATCHES) {
      const x = xAll.subarray(0, n * inputs);
      const ours = model.predictProbaSync(new Tensor(x, [n, inputs])).data;
      const theirs = await ortRun(s!, x, n);
      for (let i = 0; i < n * outputs; ++i) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    }
    result.max_abs_diff = worst;
    config.log(`infer: validation max |ours - onnxruntime| = ${worst.toExponential(2)}`);
    if (!(worst <= 1e-4)) {
      result.failures.push({ message: `outputs differ from onnxruntime by ${worst} (> 1e-4)` });
      return result;
    }
  }

  const timing = config.quick ? QUICK_TIMING : FULL_TIMING;
  for (const threads of config.threads) {
    native.setThreads(threads);
    const batches = config.quick ? [1, 64] : INFER_BATCHES;
    // All of ours first, then all of onnxruntime's: the two engines' thread pools never overlap.
    const cases: InferCaseResult[] = batches.map((n) => {
      const x = new Tensor(xAll.subarray(0, n * inputs), [n, inputs]);
      const ours: Timing = timeSync(() => void model.predictProbaSync(x), timing);
      const int8 = timeSync(() => void q8.predictProbaSync(x), timing);
      const int4 = timeSync(() => void q4.predictProbaSync(x), timing);
      return {
        batch: n,
        threads,
        median_us: ours.medianNs / 1e3,
        min_us: ours.minNs / 1e3,
        max_us: ours.maxNs / 1e3,
        samples_per_sec: (n * 1e9) / ours.medianNs,
        int8_median_us: int8.medianNs / 1e3,
        int8_samples_per_sec: (n * 1e9) / int8.medianNs,
        int4_median_us: int4.medianNs / 1e3,
        int4_samples_per_sec: (n * 1e9) / int4.medianNs,
        noisy: ours.noisy || int8.noisy,
      };
    });
    const s = await session(threads);
    const s8 = await session(threads, 'int8');
    for (const c of cases) {
      if (s && s8) {
        const raw = xAll.subarray(0, c.batch * inputs);
        const theirs = await timeAsync(() => ortRun(s, raw, c.batch), timing);
        c.ort_median_us = theirs.medianNs / 1e3;
        c.ort_samples_per_sec = (c.batch * 1e9) / theirs.medianNs;
        c.ratio_to_ort = c.samples_per_sec / c.ort_samples_per_sec;
        const theirs8 = await timeAsync(() => ortRun(s8, raw, c.batch), timing);
        c.ort_int8_median_us = theirs8.medianNs / 1e3;
        c.ort_int8_samples_per_sec = (c.batch * 1e9) / theirs8.medianNs;
        c.int8_ratio_to_ort_int8 = c.int8_samples_per_sec / c.ort_int8_samples_per_sec;
      }
      result.cases.push(c);
      config.log(
        `infer batch ${c.batch} ${threads}T: fp32 ${c.median_us.toFixed(1)} µs, int8 ${c.int8_median_us.toFixed(1)} µs, int4 ${c.int4_median_us.toFixed(1)} µs` +
          `${c.ort_median_us ? ` (onnxruntime fp32 ${c.ort_median_us.toFixed(1)} µs, int8 ${c.ort_int8_median_us?.toFixed(1)} µs)` : ''}`,
      );
    }
  }
  native.setThreads(native.engineInfo().maxThreads);
  // Batch 1 in plain C over oneDNN's sgemm, per thread count (validated in the program against a
  // double-precision forward pass; its own seeded weights of the same shapes).
  const cPeer = prepareMlpPeer(config.log);
  result.onednn_c = cPeer.status;
  if (cPeer.binary)
    for (const c of result.cases.filter((k) => k.batch === 1)) {
      const r = runMlpPeer<{ valid: boolean; median_us: number }>(cPeer.binary, ['infer', config.quick ? '0.2' : '2'], c.threads, 120_000);
      if (typeof r === 'string') result.onednn_c = r;
      else c.onednn_c_median_us = r.median_us;
    }
  q8.dispose();
  q4.dispose();
  for (const s of sessions.values()) await s.release();
  return result;
}

const us = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));
const ratio = (v: number | undefined) => (v ? v.toFixed(2) + 'x' : '-');

export function renderInferText(r: InferSuiteResult): string {
  const lines = [
    `infer: Mlp ${r.model} (relu, softmax); peer: ${r.peer}; validation: fp32 max abs diff ${Number.isFinite(r.max_abs_diff) ? r.max_abs_diff.toExponential(2) : 'n/a'}, ` +
      `int8/int4 vs fp32 ${r.int8_max_prob_diff.toExponential(1)}/${r.int4_max_prob_diff.toExponential(1)}`,
    '',
    `C + oneDNN batch-1 peer: ${r.onednn_c}`,
    'batch  threads  fp32 µs  ort µs  fp32/ort  C+oneDNN µs  int8 µs  ort int8 µs  int8/ort-int8  int4 µs  fp32 samples/s  int8 samples/s  noisy',
  ];
  for (const c of r.cases)
    lines.push(
      `${String(c.batch).padStart(5)}  ${String(c.threads).padStart(7)}  ${us(c.median_us).padStart(7)}  ${us(c.ort_median_us).padStart(6)}  ${ratio(c.ratio_to_ort).padStart(8)}  ${us(c.onednn_c_median_us).padStart(11)}  ` +
        `${us(c.int8_median_us).padStart(7)}  ${us(c.ort_int8_median_us).padStart(11)}  ${ratio(c.int8_ratio_to_ort_int8).padStart(13)}  ${us(c.int4_median_us).padStart(7)}  ` +
        `${Math.round(c.samples_per_sec).toString().padStart(14)}  ${Math.round(c.int8_samples_per_sec).toString().padStart(14)}  ${c.noisy ? 'noisy' : ''}`,
    );
  return lines.join('\n');
}

export function renderInferMarkdown(r: InferSuiteResult, command: string): string {
  return [
    `## infer: Mlp ${r.model} (relu, softmax): fp32, int8, int4`,
    '',
    `Command: \`${command}\`. Peer: ${r.peer}, running the models exported by \`exportOnnx\` (fp32, and int8 as DynamicQuantizeLinear + MatMulInteger); ` +
      `fp32 outputs agree to ${Number.isFinite(r.max_abs_diff) ? r.max_abs_diff.toExponential(1) : 'n/a'}, ours int8/int4 are within ${r.int8_max_prob_diff.toExponential(1)}/${r.int4_max_prob_diff.toExponential(1)} of fp32` +
      `${Number.isFinite(r.ort_int8_max_prob_diff) ? ` and onnxruntime's int8 within ${r.ort_int8_max_prob_diff.toExponential(1)} of ours` : ''}, checked before timing. ` +
      'Ours: `predictProbaSync` (one native call over packed weights); onnxruntime: `await session.run`.',
    '',
    '| batch | threads | fp32 µs | onnxruntime fp32 µs | fp32 ours/ort | C + oneDNN fp32 µs | int8 µs | onnxruntime int8 µs | int8 ours/ort | int4 µs | int8 samples/s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.cases.map(
      (c) =>
        `| ${c.batch} | ${c.threads} | ${us(c.median_us)} | ${us(c.ort_median_us)} | ${ratio(c.ratio_to_ort)} | ${us(c.onednn_c_median_us)} | ${us(c.int8_median_us)} | ${us(c.ort_int8_median_us)} | ${ratio(c.int8_ratio_to_ort_int8)} | ${us(c.int4_median_us)} | ${Math.round(c.int8_samples_per_sec)} |`,
    ),
    '',
    `C + oneDNN: the same network in plain C over \`dnnl_sgemm\` (tools/peers/mlp_peers.c), batch 1 only: ${r.onednn_c}.`,
    '',
  ].join('\n');
}
