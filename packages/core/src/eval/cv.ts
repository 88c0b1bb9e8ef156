// Cross-validation: k-fold and stratified k-fold splits with scikit-learn's fold sizes and
// assignment rules, and crossValidate(), which fits a fresh model per fold and scores it.
// Shuffling uses a seeded mulberry32 generator: same seed, same folds, but not the same
// permutation numpy would draw. Not here: grouped or time-series splits, hyper-parameter search.
import { ArgumentError, DataError, ShapeError } from '../errors';
import { Tensor } from '../tensor';
import { describe, expectOneOf, expectPositiveInt } from '../validate';
import { mulberry32 } from '../data/random';
import { takeRows } from '../data/dataset';
import {
  accuracy, checkValues, logLoss, meanAbsoluteError, meanSquaredError, precisionRecallF1, r2Score, rocAuc,
} from './metrics';

/** What crossValidate needs from a model: fit on rows of x, predict labels/values for rows. */
export interface Estimator {
  fit(x: Tensor, y: Float32Array): unknown | Promise<unknown>;
  predict(x: Tensor): Float32Array | Tensor | Promise<Float32Array | Tensor>;
  /** (n, k) class probabilities, column j = class j; needed by 'neg_log_loss' and 'roc_auc'. */
  predictProba?(x: Tensor): Tensor | Promise<Tensor>;
}

/** Row indices of one split; `train` ascending, `test` in fold order. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

export interface KFoldOptions {
  /** Number of folds, at least 2 (default 5). */
  k?: number;
  /** Permute samples before assigning folds (default false). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0); only allowed with shuffle: true. */
  seed?: number;
}


function shuffleInPlace(a: Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; --i) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

function foldSettings(options: KFoldOptions, n: number): { k: number; rand: (() => number) | null } {
  const k = expectPositiveInt('k', options.k ?? 5);
  if (k < 2) throw new ArgumentError(`Expected k >= 2 folds but received ${k}`);
  if (k > n) throw new ArgumentError(`Expected k <= ${n} (the number of samples) but received k=${k}`);
  if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean')
    throw new ArgumentError(`Expected boolean for shuffle but received ${describe(options.shuffle)}`);
  if (options.seed !== undefined) {
    if (!Number.isSafeInteger(options.seed)) throw new ArgumentError(`Expected integer seed but received ${describe(options.seed)}`);
    if (!options.shuffle) throw new ArgumentError('seed has no effect without shuffle: true; pass shuffle: true or drop seed');
  }
  return { k, rand: options.shuffle ? mulberry32(options.seed ?? 0) : null };
}

/** Train = every index not in test, ascending. */
function withTrain(n: number, tests: Int32Array[]): Fold[] {
  return tests.map((test) => {
    const inTest = new Uint8Array(n);
    for (const i of test) inTest[i] = 1;
    const train = new Int32Array(n - test.length);
    let t = 0;
    for (let i = 0; i < n; ++i) if (!inTest[i]) train[t++] = i;
    return { train, test };
  });
}

/**
 * k consecutive test folds over 0..n-1 (after an optional shuffle); the first n % k folds get
 * one sample more, as sklearn's KFold.
 */
export function kFold(n: number, options: KFoldOptions = {}): Fold[] {
  expectPositiveInt('n', n);
  const { k, rand } = foldSettings(options, n);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (rand) shuffleInPlace(order, rand);
  const tests: Int32Array[] = [];
  let start = 0;
  for (let f = 0; f < k; ++f) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    tests.push(order.slice(start, start + size));
    start += size;
  }
  return withTrain(n, tests);
}

/**
 * k folds that keep each class's share: sklearn's StratifiedKFold rule (samples sorted by
 * class, dealt round-robin into folds, so fold sizes differ by at most one and each class's
 * count per fold by at most one). Classes are taken in order of first appearance; with shuffle,
 * which samples of a class go to which fold is permuted. Test indices come out ascending.
 */
export function stratifiedKFold(y: ArrayLike<number>, options: KFoldOptions = {}): Fold[] {
  const labels = checkValues('y', y);
  const n = labels.length;
  const { k, rand } = foldSettings(options, n);
  // Encode classes by first appearance, as sklearn does.
  const code = new Map<number, number>();
  const yEnc = new Int32Array(n);
  for (let i = 0; i < n; ++i) {
    let c = code.get(labels[i]);
    if (c === undefined) code.set(labels[i], (c = code.size));
    yEnc[i] = c;
  }
  const nClasses = code.size;
  const counts = new Int32Array(nClasses);
  for (const c of yEnc) counts[c]++;
  if (counts.every((c) => c < k))
    throw new DataError(`Expected at least one class with >= ${k} samples for k=${k} folds but the largest class has ${Math.max(...counts)}`);
  // allocation[f][c] = how many of class c fold f receives when the class-sorted samples are
  // dealt round-robin: sorted position p goes to fold p % k.
  const allocation = Array.from({ length: k }, () => new Int32Array(nClasses));
  let p = 0;
  for (let c = 0; c < nClasses; ++c) for (let j = 0; j < counts[c]; ++j) allocation[p++ % k][c]++;
  const testFold = new Int32Array(n);
  for (let c = 0; c < nClasses; ++c) {
    const foldsForClass = new Int32Array(counts[c]);
    let t = 0;
    for (let f = 0; f < k; ++f) for (let j = 0; j < allocation[f][c]; ++j) foldsForClass[t++] = f;
    if (rand) shuffleInPlace(foldsForClass, rand);
    t = 0;
    for (let i = 0; i < n; ++i) if (yEnc[i] === c) testFold[i] = foldsForClass[t++];
  }
  const sizes = new Int32Array(k);
  for (const f of testFold) sizes[f]++;
  const tests = Array.from(sizes, (size) => new Int32Array(size));
  const filled = new Int32Array(k);
  for (let i = 0; i < n; ++i) tests[testFold[i]][filled[testFold[i]]++] = i;
  return withTrain(n, tests);
}

export const SCORINGS = [
  'accuracy', 'f1', 'f1_macro', 'f1_micro', 'f1_weighted', 'precision', 'precision_macro', 'precision_weighted',
  'recall', 'recall_macro', 'recall_weighted', 'neg_log_loss', 'roc_auc', 'r2', 'neg_mse', 'neg_mae',
] as const;
/** Scorer names as in sklearn ('neg_mse' = neg_mean_squared_error; greater is better for all). */
export type Scoring = (typeof SCORINGS)[number];

const REGRESSION_SCORINGS: readonly Scoring[] = ['r2', 'neg_mse', 'neg_mae'];

export interface CrossValidateOptions {
  /** Number of folds (default 5). */
  folds?: number;
  /** Stratified folds (default: true when every scoring is a classification score). */
  stratified?: boolean;
  /** Shuffle before splitting (default: true when a seed is given). */
  shuffle?: boolean;
  seed?: number;
  /** Scores to compute on each test fold (default ['accuracy']). */
  scoring?: readonly Scoring[];
}

export interface Summary {
  values: number[];
  mean: number;
  /** Population standard deviation (numpy's std, ddof 0), as sklearn reports it. */
  std: number;
}

export interface FoldResult {
  fold: number;
  trainSize: number;
  testSize: number;
  fitTimeMs: number;
  scoreTimeMs: number;
  scores: Partial<Record<Scoring, number>>;
}

export interface CrossValidateResult {
  folds: FoldResult[];
  scores: Partial<Record<Scoring, Summary>>;
  fitTimeMs: Summary;
  scoreTimeMs: Summary;
}

function summarize(values: number[]): Summary {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { values, mean, std };
}

function asVector(name: string, v: unknown, n: number): Float32Array {
  let flat: Float32Array;
  if (v instanceof Float32Array) flat = v;
  else if (v instanceof Tensor) flat = v.values();
  else throw new ArgumentError(`Expected Float32Array or Tensor from ${name} but received ${describe(v)}`);
  if (flat.length !== n) throw new ShapeError(`Expected ${n} values from ${name} (one per test row) but received ${flat.length}`);
  return flat;
}

function prf(kind: 'f1' | 'precision' | 'recall', average: 'binary' | 'macro' | 'micro' | 'weighted') {
  return (t: Float32Array, p: Float32Array): number => precisionRecallF1(t, p, { average })[kind];
}

const LABEL_SCORERS: Partial<Record<Scoring, (t: Float32Array, p: Float32Array) => number>> = {
  accuracy,
  f1: prf('f1', 'binary'), f1_macro: prf('f1', 'macro'), f1_micro: prf('f1', 'micro'), f1_weighted: prf('f1', 'weighted'),
  precision: prf('precision', 'binary'), precision_macro: prf('precision', 'macro'), precision_weighted: prf('precision', 'weighted'),
  recall: prf('recall', 'binary'), recall_macro: prf('recall', 'macro'), recall_weighted: prf('recall', 'weighted'),
  r2: r2Score,
  neg_mse: (t, p) => -meanSquaredError(t, p),
  neg_mae: (t, p) => -meanAbsoluteError(t, p),
};

/**
 * Fits `makeModel()` once per fold on the training rows and scores it on the test rows.
 * x (n, d), y (n). Folds run one after another; fit and predict may be async.
 */
export async function crossValidate(
  makeModel: () => Estimator,
  x: Tensor,
  y: Float32Array,
  options: CrossValidateOptions = {},
): Promise<CrossValidateResult> {
  if (typeof makeModel !== 'function') throw new ArgumentError(`Expected a function returning a model for makeModel but received ${describe(makeModel)}`);
  if (!(x instanceof Tensor) || x.rank !== 2)
    throw new ShapeError(`Expected a 2-D Tensor (n, d) for x but received ${x instanceof Tensor ? `shape [${x.shape}]` : describe(x)}`);
  if (!(y instanceof Float32Array)) throw new ArgumentError(`Expected Float32Array for y but received ${describe(y)}`);
  checkValues('y', y);
  if (y.length !== x.shape[0]) throw new ShapeError(`Expected y to have ${x.shape[0]} values (the rows of x) but received ${y.length}`);
  const scoring = (options.scoring ?? ['accuracy']).map((s) => expectOneOf('scoring', s, SCORINGS));
  if (scoring.length === 0) throw new ArgumentError('Expected at least one name in scoring but received an empty list');
  const stratified = options.stratified ?? scoring.every((s) => !REGRESSION_SCORINGS.includes(s));
  const k = options.folds ?? 5;
  const splitOptions: KFoldOptions = { k, shuffle: options.shuffle ?? options.seed !== undefined, seed: options.seed };
  const folds = stratified ? stratifiedKFold(y, splitOptions) : kFold(y.length, splitOptions);

  const results: FoldResult[] = [];
  for (let f = 0; f < folds.length; ++f) {
    const { train, test } = folds[f];
    const model = makeModel();
    const xTrain = takeRows(x, train), yTrain = Float32Array.from(train, (i) => y[i]);
    const xTest = takeRows(x, test), yTest = Float32Array.from(test, (i) => y[i]);
    const t0 = performance.now();
    await model.fit(xTrain, yTrain);
    const t1 = performance.now();
    const pred = asVector('predict()', await model.predict(xTest), test.length);
    const scores: Partial<Record<Scoring, number>> = {};
    let proba: Tensor | null = null;
    for (const s of scoring) {
      const scorer = LABEL_SCORERS[s];
      if (scorer) {
        scores[s] = scorer(yTest, pred);
        continue;
      }
      if (!model.predictProba) throw new ArgumentError(`scoring '${s}' needs a model with predictProba(); this model has none`);
      proba ??= await model.predictProba(xTest);
      if (!(proba instanceof Tensor) || proba.rank !== 2 || proba.shape[0] !== test.length)
        throw new ShapeError(`Expected predictProba() to return a Tensor of shape [${test.length}, k] but received ${proba instanceof Tensor ? `[${proba.shape}]` : describe(proba)}`);
      if (s === 'neg_log_loss') scores[s] = -logLoss(yTest, proba);
      else {
        if (proba.shape[1] !== 2) throw new ArgumentError(`scoring 'roc_auc' needs two classes (0 and 1) but predictProba() gave ${proba.shape[1]} columns`);
        scores[s] = rocAuc(yTest, Float32Array.from({ length: test.length }, (_, i) => proba!.get(i, 1)));
      }
    }
    results.push({ fold: f, trainSize: train.length, testSize: test.length, fitTimeMs: t1 - t0, scoreTimeMs: performance.now() - t1, scores });
  }
  const summary: Partial<Record<Scoring, Summary>> = {};
  for (const s of scoring) summary[s] = summarize(results.map((r) => r.scores[s]!));
  return {
    folds: results,
    scores: summary,
    fitTimeMs: summarize(results.map((r) => r.fitTimeMs)),
    scoreTimeMs: summarize(results.map((r) => r.scoreTimeMs)),
  };
}
