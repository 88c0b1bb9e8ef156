// Models as the CLI sees them: the trainable kinds and their flags (shared by `train`, `eval --cv`
// and `quickstart`), model references (a file path or a registry NAME[:VERSION|:ALIAS]), training
// with progress + cancellation, and evaluation into one metrics shape. Not here: argument parsing.
import * as fs from 'node:fs';
import {
  accuracy, classificationReport, precisionRecallF1, stratifiedKFold, subset, confusionMatrix, deserializeModel, LinearRegression, LogisticRegression, meanAbsoluteError,
  meanSquaredError, Mlp, QuantizedMlp, r2Score, TextClassifier,
  type Dataset, type Estimator, type SavableModel, type Tensor, type TextDataset, type TrainHistory, type TrainProgress,
} from '@amaas/core';
import type { Args, OptionSpec } from './args';
import type { Context } from './context';
import type { LoadedData } from './data';
import { CliError, UsageError } from './errors';

export const KINDS = ['mlp', 'logistic', 'linear', 'text'] as const;
export type Kind = (typeof KINDS)[number];

/** Hyper-parameter flags of `train` (also read from --config and used by `eval --cv`). */
export const TRAIN_OPTIONS: Record<string, OptionSpec> = {
  kind: { type: 'string', value: 'KIND', description: 'mlp | logistic | linear | text (default: text for text data, mlp for classification, linear for regression)' },
  hidden: { type: 'string', value: 'SIZES', description: 'mlp: hidden layer sizes, comma-separated (default 64)' },
  activation: { type: 'string', value: 'NAME', description: 'mlp: relu | gelu | tanh | sigmoid (default relu)' },
  epochs: { type: 'string', value: 'N', description: 'mlp, linear/logistic gd: passes over the data (mlp default: about 2,000 steps, 10..200 epochs)' },
  'batch-size': { type: 'string', value: 'N', description: 'mini-batch size (default 32)' },
  lr: { type: 'string', value: 'RATE', description: 'learning rate (default 0.001 adam, 0.01 sgd)' },
  optimizer: { type: 'string', value: 'NAME', description: 'mlp: adam | adamw | sgd (default adam)' },
  dropout: { type: 'string', value: 'P', description: 'mlp: dropout on hidden layers, in [0, 1) (default 0)' },
  'weight-decay': { type: 'string', value: 'W', description: 'mlp: L2 penalty / decoupled decay (default 0)' },
  'validation-split': { type: 'string', value: 'F', description: 'mlp: fraction of the training rows used for validation loss' },
  'early-stopping': { type: 'string', value: 'N', description: 'mlp: stop after N epochs without validation improvement (needs --validation-split)' },
  c: { type: 'string', value: 'C', description: "logistic: inverse L2 strength, scikit-learn's C (default 1)" },
  'max-iter': { type: 'string', value: 'N', description: 'logistic: L-BFGS iterations (default 100)' },
  l2: { type: 'string', value: 'L', description: 'linear: ridge penalty (default 0)' },
  alpha: { type: 'string', value: 'A', description: 'text: naive Bayes smoothing (default 1)' },
  'min-df': { type: 'string', value: 'N', description: 'text: ignore words in fewer than N documents (default 1)' },
  tfidf: { type: 'boolean', description: 'text: tf-idf weighting before naive Bayes' },
  seed: { type: 'string', value: 'N', description: 'seed for initialisation, shuffling and the test split (default 1)' },
};

export interface TrainSettings {
  kind: Kind;
  hidden: number[];
  activation: 'relu' | 'gelu' | 'tanh' | 'sigmoid';
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer: 'adam' | 'adamw' | 'sgd';
  dropout: number;
  weightDecay?: number;
  validationSplit?: number;
  earlyStopping?: number;
  C?: number;
  maxIter?: number;
  l2?: number;
  alpha?: number;
  minDf?: number;
  tfidf: boolean;
  seed: number;
}

/** Reads the hyper-parameter flags, checking them against the data's kind and task. */
export function readTrainSettings(args: Args, data: LoadedData, defaults: { kind?: Kind } = {}): TrainSettings {
  const task = data.kind === 'text' ? 'classification' : data.dataset.task;
  const fallback: Kind = data.kind === 'text' ? 'text' : defaults.kind ?? (task === 'classification' ? 'mlp' : 'linear');
  const kind = args.oneOf('kind', KINDS) ?? fallback;
  if (data.kind === 'text' && kind !== 'text') throw args.usage(`--kind ${kind} needs numeric features but the data is text; use --kind text`);
  if (data.kind === 'tabular' && kind === 'text') throw args.usage('--kind text needs text data (a directory of text files, JSON text records or spam-assassin)');
  if (kind === 'logistic' && task !== 'classification') throw args.usage(`--kind logistic needs a classification target but '${data.dataset.name}' is a regression dataset; use --kind linear or --task classification`);
  if (kind === 'linear' && task !== 'regression') throw args.usage(`--kind linear needs a numeric target but '${data.dataset.name}' is a classification dataset; use --kind logistic or mlp`);
  const s: TrainSettings = {
    kind,
    hidden: args.intList('hidden') ?? [64],
    activation: args.oneOf('activation', ['relu', 'gelu', 'tanh', 'sigmoid'] as const) ?? 'relu',
    epochs: args.int('epochs', { min: 1 }),
    batchSize: args.int('batch-size', { min: 1 }),
    lr: args.num('lr', { min: 0, exclusiveMin: true }),
    optimizer: args.oneOf('optimizer', ['adam', 'adamw', 'sgd'] as const) ?? 'adam',
    dropout: args.num('dropout', { min: 0, max: 0.99 }) ?? 0,
    weightDecay: args.num('weight-decay', { min: 0 }),
    validationSplit: args.num('validation-split', { min: 0, max: 0.9, exclusiveMin: true }),
    earlyStopping: args.int('early-stopping', { min: 1 }),
    C: args.num('c', { min: 0, exclusiveMin: true }),
    maxIter: args.int('max-iter', { min: 1 }),
    l2: args.num('l2', { min: 0 }),
    alpha: args.num('alpha', { min: 0, exclusiveMin: true }),
    minDf: args.int('min-df', { min: 1 }),
    tfidf: args.bool('tfidf'),
    seed: args.int('seed', { min: 0 }) ?? 1,
  };
  if (s.earlyStopping && !s.validationSplit) throw args.usage('--early-stopping needs --validation-split F to measure validation loss');
  return s;
}

/** --epochs, or enough epochs for about 2,000 optimizer steps (10..200): small sets need more passes. */
export function mlpEpochs(s: TrainSettings, rows: number): number {
  if (s.epochs !== undefined) return s.epochs;
  const train = rows - (s.validationSplit ? Math.floor(rows * s.validationSplit) : 0);
  const stepsPerEpoch = Math.ceil(train / (s.batchSize ?? 32));
  return Math.min(200, Math.max(10, Math.round(2000 / stepsPerEpoch)));
}

/** A fresh, unfitted model for the settings and data shape. */
export function createModel(s: TrainSettings, data: LoadedData): Mlp | LogisticRegression | LinearRegression | TextClassifier {
  switch (s.kind) {
    case 'text':
      return new TextClassifier({ vectorizer: { minDf: s.minDf ?? 1 }, tfidf: s.tfidf ? {} : null, nb: { alpha: s.alpha ?? 1 } });
    case 'logistic':
      return new LogisticRegression({ C: s.C ?? 1, maxIter: s.maxIter ?? 100, seed: s.seed });
    case 'linear':
      return new LinearRegression({ l2: s.l2 ?? 0, seed: s.seed });
    case 'mlp': {
      const ds = data.dataset as Dataset;
      const out = ds.task === 'classification' ? ds.classes!.length : 1;
      return new Mlp({
        layers: [ds.x.shape[1], ...s.hidden, out], activation: s.activation,
        output: ds.task === 'classification' ? 'softmax' : 'identity', dropout: s.dropout, seed: s.seed,
      });
    }
  }
}

/** Epochs and optimizer steps an Mlp fit on `rows` rows will run (before any early stop). */
export function mlpSteps(s: TrainSettings, rows: number): { epochs: number; stepsPerEpoch: number; totalSteps: number } {
  const epochs = mlpEpochs(s, rows);
  const n = rows - (s.validationSplit ? Math.floor(rows * s.validationSplit) : 0);
  const stepsPerEpoch = Math.ceil(n / (s.batchSize ?? 32));
  return { epochs, stepsPerEpoch, totalSteps: epochs * stepsPerEpoch };
}

export interface FitHooks {
  onProgress?: (p: TrainProgress, totalSteps: number) => void;
  signal?: AbortSignal;
}

/** Fits `model` on `data`; Mlp gets progress and cancellation, the others are fast and synchronous. */
export async function fitModel(model: SavableModel, s: TrainSettings, data: LoadedData, hooks: FitHooks = {}): Promise<TrainHistory | null> {
  if (model instanceof TextClassifier) {
    const d = data.dataset as TextDataset;
    model.fit(d.texts, d.y, d.classes);
    return null;
  }
  const d = data.dataset as Dataset;
  if (model instanceof LogisticRegression) {
    model.fit(d.x, d.y, d.classes?.length);
    return null;
  }
  if (model instanceof LinearRegression) {
    model.fit(d.x, d.y);
    return null;
  }
  if (model instanceof QuantizedMlp)
    throw new CliError('a quantized model cannot be trained', 'train (or fine-tune) the fp32 model, then run amaas quantize on it');
  const { epochs, stepsPerEpoch, totalSteps } = mlpSteps(s, d.x.shape[0]);
  const batchSize = s.batchSize ?? 32;
  return model.fit(d.x, d.y, {
    epochs, batchSize, seed: s.seed,
    optimizer: { type: s.optimizer, lr: s.lr, weightDecay: s.weightDecay },
    validationSplit: s.validationSplit,
    earlyStopping: s.earlyStopping ? { patience: s.earlyStopping } : undefined,
    reportEvery: Math.max(1, Math.floor(stepsPerEpoch / 10)),
    onProgress: hooks.onProgress ? (p) => hooks.onProgress!(p, totalSteps) : undefined,
    signal: hooks.signal,
  });
}

/** An Estimator for crossValidate: a fresh model per fold, fitted with the same settings. */
export function estimatorFor(s: TrainSettings, data: LoadedData): () => Estimator {
  return () => {
    const model = createModel(s, data);
    return {
      async fit(x: Tensor, y: Float32Array) {
        await fitModel(model, s, { kind: 'tabular', source: data.source, dataset: { ...(data.dataset as Dataset), x, y } });
      },
      predict: (x: Tensor) => (model as Mlp).predict(x),
    };
  };
}

export interface FoldScores {
  fold: number;
  trainSize: number;
  testSize: number;
  fitTimeMs: number;
  scores: Record<string, number>;
}

/**
 * Stratified k-fold cross-validation of a text classifier (core's crossValidate takes numeric
 * tensors): accuracy and macro F1 per fold. `onFold` is called before each fold starts.
 */
export async function crossValidateText(s: TrainSettings, data: LoadedData & { kind: 'text' }, k: number, onFold?: (fold: number) => void): Promise<FoldScores[]> {
  const folds = stratifiedKFold(data.dataset.y, { k, shuffle: true, seed: s.seed });
  const out: FoldScores[] = [];
  for (let f = 0; f < folds.length; ++f) {
    onFold?.(f);
    const train = subset(data.dataset, Array.from(folds[f].train));
    const test = subset(data.dataset, Array.from(folds[f].test));
    const model = createModel(s, data) as TextClassifier;
    const t0 = performance.now();
    model.fit(train.texts, train.y, data.dataset.classes);
    const fitTimeMs = performance.now() - t0;
    const pred = model.predictIndices(test.texts);
    out.push({
      fold: f, trainSize: train.texts.length, testSize: test.texts.length, fitTimeMs,
      scores: { accuracy: accuracy(test.y, pred), f1_macro: precisionRecallF1(test.y, pred, { average: 'macro' }).f1 },
    });
  }
  return out;
}

/** An Mlp or its quantized form: the same inference surface (inputs, outputs, predict, predictProba). */
export function isMlpLike(model: unknown): model is Mlp | QuantizedMlp {
  return model instanceof Mlp || model instanceof QuantizedMlp;
}

export function kindOf(model: SavableModel): Kind {
  if (isMlpLike(model)) return 'mlp';
  if (model instanceof LogisticRegression) return 'logistic';
  if (model instanceof LinearRegression) return 'linear';
  return 'text';
}

export function taskOf(model: SavableModel): 'classification' | 'regression' {
  if (isMlpLike(model)) return model.output === 'identity' ? 'regression' : 'classification';
  return model instanceof LinearRegression ? 'regression' : 'classification';
}

/** A short description: 'mlp 4-64-3 relu', 'logistic (3 classes)'. */
export function describeModel(model: SavableModel): string {
  if (model instanceof Mlp) return `mlp ${model.layers.join('-')} ${model.activation} (${model.parameterCount.toLocaleString('en-US')} parameters)`;
  if (model instanceof QuantizedMlp) return `mlp ${model.layers.join('-')} ${model.activation}, ${model.scheme} (${model.parameterCount.toLocaleString('en-US')} parameters)`;
  if (model instanceof LogisticRegression) return model.classes ? `logistic regression (${model.classes} classes)` : 'logistic regression';
  if (model instanceof LinearRegression) return model.coef.length ? `linear regression (${model.coef.length} features)` : 'linear regression';
  return model.isFitted ? `text classifier, naive Bayes (${model.classes.join(', ')})` : 'text classifier, naive Bayes';
}

/** Predictions as class indices (classification) or values (regression). */
export async function predictLabels(model: SavableModel, data: LoadedData): Promise<Float32Array> {
  if (model instanceof TextClassifier) {
    if (data.kind !== 'text') throw new CliError('this is a text model but the data has numeric features', 'give text data (a directory of text files, JSON text records, or --dataset spam-assassin)');
    return model.predictIndices(data.dataset.texts);
  }
  if (data.kind === 'text') throw new CliError(`this ${kindOf(model)} model needs numeric features but the data is text`);
  const x = data.dataset.x;
  const want = isMlpLike(model) ? model.inputs : model instanceof LogisticRegression ? model.coef.length / Math.max(1, model.classes === 2 ? 1 : model.classes) : model.coef.length;
  if (x.shape[1] !== want)
    throw new CliError(`the model expects ${want} features per row but the data has ${x.shape[1]}`, 'evaluate on data with the columns the model was trained on (and the same --target)');
  return model.predict(x);
}

export interface ClassificationMetrics {
  task: 'classification';
  rows: number;
  accuracy: number;
  macroF1: number;
  weightedF1: number;
  classes: string[];
  perClass: { name: string; precision: number; recall: number; f1: number; support: number }[];
  confusion: number[][];
  report: string;
}
export interface RegressionMetrics {
  task: 'regression';
  rows: number;
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
}
export type Metrics = ClassificationMetrics | RegressionMetrics;

/** Accuracy, per-class scores and confusion matrix, or MSE/MAE/R², of `model` on `data`. */
export async function evaluate(model: SavableModel, data: LoadedData): Promise<Metrics> {
  const pred = await predictLabels(model, data);
  const y = data.dataset.y;
  if (taskOf(model) === 'regression') {
    const mse = meanSquaredError(y, pred);
    return { task: 'regression', rows: y.length, mse, rmse: Math.sqrt(mse), mae: meanAbsoluteError(y, pred), r2: r2Score(y, pred) };
  }
  const k = model instanceof TextClassifier ? model.classes.length : isMlpLike(model) ? model.outputs : (model as LogisticRegression).classes;
  const given = data.dataset.classes;
  const classes = model instanceof TextClassifier ? model.classes : given && given.length === k ? given : Array.from({ length: k }, (_, i) => String(i));
  for (let i = 0; i < y.length; ++i)
    if (y[i] >= k) throw new CliError(`the data has class index ${y[i]} but the model knows ${k} classes`, 'evaluate on data with the labels the model was trained on');
  const labels = classes.map((_, i) => i);
  const report = classificationReport(y, pred, { labels, targetNames: classes });
  const cm = confusionMatrix(y, pred, { labels });
  return {
    task: 'classification', rows: y.length, accuracy: accuracy(y, pred), macroF1: report.macroAvg.f1, weightedF1: report.weightedAvg.f1, classes,
    perClass: report.classes.map((c) => ({ name: c.name, precision: c.precision, recall: c.recall, f1: c.f1, support: c.support })),
    confusion: cm.matrix, report: report.text,
  };
}

/** The numbers the registry stores with a version. */
export function headlineMetrics(m: Metrics): Record<string, number> {
  return m.task === 'classification' ? { accuracy: m.accuracy, macro_f1: m.macroF1 } : { mse: m.mse, mae: m.mae, r2: m.r2 };
}

export interface ModelRef {
  /** 'file' or 'registry'. */
  source: 'file' | 'registry';
  file?: string;
  name?: string;
  version?: number;
}

/** Splits NAME[:VERSION|:ALIAS]. */
export function parseModelRef(ref: string): { name: string; selector?: string } {
  const i = ref.lastIndexOf(':');
  return i > 0 ? { name: ref.slice(0, i), selector: ref.slice(i + 1) } : { name: ref };
}

function looksLikePath(ref: string): boolean {
  if (ref.includes('/') || ref.includes('\\') || /\.(safetensors|amaas)$/i.test(ref)) return true;
  try {
    return fs.statSync(ref).isFile();
  } catch {
    return false;
  }
}

/**
 * Loads a model from a file path or the registry: NAME (the 'production' alias, else the latest
 * version), NAME:3, NAME:staging.
 */
export async function loadModelRef(ref: string, ctx: Context, command: string): Promise<{ model: SavableModel; bytes: Buffer; ref: ModelRef }> {
  if (!ref) throw new UsageError('--model is required: a model file or a registry name (NAME, NAME:VERSION, NAME:ALIAS)', command);
  if (looksLikePath(ref)) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(ref);
    } catch {
      throw new CliError(`no such model file: ${ref}`, "check the path, or give a registry name (see 'amaas models list')");
    }
    return { model: deserializeModel(bytes), bytes, ref: { source: 'file', file: ref } };
  }
  const { name, selector } = parseModelRef(ref);
  const reg = ctx.registry();
  const version = await resolveVersion(ctx, name, selector);
  const bytes = await reg.readVersionFile(name, version);
  return { model: deserializeModel(bytes), bytes, ref: { source: 'registry', name, version } };
}

/** A version number from NAME's selector; without one, 'production' if set, else the latest version. */
export async function resolveVersion(ctx: Context, name: string, selector?: string): Promise<number> {
  const reg = ctx.registry();
  const models = await reg.listModels();
  if (!models.some((m) => m.name === name))
    throw new CliError(`no model '${name}' in the registry at ${ctx.registryDir}`, `see 'amaas models list', or register one with 'amaas models push FILE --name ${name}'`);
  if (selector) return reg.resolve(name, selector);
  const aliases = await reg.listAliases(name);
  if (aliases.some((a) => a.alias === 'production')) return reg.resolve(name, 'production');
  const versions = await reg.listVersions(name);
  if (versions.length === 0) throw new CliError(`model '${name}' has no versions`, `push one with 'amaas models push FILE --name ${name}'`);
  return Math.max(...versions.map((v) => v.version));
}
