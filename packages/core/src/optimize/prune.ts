// Pruning an Mlp two ways. Magnitude pruning zeroes the smallest weights (per layer or with one
// global threshold) on a cubic schedule of stages, fine-tuning after each stage through the
// native training loop with masks that keep pruned weights at exactly zero. Structured pruning
// removes whole hidden neurons (lowest incoming x outgoing weight norm), so the layers really
// shrink and inference gets faster, then fine-tunes the smaller network.
import { ArgumentError, NotFittedError } from '../errors';
import { Mlp } from '../models/mlp';
import type { FitOptions, TrainHistory } from '../models/mlp';
import type { Tensor } from '../tensor';
import { describe, expectLayerIndices, expectOneOf, expectPositiveInt } from '../validate';

/** Rows to fine-tune on, and the fit options to use (epochs are per stage for magnitude pruning). */
export interface FineTune extends Omit<FitOptions, 'weightMasks' | 'softTargets'> {
  x: Tensor;
  y: Float32Array | Tensor;
}

export interface MagnitudePruneOptions {
  /** Fraction of the weights (of the pruned layers) set to zero, in [0, 1). */
  sparsity: number;
  /** One threshold per layer (default) or one across all pruned layers. */
  scope?: 'layer' | 'global';
  /** Layers to prune (default all; negative counts from the end). Biases are never pruned. */
  layers?: number[];
  /** Stages of the cubic schedule s_i = s (1 - (1 - i/stages)^3); fine-tuning runs after each. */
  stages?: number;
  fineTune?: FineTune;
}

export interface MagnitudePruneResult {
  model: Mlp;
  /** Per layer: the 0/1 mask (null for layers left dense). */
  masks: Array<Float32Array | null>;
  /** Per layer: the fraction of zero weights. */
  sparsity: number[];
  history: TrainHistory[];
}

export interface NeuronPruneOptions {
  /** Fraction of every hidden layer's neurons removed, in [0, 1). */
  fraction: number;
  fineTune?: FineTune;
}

export interface NeuronPruneResult {
  model: Mlp;
  /** Per hidden layer: indices of the neurons kept, ascending. */
  kept: number[][];
  parameters: { before: number; after: number };
  history?: TrainHistory;
}

function checkModel(model: unknown): asserts model is Mlp {
  if (!(model instanceof Mlp)) throw new ArgumentError(`Expected a fitted Mlp but received ${describe(model)}`);
  if (!model.fitted) throw new NotFittedError('pruning needs a fitted Mlp: call fit() first');
}

function optionsOf(model: Mlp, layers: number[]) {
  return { layers, activation: model.activation, output: model.output, dropout: model.dropout };
}

/** Zeroes the smallest-magnitude weights to reach `sparsity`, fine-tuning with masks. */
export async function magnitudePrune(model: Mlp, options: MagnitudePruneOptions): Promise<MagnitudePruneResult> {
  checkModel(model);
  const target = options?.sparsity;
  if (typeof target !== 'number' || !(target >= 0 && target < 1)) throw new ArgumentError(`Expected sparsity in [0, 1) but received ${describe(target)}`);
  const scope = expectOneOf('scope', options.scope ?? 'layer', ['layer', 'global'] as const);
  const stages = expectPositiveInt('stages', options.stages ?? (options.fineTune ? 3 : 1));
  const L = model.layers.length - 1;
  const pruned = expectLayerIndices('layers', options.layers ?? Array.from({ length: L }, (_, i) => i), L);
  const out = Mlp.fromWeights(optionsOf(model, model.layers.slice()), model.weights);
  const masks: Array<Float32Array | null> = Array.from({ length: L }, (_, l) => (pruned.has(l) ? new Float32Array(out.weights[2 * l].length).fill(1) : null));
  const history: TrainHistory[] = [];
  for (let stage = 1; stage <= stages; ++stage) {
    const s = target * (1 - Math.pow(1 - stage / stages, 3));
    setMasks(out, masks, s, scope);
    for (let l = 0; l < L; ++l) {
      const m = masks[l];
      if (!m) continue;
      const w = out.weights[2 * l];
      for (let i = 0; i < w.length; ++i) w[i] *= m[i];
    }
    if (options.fineTune) {
      const { x, y, ...fit } = options.fineTune;
      history.push(await out.fit(x, y, { ...fit, weightMasks: masks }));
    }
  }
  const sparsity = masks.map((m, l) => {
    const w = out.weights[2 * l];
    let zeros = 0;
    for (let i = 0; i < w.length; ++i) if (w[i] === 0) ++zeros;
    return m ? zeros / w.length : 0;
  });
  return { model: out, masks, sparsity, history };
}

/** Masks keeping the largest |w|: a per-layer or one global threshold at fraction s. */
function setMasks(model: Mlp, masks: Array<Float32Array | null>, s: number, scope: 'layer' | 'global'): void {
  const thresholdOf = (values: Float32Array, frac: number): number => {
    const k = Math.floor(frac * values.length);
    if (k <= 0) return -1;
    const sorted = Float32Array.from(values, Math.abs).sort();
    return sorted[k - 1];
  };
  const layers = masks.map((m, l) => (m ? l : -1)).filter((l) => l >= 0);
  if (scope === 'global') {
    const all = new Float32Array(layers.reduce((n, l) => n + model.weights[2 * l].length, 0));
    let off = 0;
    for (const l of layers) {
      all.set(model.weights[2 * l], off);
      off += model.weights[2 * l].length;
    }
    const t = thresholdOf(all, s);
    for (const l of layers) fillMask(masks[l]!, model.weights[2 * l], t, -1);
  } else {
    for (const l of layers) {
      const w = model.weights[2 * l];
      fillMask(masks[l]!, w, thresholdOf(w, s), Math.floor(s * w.length));
    }
  }
}

/** mask[i] = |w[i]| > t; with `exact` >= 0, ties at t are broken so exactly that many are zero. */
function fillMask(mask: Float32Array, w: Float32Array, t: number, exact: number): void {
  let zeros = 0;
  for (let i = 0; i < w.length; ++i) {
    const keep = Math.abs(w[i]) > t;
    mask[i] = keep ? 1 : 0;
    if (!keep) ++zeros;
  }
  if (exact >= 0)
    for (let i = 0; i < w.length && zeros > exact; ++i)
      if (mask[i] === 0 && Math.abs(w[i]) === t) {
        mask[i] = 1;
        --zeros;
      }
}

/** Removes the least important `fraction` of every hidden layer's neurons; the layers shrink. */
export async function pruneNeurons(model: Mlp, options: NeuronPruneOptions): Promise<NeuronPruneResult> {
  checkModel(model);
  const fraction = options?.fraction;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1)) throw new ArgumentError(`Expected fraction in [0, 1) but received ${describe(fraction)}`);
  const sizes = model.layers;
  const L = sizes.length - 1;
  if (L < 2) throw new ArgumentError('neuron pruning needs at least one hidden layer');
  const kept: number[][] = [];
  for (let h = 1; h < L; ++h) {
    // Importance of neuron j of hidden layer h: ||incoming row j|| * ||outgoing column j||.
    const n = sizes[h], inW = model.weights[2 * (h - 1)], inB = model.weights[2 * (h - 1) + 1], outW = model.weights[2 * h];
    const fanIn = sizes[h - 1], fanOut = sizes[h + 1];
    const score = new Float64Array(n);
    for (let j = 0; j < n; ++j) {
      let a = inB[j] * inB[j], b = 0;
      for (let k = 0; k < fanIn; ++k) a += inW[j * fanIn + k] * inW[j * fanIn + k];
      for (let o = 0; o < fanOut; ++o) b += outW[o * n + j] * outW[o * n + j];
      score[j] = Math.sqrt(a) * Math.sqrt(b);
    }
    const keep = Math.max(1, n - Math.floor(fraction * n));
    const order = Array.from({ length: n }, (_, j) => j).sort((p, q) => score[q] - score[p] || p - q);
    kept.push(order.slice(0, keep).sort((p, q) => p - q));
  }
  const newSizes = [sizes[0], ...kept.map((k) => k.length), sizes[L]];
  const rowsOf = (l: number): number[] => (l + 1 < L ? kept[l] : Array.from({ length: sizes[L] }, (_, i) => i));
  const colsOf = (l: number): number[] => (l === 0 ? Array.from({ length: sizes[0] }, (_, i) => i) : kept[l - 1]);
  const weights: Float32Array[] = [];
  for (let l = 0; l < L; ++l) {
    const rows = rowsOf(l), cols = colsOf(l), W = model.weights[2 * l], b = model.weights[2 * l + 1];
    const fanIn = sizes[l];
    const nw = new Float32Array(rows.length * cols.length);
    rows.forEach((r, i) => cols.forEach((c, j) => (nw[i * cols.length + j] = W[r * fanIn + c])));
    weights.push(nw, Float32Array.from(rows, (r) => b[r]));
  }
  const out = Mlp.fromWeights(optionsOf(model, newSizes), weights);
  let history: TrainHistory | undefined;
  if (options.fineTune) {
    const { x, y, ...fit } = options.fineTune;
    history = await out.fit(x, y, fit);
  }
  return { model: out, kept, parameters: { before: model.parameterCount, after: out.parameterCount }, history };
}

export type PruneOptions = ({ method: 'magnitude' } & MagnitudePruneOptions) | ({ method: 'neurons' } & NeuronPruneOptions);

/** prune(model, { method: 'magnitude', sparsity }) or prune(model, { method: 'neurons', fraction }). */
export async function prune(model: Mlp, options: PruneOptions): Promise<MagnitudePruneResult | NeuronPruneResult> {
  const method = expectOneOf('method', options?.method, ['magnitude', 'neurons'] as const);
  return method === 'magnitude' ? magnitudePrune(model, options as MagnitudePruneOptions) : pruneNeurons(model, options as NeuronPruneOptions);
}
