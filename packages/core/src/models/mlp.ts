// Mlp: a dense feed-forward network trained by the native training loop (whole epochs in C++ on
// a worker thread, progress via callback, AbortSignal cancellation) and served through weights
// packed once (one native call per forward pass) for fast small-batch inference.
// Not here: data loading or splitting (see data/), model files (a later issue).
import type { MlpSpecNative, PackedMlpNative, TrainConfigNative, TrainReportNative } from '@amaas/native';
import { type Device, trainFunction } from '../cuda';
import { ArgumentError, BusyError, callNative, CancelledError, DataError, fromNative, NotFittedError, ShapeError } from '../errors';
import { native } from '../native';
import { Activation, ASYNC_MIN_FLOPS } from '../ops';
import { Tensor } from '../tensor';
import { describe, expectOneOf, expectPositiveInt } from '../validate';
import { features } from './common';

export type MlpOutput = 'softmax' | 'sigmoid' | 'identity';
export type MlpInit = 'he' | 'xavier';

export interface MlpOptions {
  /** [inputs, hidden..., outputs], e.g. [784, 256, 128, 10]. */
  layers: number[];
  activation?: Exclude<Activation, 'identity'> | 'identity';
  output?: MlpOutput;
  /** Inverted dropout on hidden activations while training. */
  dropout?: number;
  /** Default: 'he' for relu/gelu hidden layers, 'xavier' otherwise. */
  init?: MlpInit;
  seed?: number;
}

export type OptimizerName = 'sgd' | 'adam' | 'adamw';
export interface OptimizerOptions {
  type: OptimizerName;
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 penalty added to gradients (sgd, adam) or decoupled decay (adamw). */
  weightDecay?: number;
}
export interface ScheduleOptions {
  type: 'constant' | 'step' | 'exponential' | 'cosine';
  stepSize?: number;
  gamma?: number;
  minLr?: number;
}

export interface TrainProgress extends TrainReportNative {
  totalEpochs: number;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  optimizer?: OptimizerName | OptimizerOptions;
  schedule?: ScheduleOptions['type'] | ScheduleOptions;
  clipNorm?: number;
  /** Fraction of the rows, taken from the end before shuffling, used for validation (Keras semantics). */
  validationSplit?: number;
  validationData?: { x: Tensor; y: Float32Array | Tensor };
  earlyStopping?: { patience: number; minDelta?: number; restoreBest?: boolean };
  onProgress?: (progress: TrainProgress) => void;
  /** Also report every this many optimizer steps (epoch ends are always reported). */
  reportEvery?: number;
  signal?: AbortSignal;
  /**
   * Knowledge distillation: a teacher's class probabilities at `temperature` for every row of x
   * (see `distill()`, which computes them). Loss = (1 - alpha) * CE(labels) + alpha * T^2 *
   * KL(soft || softmax(z / T)). Softmax output only.
   */
  softTargets?: { probabilities: Float32Array | Tensor; alpha?: number; temperature?: number };
  /** Pruning: per layer a 0/1 mask shaped like W (or null); masked weights stay exactly zero. */
  weightMasks?: Array<Float32Array | null>;
  /** Where training runs; default AMAAS_DEVICE, else 'cpu'. 'cuda' without a GPU throws UnavailableError. */
  device?: Device;
}

export interface TrainHistory {
  epochs: TrainReportNative[];
  epochsRun: number;
  steps: number;
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** JSON-able description of a fitted Mlp (weights as plain arrays). */
export interface MlpJson {
  kind: 'mlp';
  layers: number[];
  activation: Activation;
  output: MlpOutput;
  dropout: number;
  weights: number[][];
}

const ACT_CODE: Record<Activation, 0 | 1 | 2 | 3 | 4> = { identity: 0, relu: 1, sigmoid: 2, tanh: 3, gelu: 4 };
const OUTPUT_CODE: Record<MlpOutput, 0 | 1 | 2> = { identity: 0, sigmoid: 1, softmax: 2 };
const LOSS_FOR_OUTPUT: Record<MlpOutput, 0 | 1 | 2> = { identity: 0, sigmoid: 1, softmax: 2 };
const OPT_CODE: Record<OptimizerName, 0 | 1 | 2> = { sgd: 0, adam: 1, adamw: 2 };
const SCHED_CODE = { constant: 0, step: 1, exponential: 2, cosine: 3 } as const;


export class Mlp {
  readonly layers: readonly number[];
  readonly activation: Activation;
  readonly output: MlpOutput;
  readonly dropout: number;
  /** [W0, b0, W1, b1, ...]; W_l is (layers[l+1], layers[l]) row-major. */
  readonly weights: Float32Array[];
  private fittedFlag = false;
  private training = false;
  /** Weights packed for inference; rebuilt lazily after each fit. */
  private packed: PackedMlpNative | null = null;

  constructor(options: MlpOptions) {
    if (typeof options !== 'object' || options === null)
      throw new ArgumentError(`Expected options object for Mlp but received ${describe(options)}`);
    const layers = options.layers;
    if (!Array.isArray(layers) || layers.length < 2)
      throw new ArgumentError(`Expected layers as [inputs, ...hidden, outputs] (at least 2 sizes) but received ${describe(layers)}`);
    layers.forEach((s, i) => expectPositiveInt(`layers[${i}]`, s));
    this.layers = Object.freeze(layers.slice());
    this.activation = expectOneOf('activation', options.activation ?? 'relu', ['identity', 'relu', 'sigmoid', 'tanh', 'gelu'] as const);
    this.output = expectOneOf('output', options.output ?? 'softmax', ['softmax', 'sigmoid', 'identity'] as const);
    this.dropout = options.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout < 1))
      throw new ArgumentError(`Expected dropout in [0, 1) but received ${describe(options.dropout)}`);
    if (this.output === 'softmax' && layers[layers.length - 1] < 2)
      throw new ArgumentError('a softmax output needs at least 2 units; use output: "sigmoid" for one unit');
    this.weights = [];
    for (let l = 0; l + 1 < layers.length; ++l) {
      this.weights.push(new Float32Array(layers[l] * layers[l + 1]), new Float32Array(layers[l + 1]));
    }
    const init = expectOneOf('init', options.init ?? (this.activation === 'relu' || this.activation === 'gelu' ? 'he' : 'xavier'), ['he', 'xavier'] as const);
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new ArgumentError(`Expected non-negative integer seed but received ${describe(seed)}`);
    callNative(() => native.mlpInit(this.spec(), this.weights, init === 'he' ? 0 : 1, seed));
  }

  get inputs(): number {
    return this.layers[0];
  }
  get outputs(): number {
    return this.layers[this.layers.length - 1];
  }
  get fitted(): boolean {
    return this.fittedFlag;
  }
  /** Multiply-adds x 2 of one forward pass for one row. */
  get flopsPerRow(): number {
    let f = 0;
    for (let l = 0; l + 1 < this.layers.length; ++l) f += 2 * this.layers[l] * this.layers[l + 1];
    return f;
  }
  get parameterCount(): number {
    return this.weights.reduce((n, w) => n + w.length, 0);
  }

  /** Trains on x (n, inputs) and y: class indices (n) for softmax, targets (n, outputs) otherwise. */
  async fit(x: Tensor, y: Float32Array | Tensor, options: FitOptions = {}): Promise<TrainHistory> {
    if (this.training) throw new BusyError('this Mlp is already training; await the running fit() first');
    const { X, n } = this.checkX(x, 'x');
    const Y = this.checkY(y, n, 'y');
    let trainX = X, trainY = Y, nTrain = n;
    let valX: Float32Array | null = null, valY: Float32Array | null = null, nVal = 0;
    if (options.validationData) {
      const v = this.checkX(options.validationData.x, 'validationData.x');
      valX = v.X;
      nVal = v.n;
      valY = this.checkY(options.validationData.y, v.n, 'validationData.y');
    } else if (options.validationSplit !== undefined) {
      const f = options.validationSplit;
      if (typeof f !== 'number' || !(f > 0 && f < 1))
        throw new ArgumentError(`Expected validationSplit in (0, 1) but received ${describe(f)}`);
      nVal = Math.floor(n * f);
      nTrain = n - nVal;
      if (nVal < 1 || nTrain < 1) throw new DataError(`validationSplit ${f} of ${n} rows leaves an empty training or validation set`);
      const yw = Y.length / n;
      trainX = X.subarray(0, nTrain * this.inputs);
      trainY = Y.subarray(0, nTrain * yw);
      valX = X.subarray(nTrain * this.inputs);
      valY = Y.subarray(nTrain * yw);
    }
    const config = this.config(options);
    let soft: Float32Array | null = null;
    if (options.softTargets) {
      const st = options.softTargets;
      if (this.output !== 'softmax') throw new ArgumentError('softTargets (distillation) need a softmax output');
      const P = st.probabilities instanceof Tensor ? st.probabilities.values() : st.probabilities;
      if (!(P instanceof Float32Array) || P.length !== n * this.outputs)
        throw new ShapeError(`softTargets.probabilities needs ${n}x${this.outputs} values (Float32Array or Tensor) but received ${describe(P)}`);
      soft = P.subarray(0, nTrain * this.outputs);
      config.distillAlpha = st.alpha ?? 0.5;
      config.distillTemperature = st.temperature ?? 1;
    }
    const masks = options.weightMasks ?? null;
    if (masks !== null && (!Array.isArray(masks) || masks.length !== this.layers.length - 1))
      throw new ShapeError(`Expected weightMasks with one entry (Float32Array or null) per layer (${this.layers.length - 1}) but received ${describe(masks)}`);
    const train = trainFunction(options.device);
    const cancel = new Int32Array(1);
    const onAbort = () => {
      cancel[0] = 1;
    };
    if (options.signal?.aborted) throw new CancelledError('training was cancelled before it started; the model is unchanged');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const onProgress = options.onProgress;
    const report = onProgress ? (r: TrainReportNative) => onProgress({ ...r, totalEpochs: config.epochs }) : null;
    this.training = true;
    // Not disposed: a prediction still running holds its own reference; the GC frees it.
    this.packed = null;
    let result;
    try {
      result = soft || masks
        ? await train(this.spec(), this.weights, trainX, trainY, nTrain, valX, valY, nVal, config, report, cancel, soft, masks)
        : await train(this.spec(), this.weights, trainX, trainY, nTrain, valX, valY, nVal, config, report, cancel);
    } catch (err) {
      throw fromNative(err);
    } finally {
      this.training = false;
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (result.steps > 0) this.fittedFlag = true;
    const history: TrainHistory = {
      epochs: result.history,
      epochsRun: result.epochsRun,
      steps: result.steps,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
    };
    if (result.cancelled) {
      const err = new CancelledError(
        `training cancelled after ${result.steps} steps (${result.epochsRun} full epochs); ` +
          (result.steps > 0 ? 'the model keeps the weights of the last completed step' : 'the model is unchanged'),
      );
      (err as CancelledError & { history?: TrainHistory }).history = history;
      throw err;
    }
    if (result.callbackError) throw new ArgumentError(`onProgress threw during training (training completed): ${result.callbackError}`);
    return history;
  }

  /** Outputs after the output activation: class probabilities (softmax/sigmoid) or values. */
  async predictProba(x: Tensor): Promise<Tensor> {
    this.checkFitted();
    const { X, n } = this.checkX(x, 'x', false);
    const out = new Float32Array(n * this.outputs);
    const net = this.packedNet();
    try {
      // The ops' rule: below ASYNC_MIN_FLOPS a worker hand-off costs more than the forward pass.
      if (n * this.flopsPerRow < ASYNC_MIN_FLOPS) native.mlpPredictPacked(net, X, n, out);
      else await native.mlpPredictPackedAsync(net, X, n, out);
    } catch (err) {
      throw fromNative(err);
    }
    return new Tensor(out, [n, this.outputs]);
  }

  /** Frees the weights packed for inference now (they are packed again on the next prediction). */
  dispose(): void {
    if (this.packed && !this.packed.disposed) this.packed.dispose();
    this.packed = null;
  }

  /** Synchronous forward pass, one native call over weights packed once: the batch-1 serving path. */
  predictProbaSync(x: Tensor): Tensor {
    this.checkFitted();
    const { X, n } = this.checkX(x, 'x', false);
    const out = new Float32Array(n * this.outputs);
    const net = this.packedNet();
    callNative(() => native.mlpPredictPacked(net, X, n, out));
    return new Tensor(out, [n, this.outputs]);
  }

  /** Class indices (softmax), 0/1 per output (sigmoid), or values (identity, flattened when 1 output). */
  async predict(x: Tensor): Promise<Float32Array> {
    return decodeOutputs(await this.predictProba(x), this.output);
  }

  predictSync(x: Tensor): Float32Array {
    return decodeOutputs(this.predictProbaSync(x), this.output);
  }

  /** Mean loss of the training objective and, for classifiers, accuracy. */
  evaluate(x: Tensor, y: Float32Array | Tensor): { loss: number; accuracy?: number } {
    this.checkFitted();
    const { X, n } = this.checkX(x, 'x');
    const Y = this.checkY(y, n, 'y');
    return callNative(() => native.mlpEvaluate(this.spec(), this.weights, X, Y, n, LOSS_FOR_OUTPUT[this.output]));
  }

  toJSON(): MlpJson {
    return {
      kind: 'mlp',
      layers: this.layers.slice(),
      activation: this.activation,
      output: this.output,
      dropout: this.dropout,
      weights: this.weights.map((w) => Array.from(w)),
    };
  }

  static fromJSON(json: MlpJson): Mlp {
    if (!json || json.kind !== 'mlp') throw new ArgumentError(`Expected an Mlp JSON object (kind 'mlp') but received ${describe(json)}`);
    const m = new Mlp({ layers: json.layers, activation: json.activation, output: json.output, dropout: json.dropout });
    if (!Array.isArray(json.weights) || json.weights.length !== m.weights.length)
      throw new ShapeError(`Expected ${m.weights.length} weight arrays but received ${describe(json.weights)}`);
    json.weights.forEach((w, i) => {
      if (!Array.isArray(w) || w.length !== m.weights[i].length)
        throw new ShapeError(`weight array ${i} needs ${m.weights[i].length} values but has ${describe(w)}`);
      m.weights[i].set(w);
    });
    m.fittedFlag = true;
    return m;
  }

  /** A fitted Mlp from options and weights [W0, b0, W1, b1, ...] (copied): pruning and tools. */
  static fromWeights(options: MlpOptions, weights: readonly Float32Array[]): Mlp {
    const m = new Mlp(options);
    if (!Array.isArray(weights) || weights.length !== m.weights.length)
      throw new ShapeError(`Expected ${m.weights.length} weight arrays but received ${describe(weights)}`);
    weights.forEach((w, i) => {
      if (!(w instanceof Float32Array) || w.length !== m.weights[i].length)
        throw new ShapeError(`weight array ${i} needs a Float32Array of ${m.weights[i].length} values but received ${describe(w)}`);
      m.weights[i].set(w);
    });
    m.fittedFlag = true;
    return m;
  }

  private spec(): MlpSpecNative {
    return { sizes: this.layers as number[], hidden: ACT_CODE[this.activation], output: OUTPUT_CODE[this.output], dropout: this.dropout };
  }

  private packedNet(): PackedMlpNative {
    if (!this.packed) this.packed = callNative(() => native.mlpPack(this.spec(), this.weights));
    return this.packed;
  }

  private config(o: FitOptions): TrainConfigNative {
    const opt: OptimizerOptions = typeof o.optimizer === 'string' || o.optimizer === undefined ? { type: o.optimizer ?? 'adam' } : o.optimizer;
    expectOneOf('optimizer', opt.type, ['sgd', 'adam', 'adamw'] as const);
    const sched: ScheduleOptions = typeof o.schedule === 'string' || o.schedule === undefined ? { type: o.schedule ?? 'constant' } : o.schedule;
    expectOneOf('schedule', sched.type, ['constant', 'step', 'exponential', 'cosine'] as const);
    const epochs = expectPositiveInt('epochs', o.epochs ?? 10);
    const batchSize = expectPositiveInt('batchSize', o.batchSize ?? 32);
    const lr = opt.lr ?? (opt.type === 'sgd' ? 0.01 : 1e-3);
    if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw new ArgumentError(`Expected positive learning rate but received ${describe(lr)}`);
    const es = o.earlyStopping;
    if (es) expectPositiveInt('earlyStopping.patience', es.patience);
    return {
      loss: LOSS_FOR_OUTPUT[this.output],
      epochs,
      batchSize,
      shuffle: o.shuffle === false ? 0 : 1,
      seed: o.seed ?? 0,
      optimizer: OPT_CODE[opt.type],
      lr,
      momentum: opt.momentum ?? 0,
      nesterov: opt.nesterov ? 1 : 0,
      beta1: opt.beta1 ?? 0.9,
      beta2: opt.beta2 ?? 0.999,
      eps: opt.eps ?? 1e-8,
      weightDecay: opt.weightDecay ?? 0,
      schedule: SCHED_CODE[sched.type],
      stepSize: sched.stepSize ?? 10,
      gamma: sched.gamma ?? 0.1,
      minLr: sched.minLr ?? 0,
      clipNorm: o.clipNorm ?? 0,
      patience: es?.patience ?? 0,
      minDelta: es?.minDelta ?? 0,
      restoreBest: es?.restoreBest === false ? 0 : 1,
      reportEvery: o.reportEvery ?? 0,
    };
  }

  private checkFitted(): void {
    if (!this.fittedFlag) throw new NotFittedError('this Mlp is not fitted yet: call fit() (or Mlp.fromJSON) before predicting');
    if (this.training) throw new BusyError('this Mlp is training; predict after fit() resolves');
  }

  /** `finite`: scan for NaN/Inf here (fit); predictions leave it to the engine's vectorized check. */
  private checkX(x: Tensor, name: string, finite = true): { X: Float32Array; n: number } {
    const { X, n } = features(x, name, this.inputs, { finite });
    return { X, n };
  }

  private checkY(y: Float32Array | Tensor, n: number, name: string): Float32Array {
    const Y = y instanceof Tensor ? y.values() : y;
    if (!(Y instanceof Float32Array)) throw new ArgumentError(`Expected Float32Array or Tensor for ${name} but received ${describe(y)}`);
    const want = this.output === 'softmax' ? n : n * this.outputs;
    if (Y.length !== want)
      throw new DataError(
        `${name} has ${Y.length} values but x has ${n} rows: expected ${want} (${this.output === 'softmax' ? 'one class index per row' : `${this.outputs} targets per row`})`,
      );
    if (this.output === 'softmax')
      for (let i = 0; i < n; ++i)
        if (!Number.isInteger(Y[i]) || Y[i] < 0 || Y[i] >= this.outputs)
          throw new DataError(`${name}[${i}] = ${Y[i]} is not a class index in [0, ${this.outputs})`);
    return Y;
  }

}

/** Predictions from an MLP's outputs: the class index per row (softmax), 0/1 per output
 *  (sigmoid), or the values (identity). Shared by Mlp and QuantizedMlp. */
export function decodeOutputs(p: Tensor, output: MlpOutput): Float32Array {
  const values = p.values();
  const [n, k] = p.shape;
  if (output === 'softmax') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; ++i) {
      let best = 0;
      for (let j = 1; j < k; ++j) if (values[i * k + j] > values[i * k + best]) best = j;
      out[i] = best;
    }
    return out;
  }
  return output === 'sigmoid' ? values.map((v) => (v >= 0.5 ? 1 : 0)) : values.slice();
}
