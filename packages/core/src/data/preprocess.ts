// Preparing data for training: seeded train/test splits (optionally stratified), feature scalers
// (StandardScaler, MinMaxScaler) and label encoders (LabelEncoder, OneHotEncoder), each with a
// JSON spec so a fitted transform travels with a model. Arithmetic is float64, results float32.
// Semantics follow scikit-learn (population std, near-constant columns scaled by 1); no sparse input.
import { ArgumentError, DataError, NotFittedError, ShapeError } from '../errors';
import { Tensor } from '../tensor';
import { describe } from '../validate';
import { isFiniteValue, isTextDataset, subset } from './dataset';
import { createRng } from './random';
import type { Dataset, TextDataset } from './types';

export interface SplitOptions {
  /** Fraction of rows in (0, 1) (default 0.2, rounded up as scikit-learn does) or a row count >= 1. */
  testSize?: number;
  /** PRNG seed (default 0): the same seed gives the same split everywhere. */
  seed?: number;
  /** Keep each class's share in both parts (largest-remainder allocation: within 1 row per class). */
  stratify?: boolean;
  /** Default true. false takes the last rows as the test part, in order. */
  shuffle?: boolean;
}

export interface Split<D> {
  train: D;
  test: D;
  /** Row indices into the input dataset. */
  trainIndex: number[];
  testIndex: number[];
}

/** Splits a Dataset or TextDataset into train and test copies. */
export function trainTestSplit<D extends Dataset | TextDataset>(dataset: D, options: SplitOptions = {}): Split<D> {
  if (typeof dataset !== 'object' || dataset === null || !(dataset.y instanceof Float32Array))
    throw new ArgumentError(`Expected a Dataset or TextDataset for dataset but received ${describe(dataset)}`);
  const n = dataset.y.length;
  const testSize = options.testSize ?? 0.2;
  const shuffle = options.shuffle ?? true;
  const seed = options.seed ?? 0;
  let nTest: number;
  if (typeof testSize === 'number' && testSize > 0 && testSize < 1) nTest = Math.ceil(testSize * n);
  else if (typeof testSize === 'number' && Number.isSafeInteger(testSize) && testSize >= 1) nTest = testSize;
  else throw new ArgumentError(`Expected a fraction in (0, 1) or a positive integer for testSize but received ${describe(testSize)}`);
  if (nTest >= n)
    throw new ArgumentError(`Expected testSize to leave at least one training row but testSize ${testSize} of ${n} rows makes ${nTest} test rows`);
  const nTrain = n - nTest;

  let trainIndex: number[];
  let testIndex: number[];
  if (!shuffle) {
    if (options.stratify) throw new ArgumentError('Expected shuffle: true with stratify: true (a stratified split has to pick rows out of order)');
    trainIndex = Array.from({ length: nTrain }, (_, i) => i);
    testIndex = Array.from({ length: nTest }, (_, i) => nTrain + i);
  } else if (options.stratify) {
    const k = isTextDataset(dataset) ? dataset.classes.length : dataset.task === 'classification' ? dataset.classes?.length ?? 0 : 0;
    if (!k) throw new ArgumentError(`Expected a classification dataset for stratify: true but '${dataset.name}' is a regression dataset`);
    const rng = createRng(seed);
    const members: number[][] = Array.from({ length: k }, () => []);
    dataset.y.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= k) throw new DataError(`label of row ${i} is ${describe(c)} but class indices run 0..${k - 1}`);
      members[c].push(i);
    });
    const testPerClass = largestRemainder(members.map((m) => m.length), nTest, rng.permutation(k));
    trainIndex = [];
    testIndex = [];
    members.forEach((rows, c) => {
      rng.shuffle(rows);
      testIndex.push(...rows.slice(0, testPerClass[c]));
      trainIndex.push(...rows.slice(testPerClass[c]));
    });
    rng.shuffle(trainIndex);
    rng.shuffle(testIndex);
  } else {
    const perm = createRng(seed).permutation(n);
    testIndex = perm.slice(0, nTest);
    trainIndex = perm.slice(nTest);
  }
  return { train: subset(dataset, trainIndex), test: subset(dataset, testIndex), trainIndex, testIndex };
}

/** Splits `total` over groups in proportion to `sizes`: floors, then +1 to the largest remainders (ties in `tieOrder`). */
function largestRemainder(sizes: number[], total: number, tieOrder: number[]): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (total * s) / n);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const rank = new Map(tieOrder.map((c, r) => [c, r]));
  const order = sizes.map((_, c) => c).sort((a, b) => exact[b] - out[b] - (exact[a] - out[a]) || rank.get(a)! - rank.get(b)!);
  for (const c of order) {
    if (left === 0) break;
    out[c]++;
    left--;
  }
  return out;
}

/** (n, d) rows of a 2-D tensor, read through its strides. DataError on a non-finite value. */
function readMatrix(x: Tensor, what: string, expectCols?: number): { n: number; d: number; at: (i: number, j: number) => number } {
  if (!(x instanceof Tensor)) throw new ArgumentError(`Expected Tensor for ${what} but received ${describe(x)}`);
  if (x.rank !== 2) throw new ShapeError(`Expected a 2-D tensor (n, d) for ${what} but received shape [${x.shape}]`);
  const [n, d] = x.shape;
  if (expectCols !== undefined && d !== expectCols)
    throw new ShapeError(`Expected ${expectCols} columns (as fitted) for ${what} but received shape [${x.shape}]`);
  const [s0, s1] = x.strides;
  const at = (i: number, j: number) => x.data[x.offset + i * s0 + j * s1];
  for (let i = 0; i < n; ++i)
    for (let j = 0; j < d; ++j)
      if (!isFiniteValue(at(i, j))) throw new DataError(`${what}: row ${i}, column ${j} is ${describe(at(i, j))}; values must be finite`);
  return { n, d, at };
}

/** out[i, j] = f(x[i, j], j) as a new float32 tensor. */
function mapColumns(x: { n: number; d: number; at: (i: number, j: number) => number }, f: (v: number, j: number) => number): Tensor {
  const out = new Float32Array(x.n * x.d);
  for (let i = 0; i < x.n; ++i) for (let j = 0; j < x.d; ++j) out[i * x.d + j] = f(x.at(i, j), j);
  return new Tensor(out, [x.n, x.d]);
}

/** Scales below 10 machine epsilons count as zero and become 1 (scikit-learn's _handle_zeros_in_scale). */
const handleZero = (s: number) => (s < 10 * Number.EPSILON ? 1 : s);

function expectNumbers(spec: Record<string, unknown>, key: string, d?: number): number[] {
  const v = spec[key];
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'number' || !Number.isFinite(e)) || (d !== undefined && v.length !== d))
    throw new ArgumentError(`Expected ${d === undefined ? 'an array' : `${d}`} of finite numbers for spec.${key} but received ${describe(v)}`);
  return v as number[];
}

function expectSpec(spec: unknown, type: string): Record<string, unknown> {
  if (typeof spec !== 'object' || spec === null || (spec as { type?: unknown }).type !== type)
    throw new ArgumentError(`Expected a ${type} spec ({ type: '${type}', ... }) but received ${describe((spec as { type?: unknown })?.type ?? spec)}`);
  return spec as Record<string, unknown>;
}

export interface StandardScalerSpec {
  type: 'StandardScaler';
  withMean: boolean;
  withStd: boolean;
  nSamples: number;
  mean: number[];
  var: number[];
  /** Divisor per column: std, or 1 for near-constant columns (or when withStd is false). */
  scale: number[];
}

/** x' = (x - mean) / std per column (population std); near-constant columns keep scale 1 as in scikit-learn. */
export class StandardScaler {
  readonly withMean: boolean;
  readonly withStd: boolean;
  private state?: { nSamples: number; mean: Float64Array; variance: Float64Array; scale: Float64Array };

  constructor(options: { withMean?: boolean; withStd?: boolean } = {}) {
    this.withMean = options.withMean ?? true;
    this.withStd = options.withStd ?? true;
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  get mean(): Float64Array {
    return this.fittedState().mean.slice();
  }

  get variance(): Float64Array {
    return this.fittedState().variance.slice();
  }

  get scale(): Float64Array {
    return this.fittedState().scale.slice();
  }

  /** Learns column means and standard deviations of x (n, d). */
  fit(x: Tensor): this {
    const m = readMatrix(x, 'x');
    const mean = new Float64Array(m.d), variance = new Float64Array(m.d), scale = new Float64Array(m.d);
    for (let j = 0; j < m.d; ++j) {
      let s = 0;
      for (let i = 0; i < m.n; ++i) s += m.at(i, j);
      mean[j] = s / m.n;
      let ss = 0;
      for (let i = 0; i < m.n; ++i) ss += (m.at(i, j) - mean[j]) ** 2;
      variance[j] = ss / m.n;
      // scikit-learn's _is_constant_feature: the variance is within the two-pass algorithm's rounding error.
      const eps = Number.EPSILON;
      const constant = variance[j] <= m.n * eps * variance[j] + (m.n * mean[j] * eps) ** 2;
      scale[j] = this.withStd && !constant ? Math.sqrt(variance[j]) : 1;
    }
    this.state = { nSamples: m.n, mean, variance, scale };
    return this;
  }

  transform(x: Tensor): Tensor {
    const st = this.fittedState();
    const m = readMatrix(x, 'x', st.mean.length);
    return mapColumns(m, (v, j) => ((this.withMean ? v - st.mean[j] : v) / st.scale[j]));
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  inverseTransform(x: Tensor): Tensor {
    const st = this.fittedState();
    const m = readMatrix(x, 'x', st.mean.length);
    return mapColumns(m, (v, j) => v * st.scale[j] + (this.withMean ? st.mean[j] : 0));
  }

  toJSON(): StandardScalerSpec {
    const st = this.fittedState();
    return {
      type: 'StandardScaler', withMean: this.withMean, withStd: this.withStd, nSamples: st.nSamples,
      mean: Array.from(st.mean), var: Array.from(st.variance), scale: Array.from(st.scale),
    };
  }

  static fromJSON(spec: unknown): StandardScaler {
    const s = expectSpec(spec, 'StandardScaler');
    const mean = expectNumbers(s, 'mean');
    const variance = expectNumbers(s, 'var', mean.length);
    const scale = expectNumbers(s, 'scale', mean.length);
    if (scale.some((v) => v <= 0)) throw new ArgumentError(`Expected positive numbers for spec.scale but received [${scale}]`);
    if (typeof s.withMean !== 'boolean' || typeof s.withStd !== 'boolean')
      throw new ArgumentError(`Expected booleans for spec.withMean and spec.withStd but received ${describe(s.withMean)}, ${describe(s.withStd)}`);
    const scaler = new StandardScaler({ withMean: s.withMean, withStd: s.withStd });
    scaler.state = {
      nSamples: typeof s.nSamples === 'number' ? s.nSamples : 0,
      mean: Float64Array.from(mean), variance: Float64Array.from(variance), scale: Float64Array.from(scale),
    };
    return scaler;
  }

  private fittedState() {
    if (!this.state) throw new NotFittedError('StandardScaler is not fitted: call fit(x) first');
    return this.state;
  }
}

export interface MinMaxScalerSpec {
  type: 'MinMaxScaler';
  featureRange: [number, number];
  clip: boolean;
  nSamples: number;
  dataMin: number[];
  dataMax: number[];
  /** x' = x * scale + min */
  scale: number[];
  min: number[];
}

/** Maps each column's [min, max] onto featureRange (default [0, 1]); constant columns map to its low end. */
export class MinMaxScaler {
  readonly featureRange: [number, number];
  readonly clip: boolean;
  private state?: { nSamples: number; dataMin: Float64Array; dataMax: Float64Array; scale: Float64Array; min: Float64Array };

  constructor(options: { featureRange?: [number, number]; clip?: boolean } = {}) {
    const range = options.featureRange ?? [0, 1];
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[0] < range[1]))
      throw new ArgumentError(`Expected [low, high] with low < high for featureRange but received ${Array.isArray(range) ? `[${range}]` : describe(range)}`);
    this.featureRange = [range[0], range[1]];
    this.clip = options.clip ?? false;
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  get dataMin(): Float64Array {
    return this.fittedState().dataMin.slice();
  }

  get dataMax(): Float64Array {
    return this.fittedState().dataMax.slice();
  }

  fit(x: Tensor): this {
    const m = readMatrix(x, 'x');
    const [lo, hi] = this.featureRange;
    const dataMin = new Float64Array(m.d).fill(Infinity), dataMax = new Float64Array(m.d).fill(-Infinity);
    for (let i = 0; i < m.n; ++i)
      for (let j = 0; j < m.d; ++j) {
        const v = m.at(i, j);
        if (v < dataMin[j]) dataMin[j] = v;
        if (v > dataMax[j]) dataMax[j] = v;
      }
    const scale = dataMin.map((mn, j) => (hi - lo) / handleZero(dataMax[j] - mn));
    const min = dataMin.map((mn, j) => lo - mn * scale[j]);
    this.state = { nSamples: m.n, dataMin, dataMax, scale, min };
    return this;
  }

  transform(x: Tensor): Tensor {
    const st = this.fittedState();
    const [lo, hi] = this.featureRange;
    return mapColumns(readMatrix(x, 'x', st.scale.length), (v, j) => {
      const t = v * st.scale[j] + st.min[j];
      return this.clip ? Math.min(hi, Math.max(lo, t)) : t;
    });
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  inverseTransform(x: Tensor): Tensor {
    const st = this.fittedState();
    return mapColumns(readMatrix(x, 'x', st.scale.length), (v, j) => (v - st.min[j]) / st.scale[j]);
  }

  toJSON(): MinMaxScalerSpec {
    const st = this.fittedState();
    return {
      type: 'MinMaxScaler', featureRange: [...this.featureRange], clip: this.clip, nSamples: st.nSamples,
      dataMin: Array.from(st.dataMin), dataMax: Array.from(st.dataMax), scale: Array.from(st.scale), min: Array.from(st.min),
    };
  }

  static fromJSON(spec: unknown): MinMaxScaler {
    const s = expectSpec(spec, 'MinMaxScaler');
    const range = expectNumbers(s, 'featureRange', 2);
    const dataMin = expectNumbers(s, 'dataMin');
    const d = dataMin.length;
    const dataMax = expectNumbers(s, 'dataMax', d), scale = expectNumbers(s, 'scale', d), min = expectNumbers(s, 'min', d);
    if (scale.some((v) => v === 0)) throw new ArgumentError(`Expected non-zero numbers for spec.scale but received [${scale}]`);
    const scaler = new MinMaxScaler({ featureRange: [range[0], range[1]], clip: s.clip === true });
    scaler.state = {
      nSamples: typeof s.nSamples === 'number' ? s.nSamples : 0,
      dataMin: Float64Array.from(dataMin), dataMax: Float64Array.from(dataMax), scale: Float64Array.from(scale), min: Float64Array.from(min),
    };
    return scaler;
  }

  private fittedState() {
    if (!this.state) throw new NotFittedError('MinMaxScaler is not fitted: call fit(x) first');
    return this.state;
  }
}

export interface LabelEncoderSpec {
  type: 'LabelEncoder';
  classes: string[];
}

/** String labels <-> class indices over their sorted distinct values (like scikit-learn's LabelEncoder). */
export class LabelEncoder {
  private known?: { classes: string[]; index: Map<string, number> };

  get fitted(): boolean {
    return this.known !== undefined;
  }

  get classes(): string[] {
    return this.fittedState().classes.slice();
  }

  fit(labels: readonly string[]): this {
    checkLabels(labels);
    if (labels.length === 0) throw new DataError('LabelEncoder.fit needs at least one label but received an empty array');
    const classes = Array.from(new Set(labels)).sort();
    this.known = { classes, index: new Map(classes.map((c, k) => [c, k])) };
    return this;
  }

  /** Class indices (n) for labels; DataError naming the first unknown label. */
  transform(labels: readonly string[]): Float32Array {
    const st = this.fittedState();
    checkLabels(labels);
    return Float32Array.from(labels, (l, i) => {
      const k = st.index.get(l);
      if (k === undefined)
        throw new DataError(`label ${describe(l)} at position ${i} was not seen by fit(); known labels: ${st.classes.map((c) => `'${c}'`).join(', ')}`);
      return k;
    });
  }

  fitTransform(labels: readonly string[]): Float32Array {
    return this.fit(labels).transform(labels);
  }

  inverseTransform(indices: ArrayLike<number>): string[] {
    const st = this.fittedState();
    return Array.from(indices, (k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= st.classes.length)
        throw new ArgumentError(`Expected class index in [0, ${st.classes.length}) at position ${i} but received ${describe(k)}`);
      return st.classes[k];
    });
  }

  toJSON(): LabelEncoderSpec {
    return { type: 'LabelEncoder', classes: this.classes };
  }

  static fromJSON(spec: unknown): LabelEncoder {
    const s = expectSpec(spec, 'LabelEncoder');
    if (!Array.isArray(s.classes) || s.classes.length === 0 || s.classes.some((c) => typeof c !== 'string') || new Set(s.classes).size !== s.classes.length)
      throw new ArgumentError(`Expected distinct strings for spec.classes but received ${describe(s.classes)}`);
    const enc = new LabelEncoder();
    const classes = (s.classes as string[]).slice();
    enc.known = { classes, index: new Map(classes.map((c, k) => [c, k])) };
    return enc;
  }

  private fittedState() {
    if (!this.known) throw new NotFittedError('LabelEncoder is not fitted: call fit(labels) first');
    return this.known;
  }
}

function checkLabels(labels: readonly string[]): void {
  if (!Array.isArray(labels)) throw new ArgumentError(`Expected an array of strings for labels but received ${describe(labels)}`);
  labels.forEach((l, i) => {
    if (typeof l !== 'string') throw new ArgumentError(`Expected string labels but position ${i} holds ${describe(l)}`);
  });
}

export interface OneHotEncoderSpec {
  type: 'OneHotEncoder';
  categories: number[];
  handleUnknown: 'error' | 'ignore';
}

export interface OneHotEncoderOptions {
  /** 'error' (default): an unseen category throws DataError; 'ignore': its row is all zeros. */
  handleUnknown?: 'error' | 'ignore';
  /** Fixed categories instead of learning them: k means 0..k-1 (class indices), or an explicit list. */
  categories?: number | number[];
}

/** Category values (class indices, usually) -> one-hot rows (n, k), columns in sorted category order. */
export class OneHotEncoder {
  readonly handleUnknown: 'error' | 'ignore';
  private known?: { categories: number[]; index: Map<number, number> };

  constructor(options: OneHotEncoderOptions = {}) {
    const h = options.handleUnknown ?? 'error';
    if (h !== 'error' && h !== 'ignore') throw new ArgumentError(`Expected 'error' or 'ignore' for handleUnknown but received ${describe(h)}`);
    this.handleUnknown = h;
    const c = options.categories;
    if (c !== undefined) {
      const list = typeof c === 'number' ? (Number.isSafeInteger(c) && c > 0 ? Array.from({ length: c }, (_, k) => k) : null) : Array.isArray(c) ? c : null;
      if (!list || list.length === 0 || list.some((v) => !Number.isFinite(v)) || new Set(list).size !== list.length)
        throw new ArgumentError(`Expected a positive integer or distinct finite numbers for categories but received ${describe(c)}`);
      this.setCategories(list);
    }
  }

  get fitted(): boolean {
    return this.known !== undefined;
  }

  get categories(): number[] {
    return this.fittedState().categories.slice();
  }

  /** Learns the sorted distinct values (a no-op when categories were given). */
  fit(values: ArrayLike<number>): this {
    checkValues(values);
    if (this.known) return this;
    if (values.length === 0) throw new DataError('OneHotEncoder.fit needs at least one value but received none');
    this.setCategories(Array.from(new Set(Array.from(values))));
    return this;
  }

  /** (n, k) float32 one-hot rows. */
  transform(values: ArrayLike<number>): Tensor {
    const st = this.fittedState();
    checkValues(values);
    const k = st.categories.length;
    if (values.length === 0) throw new DataError('OneHotEncoder.transform needs at least one value but received none');
    const out = new Float32Array(values.length * k);
    for (let i = 0; i < values.length; ++i) {
      const c = st.index.get(values[i]);
      if (c !== undefined) out[i * k + c] = 1;
      else if (this.handleUnknown === 'error')
        throw new DataError(`value ${describe(values[i])} at position ${i} is not a known category (${st.categories.join(', ')}); pass handleUnknown: 'ignore' to encode it as all zeros`);
    }
    return new Tensor(out, [values.length, k]);
  }

  fitTransform(values: ArrayLike<number>): Tensor {
    return this.fit(values).transform(values);
  }

  /** The category of each row's largest entry; NaN for an all-zero row (an ignored unknown). */
  inverseTransform(x: Tensor): Float32Array {
    const st = this.fittedState();
    const m = readMatrix(x, 'x', st.categories.length);
    const out = new Float32Array(m.n);
    for (let i = 0; i < m.n; ++i) {
      let best = -1, bestValue = 0;
      for (let j = 0; j < m.d; ++j) if (m.at(i, j) > bestValue) { best = j; bestValue = m.at(i, j); }
      out[i] = best < 0 ? NaN : st.categories[best];
    }
    return out;
  }

  toJSON(): OneHotEncoderSpec {
    return { type: 'OneHotEncoder', categories: this.categories, handleUnknown: this.handleUnknown };
  }

  static fromJSON(spec: unknown): OneHotEncoder {
    const s = expectSpec(spec, 'OneHotEncoder');
    return new OneHotEncoder({ categories: expectNumbers(s, 'categories'), handleUnknown: s.handleUnknown as 'error' | 'ignore' });
  }

  private setCategories(list: number[]): void {
    const categories = list.slice().sort((a, b) => a - b);
    this.known = { categories, index: new Map(categories.map((c, k) => [c, k])) };
  }

  private fittedState() {
    if (!this.known) throw new NotFittedError('OneHotEncoder is not fitted: call fit(values) first or pass categories');
    return this.known;
  }
}

function checkValues(values: ArrayLike<number>): void {
  if (typeof values !== 'object' || values === null || typeof values.length !== 'number')
    throw new ArgumentError(`Expected an array of numbers for values but received ${describe(values)}`);
  for (let i = 0; i < values.length; ++i)
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i]))
      throw new ArgumentError(`Expected finite numbers for values but position ${i} holds ${describe(values[i])}`);
}
