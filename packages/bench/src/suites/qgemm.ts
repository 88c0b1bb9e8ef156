// The qgemm suite: the int8 kernels against the measured integer dot-product peak, oneDNN's
// u8s8s32 GEMM and our own fp32 GEMM at the same shapes; then the Mlp 784-512-256-10 with int8
// and int4 weights (QuantizedMlp, one native call per batch) against fp32: batch-256 throughput
// and batch-1 latency. Every result is validated before it is timed: the raw integer products
// exactly, the dequantized ones against fp32 within the quantization error.
import native = require('@amaas/native');
import { pruneNeurons, quantize, Tensor } from '@amaas/core';
import type { Shape } from '../args';
import { formatShape } from '../args';
import { preparePeers, runPeerInt8, type PeerProgram } from '../peers';
import { uniformMatrix } from '../prng';
import { FULL_TIMING, QUICK_TIMING, timeSync, type TimingOptions } from '../timing';
import { buildInferModel, INFER_LAYERS } from './infer';

export const QGEMM_SHAPES: Shape[] = [
  { m: 256, k: 256, n: 256 },
  { m: 512, k: 512, n: 512 },
  { m: 1024, k: 1024, n: 1024 },
  { m: 2048, k: 2048, n: 2048 },
  { m: 256, k: 784, n: 512 },
  { m: 1, k: 784, n: 512 },
];
const QUICK_SHAPES: Shape[] = [{ m: 128, k: 256, n: 192 }, { m: 1, k: 784, n: 512 }];

export interface QgemmCase {
  shape: string;
  threads: number;
  /** Raw u8 x s8 -> s32 (oneDNN's u8s8s32 semantics), pre-packed weights. */
  gops: number;
  median_us: number;
  pct_of_peak: number;
  onednn_gops?: number;
  ratio_to_onednn?: number;
  /** fp32 GEMM of the same shape on pre-packed weights (sgemmPacked). */
  fp32_gflops: number;
  int8_over_fp32: number;
  /** f32 in, f32 out: dynamic per-row quantization + int8 GEMM + dequantize epilogue. */
  f32io_gops: number;
  /** int4 weights (W4A8 inner products), f32 in and out. */
  int4_gops: number;
  noisy: boolean;
}

export interface QgemmMlpCase {
  threads: number;
  fp32_b256_samples_per_sec: number;
  int8_b256_samples_per_sec: number;
  int4_b256_samples_per_sec: number;
  fp32_b1_us: number;
  int8_b1_us: number;
  int4_b1_us: number;
  /** fp32 with half of every hidden layer's neurons removed (pruneNeurons): 784-256-128-10. */
  pruned_b256_samples_per_sec: number;
  pruned_b1_us: number;
}

export interface QgemmSuiteResult {
  level: string;
  levels: string[];
  peaks: { threads: number; gops: number }[];
  peer: string;
  cases: QgemmCase[];
  mlp: { model: string; int8_max_prob_diff: number; int4_max_prob_diff: number; cases: QgemmMlpCase[] };
  failures: { message: string }[];
}

/** Exact check of the raw integer product on a sample of entries. */
function checkRaw(C: Int32Array, A: Uint8Array, Q: Int8Array, s: Shape): string | null {
  const total = s.m * s.n, samples = Math.min(total, 128);
  for (let t = 0; t < samples; ++t) {
    const idx = samples === total ? t : (t * 2654435761 + 12345) % total;
    const i = Math.floor(idx / s.n), j = idx % s.n;
    let ref = 0;
    for (let k = 0; k < s.k; ++k) ref += A[i * s.k + k] * Q[j * s.k + k];
    if (ref !== C[idx]) return `u8s8s32 ${formatShape(s)}: C[${i},${j}] = ${C[idx]}, exact ${ref}`;
  }
  return null;
}

/** Relative RMS error of a dequantized product against the fp32 one. */
function relRms(q: Float32Array, f: Float32Array): number {
  let e = 0, n = 0;
  for (let i = 0; i < f.length; ++i) {
    e += (q[i] - f[i]) ** 2;
    n += f[i] ** 2;
  }
  return Math.sqrt(e / Math.max(n, 1e-30));
}

export async function runQgemmSuite(config: { threads: number[]; quick: boolean; shapes?: Shape[]; log: (line: string) => void }): Promise<QgemmSuiteResult> {
  const timing: TimingOptions = config.quick ? QUICK_TIMING : FULL_TIMING;
  const levels = native.qLevels();
  const result: QgemmSuiteResult = {
    level: levels.active, levels: levels.supported, peaks: [], peer: 'oneDNN: skipped (--quick)', cases: [],
    mlp: { model: INFER_LAYERS.join('-'), int8_max_prob_diff: NaN, int4_max_prob_diff: NaN, cases: [] }, failures: [],
  };
  for (const t of config.threads) {
    const gops = native.int8Peak(null, t, config.quick ? 0.15 : 0.4);
    result.peaks.push({ threads: t, gops });
    config.log(`qgemm: ${levels.active} dot-product peak ${gops.toFixed(0)} GOP/s on ${t} thread(s)`);
  }
  let onednn: PeerProgram | null = null;
  if (!config.quick) {
    onednn = preparePeers(config.log).find((p) => p.name === 'onednn') ?? null;
    result.peer = onednn ? `oneDNN dnnl_gemm_u8s8s32: ${onednn.status}` : 'oneDNN: not installed';
  }

  for (const s of config.shapes ?? (config.quick ? QUICK_SHAPES : QGEMM_SHAPES)) {
    // Operands: u8 activations, int8 weights (N, K) as a Linear layer stores them.
    const A8 = Uint8Array.from(uniformMatrix(s.m * s.k, 3), (v) => Math.floor((v + 1) * 127.5));
    const W = uniformMatrix(s.n * s.k, 5);
    const Q = new Int8Array(s.n * s.k), scales = new Float32Array(s.n);
    native.quantizeWeightsQ8(W, s.n, s.k, Q, scales);
    const packed = native.qPackQ8(Q, scales, s.n, s.k);
    const G = Math.ceil(s.k / 32);
    const q4 = new Uint8Array(s.n * Math.ceil(s.k / 2)), q4s = new Uint16Array(s.n * G);
    native.quantizeWeightsQ4(W, s.n, s.k, q4, q4s);
    const packed4 = native.qPackQ4(q4, q4s, s.n, s.k);
    const packedF = native.packB(W, 0, s.k, s.k, s.n, true);
    const Af = uniformMatrix(s.m * s.k, 9);
    const Ci = new Int32Array(s.m * s.n), Cq = new Float32Array(s.m * s.n), C4 = new Float32Array(s.m * s.n), Cf = new Float32Array(s.m * s.n);

    native.qgemmU8s8s32(Ci, A8, s.m, packed, null);
    const rawError = checkRaw(Ci, A8, Q, s);
    native.sgemmPacked(Cf, 0, s.n, Af, 0, s.k, packedF, s.m, false, 1, 0, null, 0, 0);
    native.qgemmQ8(Cq, Af, s.m, packed, null, 0, 0, null);
    native.qgemmQ4(C4, Af, s.m, packed4, null, 0, 0, null);
    const e8 = relRms(Cq, Cf), e4 = relRms(C4, Cf);
    if (rawError || !(e8 < 0.02) || !(e4 < 0.1)) {
      result.failures.push({ message: rawError ?? `${formatShape(s)}: dequantized products off fp32 by ${e8.toExponential(2)} (int8) / ${e4.toExponential(2)} (int4) relative RMS` });
      continue;
    }
    for (const threads of config.threads) {
      native.setThreads(threads);
      const ops = 2 * s.m * s.n * s.k;
      const raw = timeSync(() => native.qgemmU8s8s32(Ci, A8, s.m, packed, null), timing);
      const f32 = timeSync(() => native.sgemmPacked(Cf, 0, s.n, Af, 0, s.k, packedF, s.m, false, 1, 0, null, 0, 0), timing);
      const io = timeSync(() => native.qgemmQ8(Cq, Af, s.m, packed, null, 0, 0, null), timing);
      const i4 = timeSync(() => native.qgemmQ4(C4, Af, s.m, packed4, null, 0, 0, null), timing);
      const gops = ops / raw.medianNs;
      const peak = result.peaks.find((p) => p.threads === threads)?.gops ?? NaN;
      const c: QgemmCase = {
        shape: formatShape(s), threads, gops, median_us: raw.medianNs / 1e3, pct_of_peak: (100 * gops) / peak,
        fp32_gflops: ops / f32.medianNs, int8_over_fp32: f32.medianNs / raw.medianNs,
        f32io_gops: ops / io.medianNs, int4_gops: ops / i4.medianNs, noisy: raw.noisy || f32.noisy,
      };
      if (onednn) {
        const peer = runPeerInt8(onednn, s, threads, 0.3);
        if (peer.ok) {
          c.onednn_gops = peer.value.gflops;
          c.ratio_to_onednn = gops / peer.value.gflops;
        } else config.log(`qgemm: ${peer.error}`);
      }
      result.cases.push(c);
      config.log(
        `qgemm ${c.shape} ${threads}T: ${gops.toFixed(0)} GOP/s (${c.pct_of_peak.toFixed(0)}% of peak)` +
          `${c.onednn_gops ? `, oneDNN ${c.onednn_gops.toFixed(0)}` : ''}, fp32 ${c.fp32_gflops.toFixed(0)} GFLOP/s (int8 x${c.int8_over_fp32.toFixed(2)})`,
      );
    }
    packed.dispose();
    packed4.dispose();
    packedF.dispose();
  }
  native.setThreads(native.engineInfo().maxThreads);
  await runMlpSection(result, config, timing);
  return result;
}

/** The MLP of the infer suite with int8 and int4 weights: throughput at batch 256, latency at batch 1. */
async function runMlpSection(result: QgemmSuiteResult, config: { threads: number[]; log: (line: string) => void }, timing: TimingOptions): Promise<void> {
  const model = buildInferModel();
  const inputs = INFER_LAYERS[0];
  const x256 = new Tensor(uniformMatrix(256 * inputs, 7).map((v) => (v + 1) / 2), [256, inputs]);
  const x1 = x256.slice(0, 1);
  const q8 = quantize(model, { scheme: 'int8' }).model;
  const q4 = quantize(model, { scheme: 'int4' }).model;
  const pruned = (await pruneNeurons(model, { fraction: 0.5 })).model;
  const ref = model.predictProbaSync(x256).values();
  const diff = (p: Float32Array) => p.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
  result.mlp.int8_max_prob_diff = diff(q8.predictProbaSync(x256).values());
  result.mlp.int4_max_prob_diff = diff(q4.predictProbaSync(x256).values());
  if (!(result.mlp.int8_max_prob_diff < 0.05) || !(result.mlp.int4_max_prob_diff < 0.15)) {
    result.failures.push({ message: `quantized MLP probabilities off fp32 by ${result.mlp.int8_max_prob_diff} (int8) / ${result.mlp.int4_max_prob_diff} (int4)` });
    return;
  }
  for (const threads of config.threads) {
    native.setThreads(threads);
    const t = (fn: () => unknown) => timeSync(() => void fn(), timing).medianNs;
    const c: QgemmMlpCase = {
      threads,
      fp32_b256_samples_per_sec: 256e9 / t(() => model.predictProbaSync(x256)),
      int8_b256_samples_per_sec: 256e9 / t(() => q8.predictProbaSync(x256)),
      int4_b256_samples_per_sec: 256e9 / t(() => q4.predictProbaSync(x256)),
      fp32_b1_us: t(() => model.predictProbaSync(x1)) / 1e3,
      int8_b1_us: t(() => q8.predictProbaSync(x1)) / 1e3,
      int4_b1_us: t(() => q4.predictProbaSync(x1)) / 1e3,
      pruned_b256_samples_per_sec: 256e9 / t(() => pruned.predictProbaSync(x256)),
      pruned_b1_us: t(() => pruned.predictProbaSync(x1)) / 1e3,
    };
    result.mlp.cases.push(c);
    config.log(
      `qgemm mlp ${threads}T: batch 256 fp32 ${Math.round(c.fp32_b256_samples_per_sec)} / int8 ${Math.round(c.int8_b256_samples_per_sec)} / int4 ${Math.round(c.int4_b256_samples_per_sec)} samples/s; ` +
        `batch 1 fp32 ${c.fp32_b1_us.toFixed(1)} / int8 ${c.int8_b1_us.toFixed(1)} / int4 ${c.int4_b1_us.toFixed(1)} µs; ` +
        `pruned 50% fp32 ${Math.round(c.pruned_b256_samples_per_sec)} samples/s, ${c.pruned_b1_us.toFixed(1)} µs`,
    );
  }
  native.setThreads(native.engineInfo().maxThreads);
  q8.dispose();
  q4.dispose();
}

const f0 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(0));
const f1 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(1));
const f2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(2));

export function renderQgemmText(r: QgemmSuiteResult): string {
  const lines = [
    `qgemm: int8 kernels on ${r.level} (levels here: ${r.levels.join(', ')}); peak ${r.peaks.map((p) => `${p.gops.toFixed(0)} GOP/s (${p.threads}T)`).join(', ')}; peer: ${r.peer}`,
    '',
    'shape            threads   GOP/s  %peak  oneDNN  ours/oneDNN  fp32 GFLOP/s  int8/fp32  f32-io GOP/s  int4 GOP/s',
  ];
  for (const c of r.cases)
    lines.push(
      `${c.shape.padEnd(16)} ${String(c.threads).padStart(7)}  ${f0(c.gops).padStart(6)}  ${f0(c.pct_of_peak).padStart(5)}  ${f0(c.onednn_gops).padStart(6)}  ${(c.ratio_to_onednn ? f2(c.ratio_to_onednn) + 'x' : '-').padStart(11)}  ` +
        `${f0(c.fp32_gflops).padStart(12)}  ${(f2(c.int8_over_fp32) + 'x').padStart(9)}  ${f0(c.f32io_gops).padStart(12)}  ${f0(c.int4_gops).padStart(10)}${c.noisy ? '  noisy' : ''}`,
    );
  lines.push('', `Mlp ${r.mlp.model} (max prob diff vs fp32: int8 ${r.mlp.int8_max_prob_diff.toExponential(1)}, int4 ${r.mlp.int4_max_prob_diff.toExponential(1)})`);
  lines.push('threads  batch-256 samples/s fp32 / int8 / int4 / pruned     batch-1 µs fp32 / int8 / int4 / pruned');
  for (const c of r.mlp.cases)
    lines.push(
      `${String(c.threads).padStart(7)}  ${Math.round(c.fp32_b256_samples_per_sec)} / ${Math.round(c.int8_b256_samples_per_sec)} / ${Math.round(c.int4_b256_samples_per_sec)} / ${Math.round(c.pruned_b256_samples_per_sec)}`.padEnd(60) +
        `${f1(c.fp32_b1_us)} / ${f1(c.int8_b1_us)} / ${f1(c.int4_b1_us)} / ${f1(c.pruned_b1_us)}`,
    );
  return lines.join('\n');
}

export function renderQgemmMarkdown(r: QgemmSuiteResult, command: string): string {
  return [
    `## qgemm: int8 / int4 kernels (${r.level})`,
    '',
    `Command: \`${command}\`. Measured ${r.level} dot-product peak: ${r.peaks.map((p) => `${p.gops.toFixed(0)} GOP/s on ${p.threads} thread${p.threads > 1 ? 's' : ''}`).join(', ')}. Peer: ${r.peer}. ` +
      'GOP/s counts a multiply-add as 2 ops. Raw = u8 x s8 -> s32 on pre-packed weights (validated exactly); f32-io adds the per-row activation quantization and the dequantize epilogue; int4 = 4-bit weights, groups of 32.',
    '',
    '| shape (MxKxN) | threads | int8 GOP/s | % of peak | oneDNN u8s8s32 | ours/oneDNN | fp32 GFLOP/s | int8/fp32 | f32-io GOP/s | int4 GOP/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.cases.map(
      (c) => `| ${c.shape} | ${c.threads} | ${f0(c.gops)} | ${f0(c.pct_of_peak)}% | ${f0(c.onednn_gops)} | ${c.ratio_to_onednn ? f2(c.ratio_to_onednn) + 'x' : '-'} | ${f0(c.fp32_gflops)} | ${f2(c.int8_over_fp32)}x | ${f0(c.f32io_gops)} | ${f0(c.int4_gops)} |`,
    ),
    '',
    `Mlp ${r.mlp.model}, \`QuantizedMlp.predictProbaSync\` (max probability difference to fp32: int8 ${r.mlp.int8_max_prob_diff.toExponential(1)}, int4 ${r.mlp.int4_max_prob_diff.toExponential(1)}); pruned = fp32 with half of every hidden layer's neurons removed by \`pruneNeurons\` (784-256-128-10):`,
    '',
    '| threads | batch 256 fp32 samples/s | int8 | int4 | pruned | batch 1 fp32 µs | int8 µs | int4 µs | pruned µs |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.mlp.cases.map(
      (c) =>
        `| ${c.threads} | ${Math.round(c.fp32_b256_samples_per_sec)} | ${Math.round(c.int8_b256_samples_per_sec)} | ${Math.round(c.int4_b256_samples_per_sec)} | ${Math.round(c.pruned_b256_samples_per_sec)} | ` +
        `${f1(c.fp32_b1_us)} | ${f1(c.int8_b1_us)} | ${f1(c.int4_b1_us)} | ${f1(c.pruned_b1_us)} |`,
    ),
    '',
  ].join('\n');
}
