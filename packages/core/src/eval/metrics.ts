// Classification and regression metrics with scikit-learn's semantics (zero_division -> 0,
// labels sorted by value, population statistics), computed in double precision over any
// ArrayLike<number>. Plain loops, no native calls: these run once per evaluation, not per step.
// Not here: multilabel targets, sample weights, ranking or clustering metrics.
import { DataError, ShapeError, ArgumentError } from '../errors';
import { Tensor } from '../tensor';
import { describe, expectFiniteNumber, expectOneOf, expectPositiveInt } from '../validate';

/** Class labels or regression targets: Float32Array, number[], Int32Array, ... */
export type NumericArray = ArrayLike<number>;

/** Checks one array: array-like, non-empty, every element a number and not NaN. */
export function checkValues(name: string, v: unknown): NumericArray {
  if (typeof v !== 'object' || v === null || typeof (v as { length?: unknown }).length !== 'number' || typeof v === 'string')
    throw new ArgumentError(`Expected an array of numbers (Float32Array, number[], ...) for ${name} but received ${describe(v)}`);
  const a = v as ArrayLike<unknown>;
  if (a.length === 0) throw new DataError(`Expected at least one value in ${name} but received an empty array`);
  for (let i = 0; i < a.length; ++i) {
    const x = a[i];
    if (typeof x !== 'number') throw new DataError(`Expected a number at ${name}[${i}] but received ${describe(x)}`);
    if (Number.isNaN(x)) throw new DataError(`Expected a number at ${name}[${i}] but received NaN`);
  }
  return a as NumericArray;
}

/** Checks a pair of equally long arrays (yTrue first); returns their length. */
export function checkPair(yTrue: unknown, yPred: unknown, predName = 'yPred'): number {
  const t = checkValues('yTrue', yTrue);
  const p = checkValues(predName, yPred);
  if (t.length !== p.length)
    throw new ShapeError(`Expected ${predName} to have the same length as yTrue (${t.length}) but received ${p.length}`);
  return t.length;
}

/** Sorted distinct values of the given arrays (sklearn's unique_labels). */
export function uniqueLabels(...arrays: NumericArray[]): number[] {
  const set = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; ++i) set.add(a[i] === 0 ? 0 : a[i]); // -0 -> 0
  return [...set].sort((a, b) => a - b);
}

function checkLabelList(labels: unknown): number[] {
  const l = checkValues('labels', labels);
  const out = Array.from(l);
  if (new Set(out).size !== out.length) throw new ArgumentError(`Expected distinct values in labels but received [${out.join(', ')}]`);
  return out;
}

/** Fraction of positions where yPred equals yTrue. */
export function accuracy(yTrue: NumericArray, yPred: NumericArray): number {
  const n = checkPair(yTrue, yPred);
  let hit = 0;
  for (let i = 0; i < n; ++i) if (yTrue[i] === yPred[i]) hit++;
  return hit / n;
}

export interface ConfusionMatrix {
  /** Row/column order of `matrix`. */
  labels: number[];
  /** matrix[i][j]: samples whose true label is labels[i] and predicted label labels[j]. */
  matrix: number[][];
}

/**
 * Counts of (true, predicted) label pairs. `labels` picks and orders the rows/columns (default:
 * every label seen, sorted); samples whose true or predicted label is not listed are skipped.
 */
export function confusionMatrix(yTrue: NumericArray, yPred: NumericArray, options: { labels?: NumericArray } = {}): ConfusionMatrix {
  const n = checkPair(yTrue, yPred);
  const labels = options.labels === undefined ? uniqueLabels(yTrue, yPred) : checkLabelList(options.labels);
  const index = new Map<number, number>(labels.map((l, i) => [l, i]));
  if (options.labels !== undefined && !Array.from({ length: n }, (_, i) => yTrue[i]).some((v) => index.has(v)))
    throw new DataError(`Expected at least one of labels [${labels.join(', ')}] in yTrue but received none of them`);
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < n; ++i) {
    const r = index.get(yTrue[i]), c = index.get(yPred[i]);
    if (r !== undefined && c !== undefined) matrix[r][c]++;
  }
  return { labels, matrix };
}

export const AVERAGES = ['per-class', 'macro', 'micro', 'weighted', 'binary'] as const;
export type Average = (typeof AVERAGES)[number];

export interface PrfOptions {
  /** How per-class scores are combined (default 'binary', as in sklearn). */
  average?: Average;
  /** The class scored by average 'binary' (default 1). */
  positiveLabel?: number;
  /** Labels to score and their order (default: every label in yTrue or yPred, sorted). */
  labels?: NumericArray;
}

/** Per-class precision, recall, F1 and support (count of true samples), in `labels` order. */
export interface PerClassScores {
  labels: number[];
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
}

/** One averaged score; `support` is the number of true samples of the labels averaged over. */
export interface AveragedScores {
  average: Exclude<Average, 'per-class'>;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

interface Counts {
  labels: number[];
  tp: number[];
  fp: number[];
  fn: number[];
}

function countPerLabel(yTrue: NumericArray, yPred: NumericArray, n: number, labels: number[]): Counts {
  const index = new Map<number, number>(labels.map((l, i) => [l, i]));
  const tp = labels.map(() => 0), fp = labels.map(() => 0), fn = labels.map(() => 0);
  for (let i = 0; i < n; ++i) {
    const t = index.get(yTrue[i]), p = index.get(yPred[i]);
    if (yTrue[i] === yPred[i]) {
      if (t !== undefined) tp[t]++;
    } else {
      if (p !== undefined) fp[p]++;
      if (t !== undefined) fn[t]++;
    }
  }
  return { labels, tp, fp, fn };
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

/**
 * Precision, recall and F1 per class, or averaged: 'macro' (unweighted mean over labels),
 * 'weighted' (mean weighted by support), 'micro' (from summed counts; equals accuracy when all
 * labels are scored) or 'binary' (the scores of `positiveLabel` only; needs at most two labels).
 * A score whose denominator is zero is 0 (sklearn's zero_division=0).
 */
export function precisionRecallF1(yTrue: NumericArray, yPred: NumericArray, options: PrfOptions & { average: 'per-class' }): PerClassScores;
export function precisionRecallF1(yTrue: NumericArray, yPred: NumericArray, options?: PrfOptions): AveragedScores;
export function precisionRecallF1(yTrue: NumericArray, yPred: NumericArray, options: PrfOptions = {}): PerClassScores | AveragedScores {
  const n = checkPair(yTrue, yPred);
  const average = expectOneOf('average', options.average ?? 'binary', AVERAGES);
  const present = uniqueLabels(yTrue, yPred);
  let labels = options.labels === undefined ? present : checkLabelList(options.labels);
  if (average === 'binary') {
    const pos = expectFiniteNumber('positiveLabel', options.positiveLabel ?? 1);
    if (present.length > 2)
      throw new ArgumentError(
        `average 'binary' needs at most two labels but yTrue/yPred hold ${present.length} ([${present.join(', ')}]); ` +
          `choose average 'macro', 'micro', 'weighted' or 'per-class'`,
      );
    if (present.length === 2 && !present.includes(pos))
      throw new ArgumentError(`Expected positiveLabel to be one of [${present.join(', ')}] but received ${pos}`);
    labels = [pos];
  }
  const c = countPerLabel(yTrue, yPred, n, labels);
  const support = labels.map((_, i) => c.tp[i] + c.fn[i]);
  if (average === 'micro') {
    const tp = sum(c.tp), fp = sum(c.fp), fn = sum(c.fn);
    return { average, precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn), support: sum(support) };
  }
  const precision = labels.map((_, i) => ratio(c.tp[i], c.tp[i] + c.fp[i]));
  const recall = labels.map((_, i) => ratio(c.tp[i], c.tp[i] + c.fn[i]));
  const f1 = labels.map((_, i) => ratio(2 * c.tp[i], 2 * c.tp[i] + c.fp[i] + c.fn[i]));
  if (average === 'per-class') return { labels, precision, recall, f1, support };
  if (average === 'binary') return { average, precision: precision[0], recall: recall[0], f1: f1[0], support: support[0] };
  const total = sum(support);
  const mean = (v: number[]): number =>
    average === 'macro' ? sum(v) / v.length : ratio(v.reduce((acc, x, i) => acc + x * support[i], 0), total);
  return { average, precision: mean(precision), recall: mean(recall), f1: mean(f1), support: total };
}

function sum(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; ++i) s += v[i];
  return s;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  /** One row per label, in `labels` order, with its display name. */
  classes: (ClassScores & { label: number; name: string })[];
  /** Set when every label seen is scored (then micro average = accuracy), as in sklearn. */
  accuracy?: number;
  /** Set instead of `accuracy` when `labels` leaves some seen label out. */
  microAvg?: ClassScores;
  macroAvg: ClassScores;
  weightedAvg: ClassScores;
  /** The table sklearn's classification_report prints, character for character. */
  text: string;
}

export interface ReportOptions {
  labels?: NumericArray;
  /** Display names, one per label (default: the label values). */
  targetNames?: readonly string[];
  /** Decimals in the text table (default 2). */
  digits?: number;
}

/** Per-class precision/recall/F1/support plus accuracy, macro and weighted averages. */
export function classificationReport(yTrue: NumericArray, yPred: NumericArray, options: ReportOptions = {}): ClassificationReport {
  checkPair(yTrue, yPred);
  const digits = options.digits === undefined ? 2 : expectPositiveInt('digits', options.digits);
  const present = uniqueLabels(yTrue, yPred);
  const labels = options.labels === undefined ? present : checkLabelList(options.labels);
  const names = options.targetNames === undefined ? labels.map(String) : options.targetNames.slice();
  if (names.length !== labels.length)
    throw new ShapeError(`Expected ${labels.length} targetNames (one per label [${labels.join(', ')}]) but received ${names.length}`);
  const per = precisionRecallF1(yTrue, yPred, { average: 'per-class', labels });
  const averaged = (average: 'micro' | 'macro' | 'weighted'): ClassScores => {
    const a = precisionRecallF1(yTrue, yPred, { average, labels });
    return { precision: a.precision, recall: a.recall, f1: a.f1, support: a.support };
  };
  const microIsAccuracy = present.every((l) => labels.includes(l));
  const micro = averaged('micro');
  const report: ClassificationReport = {
    classes: labels.map((label, i) => ({
      label, name: names[i], precision: per.precision[i], recall: per.recall[i], f1: per.f1[i], support: per.support[i],
    })),
    macroAvg: averaged('macro'),
    weightedAvg: averaged('weighted'),
    text: '',
  };
  if (microIsAccuracy) report.accuracy = micro.f1;
  else report.microAvg = micro;

  // sklearn's layout: names right-aligned to the widest name (at least 'weighted avg'),
  // then columns of width 9 separated by a space.
  const width = Math.max('weighted avg'.length, ...names.map((s) => s.length));
  const col = (s: string): string => ' ' + s.padStart(9);
  const row = (name: string, s: ClassScores): string =>
    name.padStart(width) + ' ' + [s.precision, s.recall, s.f1].map((v) => col(v.toFixed(digits))).join('') + col(String(s.support)) + '\n';
  let text = ''.padStart(width) + ' ' + ['precision', 'recall', 'f1-score', 'support'].map(col).join('') + '\n\n';
  report.classes.forEach((c) => (text += row(c.name, c)));
  text += '\n';
  if (microIsAccuracy) text += 'accuracy'.padStart(width) + ' ' + col('') + col('') + col(micro.f1.toFixed(digits)) + col(String(micro.support)) + '\n';
  else text += row('micro avg', micro);
  text += row('macro avg', report.macroAvg);
  text += row('weighted avg', report.weightedAvg);
  report.text = text;
  return report;
}

export interface LogLossOptions {
  /** Probabilities are clipped to [eps, 1 - eps] before the log (default 1e-15). */
  eps?: number;
}

/**
 * Mean negative log-likelihood of the true classes. `yTrue` holds class indices; `proba` is
 * either a Tensor (n, k) of class probabilities (column j = class j) or, for two classes, the
 * n probabilities of class 1 (a Float32Array, number[] or 1-D / (n,1) Tensor). Rows are not
 * renormalised (sklearn warns when they do not sum to 1; this accepts them as given).
 */
export function logLoss(yTrue: NumericArray, proba: Tensor | NumericArray, options: LogLossOptions = {}): number {
  const eps = expectFiniteNumber('eps', options.eps ?? 1e-15);
  if (!(eps > 0 && eps < 0.5)) throw new ArgumentError(`Expected eps in (0, 0.5) but received ${eps}`);
  const t = checkValues('yTrue', yTrue);
  const n = t.length;
  let k: number, at: (i: number, j: number) => number;
  if (proba instanceof Tensor && !(proba.rank === 1 || (proba.rank === 2 && proba.shape[1] === 1))) {
    if (proba.rank !== 2) throw new ShapeError(`Expected proba of shape [n, k] but received [${proba.shape}]`);
    if (proba.shape[0] !== n) throw new ShapeError(`Expected proba to have ${n} rows (the length of yTrue) but received ${proba.shape[0]}`);
    k = proba.shape[1];
    const { data, offset, strides } = proba;
    at = (i, j) => data[offset + i * strides[0] + j * strides[1]];
  } else {
    let p1: NumericArray;
    if (proba instanceof Tensor) p1 = proba.values();
    else p1 = checkValues('proba', proba);
    if (p1.length !== n) throw new ShapeError(`Expected proba to have the same length as yTrue (${n}) but received ${p1.length}`);
    k = 2;
    at = (i, j) => (j === 1 ? p1[i] : 1 - p1[i]);
  }
  let total = 0;
  for (let i = 0; i < n; ++i) {
    for (let j = 0; j < k; ++j) {
      const v = at(i, j);
      if (!(v >= -1e-7 && v <= 1 + 1e-7)) throw new DataError(`Expected probabilities in [0, 1] but proba[${i}][${j}] is ${describe(v)}`);
    }
    const y = t[i];
    if (!Number.isInteger(y) || y < 0 || y >= k)
      throw new DataError(`Expected yTrue[${i}] to be a class index in [0, ${k}) but received ${y}`);
    total -= Math.log(Math.min(Math.max(at(i, y), eps), 1 - eps));
  }
  return total / n;
}

/**
 * Area under the ROC curve for binary labels (0/1) and scores (higher = more likely 1): the
 * trapezoid over the curve's points at each distinct score, so tied scores count half, exactly
 * as sklearn's roc_auc_score. Needs both classes in yTrue.
 */
export function rocAuc(yTrue: NumericArray, scores: NumericArray): number {
  const n = checkPair(yTrue, scores, 'scores');
  let pos = 0;
  for (let i = 0; i < n; ++i) {
    if (yTrue[i] !== 0 && yTrue[i] !== 1) throw new DataError(`Expected yTrue values of 0 or 1 but yTrue[${i}] is ${yTrue[i]}`);
    pos += yTrue[i];
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0)
    throw new DataError(`ROC AUC needs both classes in yTrue but received only ${pos === 0 ? 0 : 1}s (${n} samples)`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0, fp = 0, prevTp = 0, prevFp = 0, area = 0;
  for (let r = 0; r < n; ++r) {
    const i = order[r];
    if (yTrue[i] === 1) tp++;
    else fp++;
    if (r === n - 1 || scores[order[r + 1]] !== scores[i]) {
      area += ((fp - prevFp) * (tp + prevTp)) / 2;
      prevTp = tp;
      prevFp = fp;
    }
  }
  return area / (pos * neg);
}

export function meanSquaredError(yTrue: NumericArray, yPred: NumericArray): number {
  const n = checkPair(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < n; ++i) s += (yTrue[i] - yPred[i]) ** 2;
  return s / n;
}

export function meanAbsoluteError(yTrue: NumericArray, yPred: NumericArray): number {
  const n = checkPair(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < n; ++i) s += Math.abs(yTrue[i] - yPred[i]);
  return s / n;
}

/**
 * Coefficient of determination 1 - SS_res / SS_tot. As in sklearn: constant yTrue gives 1 for
 * a perfect prediction and 0 otherwise; fewer than two samples give NaN (not defined).
 */
export function r2Score(yTrue: NumericArray, yPred: NumericArray): number {
  const n = checkPair(yTrue, yPred);
  if (n < 2) return NaN;
  const mean = sum(yTrue) / n;
  let res = 0, tot = 0;
  for (let i = 0; i < n; ++i) {
    res += (yTrue[i] - yPred[i]) ** 2;
    tot += (yTrue[i] - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}
