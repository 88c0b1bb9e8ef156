// The infer suite: Mlp 784-512-256-10 inference at batch 1, 64 and 256 through @amaas/core
// (PackedMlp, one native call per forward pass) against onnxruntime-node running the same
// network exported with exportOnnx, per thread count. Validated first: both must produce the
// same probabilities (max abs difference <= 1e-4). fp32 only until the int8 path exists (#4).
import native = require('@amaas/native');
import { exportOnnx, Mlp, Tensor } from '@amaas/core';
import { uniformMatrix } from '../prng';
import { FULL_TIMING, QUICK_TIMING, timeAsync, timeSync, type Timing } from '../timing';

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
  noisy: boolean;
}

export interface InferSuiteResult {
  model: string;
  peer: string;
  max_abs_diff: number;
  cases: InferCaseResult[];
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
  const result: InferSuiteResult = { model: INFER_LAYERS.join('-'), peer: 'onnxruntime-node: not installed', max_abs_diff: NaN, cases: [], failures: [] };
  const ort = loadOrt();
  const sessions = new Map<number, import('onnxruntime-node').InferenceSession>();
  const onnx = exportOnnx(model);
  const session = async (threads: number) => {
    if (!ort) return null;
    if (!sessions.has(threads))
      sessions.set(
        threads,
        await ort.InferenceSession.create(Buffer.from(onnx), {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          // Without this, onnxruntime's workers keep spinning after run() and take our cores.
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        }),
      );
    return sessions.get(threads)!;
  };
  const ortRun = async (s: import('onnxruntime-node').InferenceSession, x: Float32Array, n: number) => {
    const out = await s.run({ input: new ort!.Tensor('float32', x, [n, inputs]) });
    return out.output.data as Float32Array;
  };

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
      return {
        batch: n,
        threads,
        median_us: ours.medianNs / 1e3,
        min_us: ours.minNs / 1e3,
        max_us: ours.maxNs / 1e3,
        samples_per_sec: (n * 1e9) / ours.medianNs,
        noisy: ours.noisy,
      };
    });
    const s = await session(threads);
    for (const c of cases) {
      if (s) {
        const raw = xAll.subarray(0, c.batch * inputs);
        const theirs = await timeAsync(() => ortRun(s, raw, c.batch), timing);
        c.ort_median_us = theirs.medianNs / 1e3;
        c.ort_samples_per_sec = (c.batch * 1e9) / theirs.medianNs;
        c.ratio_to_ort = c.samples_per_sec / c.ort_samples_per_sec;
      }
      result.cases.push(c);
      config.log(`infer batch ${c.batch} ${threads}T: ${c.median_us.toFixed(1)} µs${c.ort_median_us ? ` (onnxruntime ${c.ort_median_us.toFixed(1)} µs)` : ''}`);
    }
  }
  native.setThreads(native.engineInfo().maxThreads);
  for (const s of sessions.values()) await s.release();
  return result;
}

export function renderInferText(r: InferSuiteResult): string {
  const lines = [
    `infer: Mlp ${r.model} (relu, softmax), fp32; peer: ${r.peer}; validation max abs diff ${Number.isFinite(r.max_abs_diff) ? r.max_abs_diff.toExponential(2) : 'n/a'}`,
    '',
    'batch  threads   µs/call median   samples/s   onnxruntime µs   ours/onnxruntime  noisy',
  ];
  for (const c of r.cases)
    lines.push(
      `${String(c.batch).padStart(5)}  ${String(c.threads).padStart(7)}  ${c.median_us.toFixed(1).padStart(15)}  ${Math.round(c.samples_per_sec).toString().padStart(10)}  ` +
        `${(c.ort_median_us?.toFixed(1) ?? '-').padStart(15)}  ${(c.ratio_to_ort ? c.ratio_to_ort.toFixed(2) + 'x' : '-').padStart(16)}  ${c.noisy ? 'noisy' : ''}`,
    );
  return lines.join('\n');
}

export function renderInferMarkdown(r: InferSuiteResult, command: string): string {
  return [
    `## infer: Mlp ${r.model} (relu, softmax), fp32`,
    '',
    `Command: \`${command}\`. Peer: ${r.peer}, running the model exported by \`exportOnnx\`; outputs agree to ${Number.isFinite(r.max_abs_diff) ? r.max_abs_diff.toExponential(1) : 'n/a'} before timing. Ours: \`Mlp.predictProbaSync\` (one native call over packed weights); onnxruntime: \`await session.run\`.`,
    '',
    '| batch | threads | µs/call (median) | samples/s | onnxruntime µs | ours/onnxruntime |',
    '|---:|---:|---:|---:|---:|---:|',
    ...r.cases.map(
      (c) => `| ${c.batch} | ${c.threads} | ${c.median_us.toFixed(1)} | ${Math.round(c.samples_per_sec)} | ${c.ort_median_us?.toFixed(1) ?? '-'} | ${c.ratio_to_ort ? c.ratio_to_ort.toFixed(2) + 'x' : '-'} |`,
    ),
    '',
  ].join('\n');
}
