// One uniform face over every servable model kind, so protocols and batching never switch on
// kinds: what a row looks like (floats or a string), what comes out (width, rank, class names),
// a run() that is synchronous when the work is smaller than a worker hand-off, feature
// attributions (explain), and dispose(). Any unknown kind with `predictProbaSync`, `inputs` and
// `outputs` is served like an Mlp (the quantized MLP needs no change here).
// Not here: batching (batching.ts), routing of names to versions (manager.ts), wire formats.
import {
  ASYNC_MIN_FLOPS, LinearRegression, linearSync, LogisticRegression, matmulSync, Mlp, QuantizedMlp, Tensor, TextClassifier,
  type ModelFileInfo, type ModelSignature,
} from '@amaas/core';
import { HttpError } from '../errors';

/** One batch: n float rows of `features` values, or n strings. */
export type BatchInput = { type: 'float'; x: Float32Array; n: number } | { type: 'string'; texts: string[]; n: number };

export interface Explanation {
  /** the output index explained (class for classifiers, 0 for a single value) */
  target: number;
  /** one value per input feature; for IG their sum approximates output - baseline_output */
  attributions: number[];
  output: number;
  baseline_output: number;
  method: 'exact-linear' | 'exact-logit' | 'integrated-gradients';
}

export interface ExplainOptions {
  baseline?: Float32Array;
  steps?: number;
  target?: number;
}

export interface ModelAdapter {
  readonly kind: string;
  /** the core model object behind the adapter */
  readonly model: unknown;
  readonly signature: ModelSignature;
  readonly input: { name: string; type: 'float' | 'string'; features: number };
  /** rank 1: one value per row (output shape [-1]); rank 2: `width` values per row */
  readonly output: { name: string; width: number; rank: 1 | 2 };
  readonly task: 'classification' | 'regression';
  /** class names for :classify (column j of the output is classes[j]) */
  readonly classes: string[] | null;
  readonly flopsPerRow: number;
  /** estimated bytes of weights held (for the memory gauge) */
  readonly bytes: number;
  /** Runs a batch as one call: synchronously when small, a Promise (worker thread) when large. */
  run(input: BatchInput): Float32Array | Promise<Float32Array>;
  explain(x: Float32Array, n: number, options: ExplainOptions): Explanation[];
  /** Frees native memory (packed weights) now; the model must not be used afterwards. */
  dispose(): void;
}

/** The inference surface shared by Mlp and any MLP-like kind (quantized-mlp). */
interface MlpLike {
  inputs: number;
  outputs: number;
  predictProbaSync(x: Tensor): Tensor;
  predictProba?(x: Tensor): Promise<Tensor>;
  toJSON?(): { kind?: string };
  dispose?(): void;
}

function isMlpLike(m: unknown): m is MlpLike {
  const o = m as MlpLike | null;
  return !!o && typeof o.predictProbaSync === 'function' && Number.isSafeInteger(o.inputs) && Number.isSafeInteger(o.outputs);
}

function unsupported(kind: string): never {
  throw new HttpError(400, `explain is not supported for models of kind '${kind}' (supported: linear-regression, logistic-regression, mlp, quantized-mlp)`);
}

function sigOf(info: ModelFileInfo | null, fallback: ModelSignature): ModelSignature {
  return info?.signature && info.signature.inputs?.length && info.signature.outputs?.length ? info.signature : fallback;
}

function argmaxRow(p: Float32Array, row: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; ++j) if (p[row * k + j] > p[row * k + best]) best = j;
  return best;
}

function floatOnly(input: BatchInput): { x: Float32Array; n: number } {
  if (input.type !== 'float') throw new HttpError(400, 'this model takes numeric inputs, not strings');
  return input;
}

/** Releases an Mlp's packed weights. Mlp has no public dispose yet, so this reaches for its
 *  packed handle; when core adds dispose() that is called instead. */
function disposeMlp(model: unknown): void {
  const m = model as { dispose?: () => void; packed?: { dispose(): void; disposed: boolean } | null };
  if (typeof m.dispose === 'function') {
    m.dispose();
    return;
  }
  if (m.packed && !m.packed.disposed) m.packed.dispose();
  if ('packed' in m) m.packed = null;
}

// ---- explain helpers ------------------------------------------------------------------------

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26, the approximation the engine's gelu uses.
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const ACT: Record<string, { f: (z: number) => number; df: (z: number) => number }> = {
  identity: { f: (z) => z, df: () => 1 },
  relu: { f: (z) => (z > 0 ? z : 0), df: (z) => (z > 0 ? 1 : 0) },
  sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)), df: (z) => { const s = 1 / (1 + Math.exp(-z)); return s * (1 - s); } },
  tanh: { f: Math.tanh, df: (z) => 1 - Math.tanh(z) ** 2 },
  gelu: {
    f: (z) => 0.5 * z * (1 + erf(z / Math.SQRT2)),
    df: (z) => 0.5 * (1 + erf(z / Math.SQRT2)) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI),
  },
};

/** Integrated gradients of output `target` for one row, with gradients by backpropagation
 *  through the Mlp's weights (every step of the path is one batched GEMM per layer). */
function integratedGradients(model: Mlp, x: Float32Array, baseline: Float32Array, steps: number, target: number | undefined): Explanation {
  const d = model.inputs, L = model.layers.length - 1;
  // path points (steps, d): midpoints of `steps` equal segments from the baseline to x
  const path = new Float32Array(steps * d);
  for (let s = 0; s < steps; ++s) {
    const a = (s + 0.5) / steps;
    for (let j = 0; j < d; ++j) path[s * d + j] = baseline[j] + a * (x[j] - baseline[j]);
  }
  const W = (l: number) => new Tensor(model.weights[2 * l], [model.layers[l + 1], model.layers[l]]);
  const B = (l: number) => new Tensor(model.weights[2 * l + 1], [model.layers[l + 1]]);
  const hidden = ACT[model.activation];
  const pre: Float32Array[] = [];
  let a = new Tensor(path, [steps, d]);
  for (let l = 0; l < L; ++l) {
    const z = linearSync(a, W(l), B(l)).values(); // (steps, layers[l+1])
    pre.push(z);
    if (l + 1 < L) a = new Tensor(z.map(hidden.f), [steps, model.layers[l + 1]]);
  }
  const k = model.outputs;
  const logits = pre[L - 1];
  const prob = new Float32Array(steps * k);
  for (let s = 0; s < steps; ++s) {
    const row = logits.subarray(s * k, (s + 1) * k);
    if (model.output === 'softmax') {
      const mx = Math.max(...row);
      let sum = 0;
      for (let j = 0; j < k; ++j) sum += Math.exp(row[j] - mx);
      for (let j = 0; j < k; ++j) prob[s * k + j] = Math.exp(row[j] - mx) / sum;
    } else if (model.output === 'sigmoid') for (let j = 0; j < k; ++j) prob[s * k + j] = 1 / (1 + Math.exp(-row[j]));
    else prob.set(row, s * k);
  }
  const outX = model.predictProbaSync(new Tensor(x.slice(), [1, d])).values();
  const outB = model.predictProbaSync(new Tensor(baseline.slice(), [1, d])).values();
  const t = target ?? (k > 1 ? argmaxRow(outX, 0, k) : 0);
  if (!Number.isInteger(t) || t < 0 || t >= k) throw new HttpError(400, `Expected target in [0, ${k}) but received ${t}`);
  // dOut_t / dlogits (steps, k)
  let g: Float32Array = new Float32Array(steps * k);
  for (let s = 0; s < steps; ++s) {
    const p = prob.subarray(s * k, (s + 1) * k);
    for (let j = 0; j < k; ++j) {
      if (model.output === 'softmax') g[s * k + j] = p[t] * ((j === t ? 1 : 0) - p[j]);
      else if (model.output === 'sigmoid') g[s * k + j] = j === t ? p[t] * (1 - p[t]) : 0;
      else g[s * k + j] = j === t ? 1 : 0;
    }
  }
  for (let l = L - 1; l >= 0; --l) {
    // dA_l (steps, layers[l]) = dZ_l (steps, layers[l+1]) · W_l (layers[l+1], layers[l])
    const dA = matmulSync(new Tensor(g, [steps, model.layers[l + 1]]), W(l)).values();
    if (l === 0) {
      g = dA;
      break;
    }
    const z = pre[l - 1];
    g = new Float32Array(dA.length);
    for (let i = 0; i < dA.length; ++i) g[i] = dA[i] * hidden.df(z[i]);
  }
  const attributions = new Array<number>(d).fill(0);
  for (let s = 0; s < steps; ++s) for (let j = 0; j < d; ++j) attributions[j] += g[s * d + j];
  for (let j = 0; j < d; ++j) attributions[j] = (attributions[j] / steps) * (x[j] - baseline[j]);
  return { target: t, attributions, output: outX[t], baseline_output: outB[t], method: 'integrated-gradients' };
}

// ---- adapters ---------------------------------------------------------------------------------

function mlpAdapter(model: MlpLike, info: ModelFileInfo | null): ModelAdapter {
  // Not toJSON() for an Mlp: it copies every weight into plain arrays.
  const kind = model instanceof Mlp ? 'mlp' : (info?.kind ?? model.toJSON?.().kind ?? 'mlp');
  const k = model.outputs, d = model.inputs;
  const layers = (model as Partial<Mlp>).layers ?? [d, k];
  let flops = 0;
  for (let l = 0; l + 1 < layers.length; ++l) flops += 2 * layers[l] * layers[l + 1];
  const output = (model as Partial<Mlp>).output ?? 'softmax';
  const signature = sigOf(info, { inputs: [{ name: 'x', dtype: 'F32', shape: [-1, d] }], outputs: [{ name: 'y', dtype: 'F32', shape: [-1, k] }] });
  const isClassifier = output !== 'identity';
  let dequantized: Mlp | null = null; // a quantized model's fp32 twin, for explain
  return {
    kind,
    model,
    signature,
    input: { name: signature.inputs[0].name, type: 'float', features: d },
    output: { name: signature.outputs[0].name, width: k, rank: 2 },
    task: isClassifier ? 'classification' : 'regression',
    classes: isClassifier ? Array.from({ length: k }, (_, i) => String(i)) : null,
    flopsPerRow: flops,
    bytes: (flops / 2) * 4 * (kind === 'mlp' ? 2 : 1), // fp32 weights + their packed copy
    run(input) {
      const { x, n } = floatOnly(input);
      const t = new Tensor(x, [n, d]);
      // Below ASYNC_MIN_FLOPS a worker hand-off costs more than the forward pass itself.
      if (n * flops < ASYNC_MIN_FLOPS || !model.predictProba) return model.predictProbaSync(t).values();
      return model.predictProba(t).then((p) => p.values());
    },
    explain(x, n, o) {
      // A quantized MLP is explained through its dequantized fp32 twin (the same stored weights;
      // the activation rounding has no gradient), built on first use.
      const net = model instanceof QuantizedMlp ? (dequantized ??= model.dequantized()) : model instanceof Mlp ? model : unsupported(kind);
      const base = o.baseline ?? new Float32Array(d);
      const out: Explanation[] = [];
      for (let i = 0; i < n; ++i) out.push(integratedGradients(net, x.subarray(i * d, (i + 1) * d), base, o.steps ?? 50, o.target));
      return out;
    },
    dispose: () => {
      disposeMlp(model);
      dequantized?.dispose();
      dequantized = null;
    },
  };
}

function linearAdapter(model: LinearRegression, info: ModelFileInfo | null): ModelAdapter {
  const d = model.coef.length;
  const signature = sigOf(info, { inputs: [{ name: 'x', dtype: 'F32', shape: [-1, d] }], outputs: [{ name: 'y', dtype: 'F32', shape: [-1] }] });
  return {
    kind: 'linear-regression',
    model,
    signature,
    input: { name: signature.inputs[0].name, type: 'float', features: d },
    output: { name: signature.outputs[0].name, width: 1, rank: 1 },
    task: 'regression',
    classes: null,
    flopsPerRow: 2 * d,
    bytes: 8 * (d + 1),
    run(input) {
      const { x, n } = floatOnly(input);
      return model.predict(new Tensor(x, [n, d]));
    },
    explain(x, n, o) {
      const base = o.baseline ?? new Float32Array(d);
      if (o.target !== undefined && o.target !== 0) throw new HttpError(400, `Expected target 0 (the only output) but received ${o.target}`);
      let fb = model.intercept;
      for (let j = 0; j < d; ++j) fb += model.coef[j] * base[j];
      const out: Explanation[] = [];
      for (let i = 0; i < n; ++i) {
        const attributions = Array.from({ length: d }, (_, j) => model.coef[j] * (x[i * d + j] - base[j]));
        out.push({ target: 0, attributions, output: fb + attributions.reduce((a, b) => a + b, 0), baseline_output: fb, method: 'exact-linear' });
      }
      return out;
    },
    dispose: () => undefined,
  };
}

function logisticAdapter(model: LogisticRegression, info: ModelFileInfo | null): ModelAdapter {
  const json = model.toJSON();
  const d = json.features, k = json.classes, rows = k === 2 ? 1 : k;
  const signature = sigOf(info, { inputs: [{ name: 'x', dtype: 'F32', shape: [-1, d] }], outputs: [{ name: 'probabilities', dtype: 'F32', shape: [-1, k] }] });
  return {
    kind: 'logistic-regression',
    model,
    signature,
    input: { name: signature.inputs[0].name, type: 'float', features: d },
    output: { name: signature.outputs[0].name, width: k, rank: 2 },
    task: 'classification',
    classes: Array.from({ length: k }, (_, i) => String(i)),
    flopsPerRow: 2 * d * rows,
    bytes: 8 * rows * (d + 1),
    run(input) {
      const { x, n } = floatOnly(input);
      return model.predictProba(new Tensor(x, [n, d])).values();
    },
    explain(x, n, o) {
      // Exact on the logit (log-odds for binary): logit_t(x) - logit_t(b) = Σ_j w_tj (x_j - b_j).
      const base = o.baseline ?? new Float32Array(d);
      const p = model.predictProba(new Tensor(x.slice(0, n * d), [n, d])).values();
      const out: Explanation[] = [];
      for (let i = 0; i < n; ++i) {
        const t = o.target ?? argmaxRow(p, i, k);
        if (!Number.isInteger(t) || t < 0 || t >= k) throw new HttpError(400, `Expected target in [0, ${k}) but received ${t}`);
        // binary: one row scoring class 1; class 0's logit is its negation
        const r = rows === 1 ? 0 : t, sign = rows === 1 && t === 0 ? -1 : 1;
        const attributions = Array.from({ length: d }, (_, j) => sign * model.coef[r * d + j] * (x[i * d + j] - base[j]));
        let fb = model.intercept[r];
        for (let j = 0; j < d; ++j) fb += model.coef[r * d + j] * base[j];
        fb *= sign;
        out.push({ target: t, attributions, output: fb + attributions.reduce((a, b) => a + b, 0), baseline_output: fb, method: 'exact-logit' });
      }
      return out;
    },
    dispose: () => undefined,
  };
}

function textAdapter(model: TextClassifier, info: ModelFileInfo | null): ModelAdapter {
  const classes = model.classes;
  const signature = sigOf(info, { inputs: [{ name: 'text', dtype: 'string', shape: [-1] }], outputs: [{ name: 'probabilities', dtype: 'F32', shape: [-1, classes.length] }] });
  return {
    kind: 'text-classifier',
    model,
    signature,
    input: { name: signature.inputs[0].name, type: 'string', features: 1 },
    output: { name: signature.outputs[0].name, width: classes.length, rank: 2 },
    task: 'classification',
    classes,
    flopsPerRow: 0,
    bytes: 0,
    run(input) {
      if (input.type !== 'string') throw new HttpError(400, 'this model takes strings (V2 datatype BYTES), not numbers');
      return model.predictProba(input.texts).values();
    },
    explain: () => unsupported('text-classifier'),
    dispose: () => undefined,
  };
}

/** The adapter for a deserialized model; `info` (from readModelInfo) supplies the signature. */
export function adapt(model: unknown, info: ModelFileInfo | null = null): ModelAdapter {
  if (model instanceof LinearRegression) return linearAdapter(model, info);
  if (model instanceof LogisticRegression) return logisticAdapter(model, info);
  if (model instanceof TextClassifier) return textAdapter(model, info);
  if (isMlpLike(model)) return mlpAdapter(model, info);
  throw new HttpError(500, `cannot serve a model of kind '${info?.kind ?? typeof model}'`);
}
