// The train suite: training throughput of Mlp 784-512-256-10 (batch 128, Adam) on the 60,000
// Fashion-MNIST training images through @amaas/core, per thread count, against the bound the
// measured FMA peak implies (flops per sample / peak). Validated first: the loss must fall and
// the loss curve must match a run on the scalar kernels. Not a report writer (see report/).
import native = require('@amaas/native');
import { Mlp, Tensor, loadDataset } from '@amaas/core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PeakFigure } from '../machine';
import { prepareMlpPeer, runMlpPeer } from '../peers';
import { median, NOISY_SPREAD } from '../timing';

export const TRAIN_LAYERS = [784, 512, 256, 10];
export const TRAIN_BATCH = 128;

/** Multiply-adds of one training step per sample, x2: forward, weight gradients, and input
 *  gradients of every layer but the first. */
export function trainFlopsPerSample(layers: readonly number[]): number {
  let fwd = 0, dInput = 0;
  for (let l = 0; l + 1 < layers.length; ++l) {
    const macs = layers[l] * layers[l + 1];
    fwd += macs;
    if (l > 0) dInput += macs;
  }
  return 2 * (2 * fwd + dInput);
}

export interface TrainCaseResult {
  threads: number;
  samples: number;
  epochs: number;
  median_samples_per_sec: number;
  min_samples_per_sec: number;
  max_samples_per_sec: number;
  peak_gflops: number;
  /** peak / flops per sample: what a perfect implementation could do on this machine. */
  bound_samples_per_sec: number;
  ratio_to_bound: number;
  final_loss: number;
  noisy: boolean;
  /** the plain C training loop over oneDNN's sgemm (tools/peers/mlp_peers.c), same data and threads */
  onednn_c_samples_per_sec?: number;
  /** ours / that C loop */
  ratio_to_onednn_c?: number;
}

export interface TrainSuiteResult {
  model: string;
  batch: number;
  dataset: string;
  flops_per_sample: number;
  validation: { loss_first: number; loss_last: number; scalar_max_rel_diff: number; passed: boolean };
  cases: TrainCaseResult[];
  peers: string[];
  peer_figures: PeerTrainFigure[];
  failures: { message: string }[];
}

export interface TrainSuiteConfig {
  threads: number[];
  peaks: PeakFigure[];
  quick: boolean;
  log: (line: string) => void;
}

export interface PeerTrainFigure {
  name: string;
  samples_per_sec: number;
  steps: number;
}

/**
 * TensorFlow.js peer: the same network and optimizer through tf.layers, timed over `steps`
 * batches after two warm-up batches, on the given backend ('wasm' or the pure-JS 'cpu').
 * Returns null when the package is not installed.
 */
async function tfjsPeer(backend: 'wasm' | 'cpu', x: Float32Array, y: Float32Array, steps: number): Promise<PeerTrainFigure | string> {
  let tf: typeof import('@tensorflow/tfjs');
  try {
    tf = require('@tensorflow/tfjs');
    if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  } catch {
    return `TensorFlow.js (${backend}): not installed`;
  }
  if (!(await tf.setBackend(backend))) return `TensorFlow.js (${backend}): backend failed to initialise`;
  await tf.ready();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [TRAIN_LAYERS[0]], units: TRAIN_LAYERS[1], activation: 'relu' }),
      tf.layers.dense({ units: TRAIN_LAYERS[2], activation: 'relu' }),
      tf.layers.dense({ units: TRAIN_LAYERS[3], activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const batches = Array.from({ length: steps + 2 }, (_, i) => {
    const start = (i * TRAIN_BATCH) % (y.length - TRAIN_BATCH);
    return {
      xb: tf.tensor2d(x.subarray(start * TRAIN_LAYERS[0], (start + TRAIN_BATCH) * TRAIN_LAYERS[0]), [TRAIN_BATCH, TRAIN_LAYERS[0]]),
      yb: tf.tensor1d(y.subarray(start, start + TRAIN_BATCH), 'float32'),
    };
  });
  let loss = NaN;
  for (let i = 0; i < 2; ++i) await model.trainOnBatch(batches[i].xb, batches[i].yb);
  const t0 = process.hrtime.bigint();
  for (let i = 2; i < batches.length; ++i) loss = (await model.trainOnBatch(batches[i].xb, batches[i].yb)) as number;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  batches.forEach((b) => tf.dispose([b.xb, b.yb]));
  model.dispose();
  if (!Number.isFinite(loss)) return `TensorFlow.js (${backend}): non-finite loss, result discarded`;
  return { name: `TensorFlow.js ${tf.version.tfjs} (${backend})`, samples_per_sec: (steps * TRAIN_BATCH) / secs, steps };
}

async function trainOnce(x: Tensor, y: Float32Array, epochs: number) {
  const model = new Mlp({ layers: TRAIN_LAYERS, seed: 1 });
  return model.fit(x, y, { epochs, batchSize: TRAIN_BATCH, optimizer: 'adam', seed: 1 });
}

export async function runTrainSuite(config: TrainSuiteConfig): Promise<TrainSuiteResult> {
  let ds;
  try {
    ds = loadDataset('fashion-mnist', { split: 'train' });
  } catch (err) {
    // A machine without the Debian package: say how to get it instead of failing obscurely.
    const message = err instanceof Error ? err.message : String(err);
    config.log(`train: ${message}`);
    return {
      model: TRAIN_LAYERS.join('-'), batch: TRAIN_BATCH, dataset: 'fashion-mnist (missing)',
      flops_per_sample: trainFlopsPerSample(TRAIN_LAYERS),
      validation: { loss_first: NaN, loss_last: NaN, scalar_max_rel_diff: NaN, passed: false },
      cases: [], peers: [], peer_figures: [], failures: [{ message }],
    };
  }
  const n = config.quick ? 6000 : ds.x.shape[0];
  const x = ds.x.slice(0, n);
  const y = ds.y.subarray(0, n);
  const flops = trainFlopsPerSample(TRAIN_LAYERS);
  const result: TrainSuiteResult = {
    model: TRAIN_LAYERS.join('-'),
    batch: TRAIN_BATCH,
    dataset: `fashion-mnist (${n} training images)`,
    flops_per_sample: flops,
    validation: { loss_first: 0, loss_last: 0, scalar_max_rel_diff: 0, passed: false },
    cases: [],
    peers: [],
    peer_figures: [],
    failures: [],
  };

  // Validate: same curve on the active ISA and on the scalar kernels, and a falling loss.
  const vx = x.slice(0, 2000), vy = y.subarray(0, 2000);
  const info = native.engineInfo();
  native.setThreads(info.maxThreads);
  const fast = await trainOnce(vx, vy, 3);
  native.setIsa('scalar');
  let scalar;
  try {
    scalar = await trainOnce(vx, vy, 3);
  } finally {
    native.setIsa(info.isa);
  }
  const rel = fast.epochs.map((e, i) => Math.abs(e.loss - scalar.epochs[i].loss) / Math.max(1e-12, Math.abs(scalar.epochs[i].loss)));
  result.validation = {
    loss_first: fast.epochs[0].loss,
    loss_last: fast.epochs[fast.epochs.length - 1].loss,
    scalar_max_rel_diff: Math.max(...rel),
    passed: Math.max(...rel) < 1e-3 && fast.epochs[2].loss < fast.epochs[0].loss,
  };
  config.log(
    `train: validation ${result.validation.passed ? 'passed' : 'FAILED'}: loss ${result.validation.loss_first.toFixed(4)} -> ` +
      `${result.validation.loss_last.toFixed(4)}, max relative difference to the scalar kernels ${result.validation.scalar_max_rel_diff.toExponential(2)}`,
  );
  if (!result.validation.passed) {
    result.failures.push({ message: 'training validation failed (loss did not fall, or the curve differs from the scalar kernels)' });
    return result;
  }

  const epochs = config.quick ? 1 : 3;
  for (const threads of config.threads) {
    native.setThreads(threads);
    const h = await trainOnce(x, y, epochs + 1); // the first epoch warms up (page faults, caches)
    const rates = h.epochs.slice(1).map((e) => e.samplesPerSec);
    const peak = config.peaks.find((p) => p.threads === threads)?.gflops ?? NaN;
    const med = median(rates);
    const bound = (peak * 1e9) / flops;
    result.cases.push({
      threads,
      samples: n,
      epochs,
      median_samples_per_sec: med,
      min_samples_per_sec: Math.min(...rates),
      max_samples_per_sec: Math.max(...rates),
      peak_gflops: peak,
      bound_samples_per_sec: bound,
      ratio_to_bound: med / bound,
      final_loss: h.epochs[h.epochs.length - 1].loss,
      noisy: rates.length > 1 && (Math.max(...rates) - Math.min(...rates)) / med > NOISY_SPREAD,
    });
    config.log(`train ${threads}T: ${Math.round(med)} samples/s (bound ${Math.round(bound)})`);
  }
  native.setThreads(info.maxThreads);
  cPeer(result, x.contiguous().data, y, epochs, config.log);
  if (config.quick) {
    result.peers.push('TensorFlow.js: skipped (--quick)');
  } else {
    for (const [backend, steps] of [['wasm', 40], ['cpu', 6]] as const) {
      const r = await tfjsPeer(backend, x.contiguous().data, y, steps);
      if (typeof r === 'string') result.peers.push(r);
      else {
        result.peer_figures.push(r);
        result.peers.push(`${r.name}: ${Math.round(r.samples_per_sec)} samples/s over ${r.steps} batches`);
        config.log(`train peer ${r.name}: ${Math.round(r.samples_per_sec)} samples/s`);
      }
    }
  }
  return result;
}

interface CPeerRun {
  valid: boolean;
  samples_per_sec: number;
  min: number;
  max: number;
  first_loss: number;
  last_loss: number;
  accuracy: number;
}

/** The C + oneDNN training loop on the same images, labels, batch, optimizer and thread counts. */
function cPeer(result: TrainSuiteResult, x: Float32Array, y: Float32Array, epochs: number, log: (line: string) => void): void {
  const peer = prepareMlpPeer(log);
  if (!peer.binary) {
    result.peers.push(`C + oneDNN sgemm training loop: ${peer.status}`);
    return;
  }
  const n = y.length;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-bench-train-')), 'data.bin');
  try {
    const head = Buffer.alloc(8);
    head.writeBigInt64LE(BigInt(n));
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, head);
      fs.writeSync(fd, new Uint8Array(x.buffer, x.byteOffset, n * TRAIN_LAYERS[0] * 4));
      const labels = Int32Array.from(y);
      fs.writeSync(fd, new Uint8Array(labels.buffer));
    } finally {
      fs.closeSync(fd);
    }
    for (const c of result.cases) {
      const r = runMlpPeer<CPeerRun>(peer.binary, ['train', file, String(epochs)], c.threads, 600_000);
      if (typeof r === 'string') {
        result.peers.push(`C + oneDNN sgemm training loop (${c.threads} threads): ${r}`);
        continue;
      }
      c.onednn_c_samples_per_sec = r.samples_per_sec;
      c.ratio_to_onednn_c = c.median_samples_per_sec / r.samples_per_sec;
      result.peers.push(
        `C + oneDNN sgemm training loop (tools/peers/mlp_peers.c, ${c.threads} thread${c.threads > 1 ? 's' : ''}): ${Math.round(r.samples_per_sec)} samples/s ` +
          `(loss ${r.first_loss.toFixed(3)} -> ${r.last_loss.toFixed(3)}, training accuracy ${r.accuracy.toFixed(3)}); ours ${c.ratio_to_onednn_c.toFixed(2)}x`,
      );
      log(`train peer C + oneDNN ${c.threads}T: ${Math.round(r.samples_per_sec)} samples/s (ours ${c.ratio_to_onednn_c.toFixed(2)}x)`);
    }
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

export function renderTrainText(r: TrainSuiteResult): string {
  const lines = [
    `train: Mlp ${r.model}, batch ${r.batch}, Adam, on ${r.dataset}; ${(r.flops_per_sample / 1e6).toFixed(2)} MFLOP per sample per step`,
    `validation: loss ${r.validation.loss_first.toFixed(4)} -> ${r.validation.loss_last.toFixed(4)}; scalar-kernel curve max relative difference ${r.validation.scalar_max_rel_diff.toExponential(2)}`,
    '',
    'threads  samples/s median      min      max  bound (peak)  % of bound  C+oneDNN  ours/C+oneDNN  noisy',
  ];
  for (const c of r.cases)
    lines.push(
      `${String(c.threads).padStart(7)}  ${Math.round(c.median_samples_per_sec).toString().padStart(16)}  ${Math.round(c.min_samples_per_sec).toString().padStart(7)}  ` +
        `${Math.round(c.max_samples_per_sec).toString().padStart(7)}  ${Math.round(c.bound_samples_per_sec).toString().padStart(12)}  ${(100 * c.ratio_to_bound).toFixed(1).padStart(9)}%  ` +
        `${(c.onednn_c_samples_per_sec ? String(Math.round(c.onednn_c_samples_per_sec)) : '-').padStart(8)}  ${(c.ratio_to_onednn_c ? `${c.ratio_to_onednn_c.toFixed(2)}x` : '-').padStart(13)}  ${c.noisy ? 'noisy' : ''}`,
    );
  lines.push('', `peers: ${r.peers.join('; ')}`);
  return lines.join('\n');
}

export function renderTrainMarkdown(r: TrainSuiteResult, command: string): string {
  const rows = r.cases.map(
    (c) =>
      `| ${c.threads} | ${Math.round(c.median_samples_per_sec)} | ${Math.round(c.min_samples_per_sec)} | ${Math.round(c.max_samples_per_sec)} | ${Math.round(c.bound_samples_per_sec)} | ${(100 * c.ratio_to_bound).toFixed(1)}% | ${c.onednn_c_samples_per_sec ? Math.round(c.onednn_c_samples_per_sec) : '-'} | ${c.ratio_to_onednn_c ? `${c.ratio_to_onednn_c.toFixed(2)}x` : '-'} |`,
  );
  return [
    `## train: Mlp ${r.model}, batch ${r.batch}, Adam`,
    '',
    `Command: \`${command}\`. Data: ${r.dataset}. ${(r.flops_per_sample / 1e6).toFixed(2)} MFLOP per sample per step; the bound is the measured FMA peak divided by that.`,
    `Validated first: loss ${r.validation.loss_first.toFixed(4)} -> ${r.validation.loss_last.toFixed(4)}, curve within ${r.validation.scalar_max_rel_diff.toExponential(1)} (relative) of the scalar kernels.`,
    '',
    '| threads | samples/s median | min | max | bound | % of bound | C + oneDNN loop | ours / C + oneDNN |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Peers: ${r.peers.join('; ')}.`,
    '',
  ].join('\n');
}
