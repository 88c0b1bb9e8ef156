// Multinomial naive Bayes over sparse count (or tf-idf) features, with scikit-learn's
// MultinomialNB smoothing, priors and normalisation; JSON round trip bit for bit.
// Not here: partial_fit / online updates, sample weights, Bernoulli or Gaussian variants.
import { ArgumentError, DataError, NotFittedError, ShapeError } from '../errors';
import { Tensor } from '../tensor';
import { describe, expectFiniteNumber, expectPositiveInt } from '../validate';
import { decodeFloat32, decodeFloat64, encodeArray, EncodedArray } from './encoding';
import { CsrMatrix, csrTimesDenseT } from './sparse';

export interface MultinomialNBOptions {
  /** Additive (Laplace/Lidstone) smoothing, >= 0 (default 1). Values below 1e-10 become 1e-10. */
  alpha?: number;
  /** Learn class priors from the class counts (default true); false gives uniform priors. */
  fitPrior?: boolean;
  /** Fixed class priors, one per class, used instead of learned ones. */
  classPrior?: readonly number[] | null;
}

export interface MultinomialNBJSON {
  type: 'MultinomialNB';
  version: 1;
  options: { alpha: number; fitPrior: boolean; classPrior: number[] | null };
  nClasses: number;
  nFeatures: number;
  classCount: number[];
  /** (nClasses, nFeatures) row-major. */
  featureLogProb: EncodedArray;
  classLogPrior: EncodedArray;
}

const ALPHA_MIN = 1e-10;

/**
 * P(class | x) ∝ prior · Π θ_cj^x_j with θ_cj = (N_cj + alpha) / (N_c + alpha · features),
 * N_cj the summed feature j of class c's training rows. Classes are indices 0..k-1.
 */
export class MultinomialNB {
  readonly alpha: number;
  readonly fitPrior: boolean;
  readonly classPrior: readonly number[] | null;
  private flp: Tensor | null = null; // (k, d) log θ
  private logPrior: Float64Array | null = null; // (k)
  private counts: Float64Array | null = null; // (k) training rows per class

  constructor(options: MultinomialNBOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`Expected an options object but received ${describe(options)}`);
    const alpha = expectFiniteNumber('alpha', options.alpha ?? 1);
    if (alpha < 0) throw new ArgumentError(`Expected alpha >= 0 but received ${alpha}`);
    this.alpha = alpha;
    if (options.fitPrior !== undefined && typeof options.fitPrior !== 'boolean')
      throw new ArgumentError(`Expected boolean for fitPrior but received ${describe(options.fitPrior)}`);
    this.fitPrior = options.fitPrior ?? true;
    const prior = options.classPrior ?? null;
    if (prior !== null) {
      if (!Array.isArray(prior) || prior.length === 0 || !prior.every((p) => typeof p === 'number' && p >= 0 && Number.isFinite(p)))
        throw new ArgumentError(`Expected an array of non-negative numbers for classPrior but received ${describe(prior)}`);
    }
    this.classPrior = prior === null ? null : Object.freeze(prior.slice());
  }

  get isFitted(): boolean {
    return this.flp !== null;
  }

  get nClasses(): number {
    return this.fitted().flp.shape[0];
  }

  get nFeatures(): number {
    return this.fitted().flp.shape[1];
  }

  /** log θ, (nClasses, nFeatures); a view of the model's own weights: do not write. */
  get featureLogProb(): Tensor {
    return this.fitted().flp;
  }

  get classLogPrior(): Float64Array {
    return this.fitted().logPrior.slice();
  }

  /** Training rows per class. */
  get classCount(): Float64Array {
    return this.fitted().counts.slice();
  }

  /**
   * x (n, d) non-negative features, y (n) class indices. nClasses defaults to max(y) + 1; a
   * class with no rows gets a uniform θ and, with fitPrior, a prior of 0.
   */
  fit(x: CsrMatrix, y: Float32Array, nClasses?: number): this {
    if (!(x instanceof CsrMatrix)) throw new ArgumentError(`Expected CsrMatrix for x but received ${describe(x)}`);
    if (!(y instanceof Float32Array)) throw new ArgumentError(`Expected Float32Array of class indices for y but received ${describe(y)}`);
    if (y.length !== x.rows) throw new ShapeError(`Expected y to have ${x.rows} labels (the rows of x) but received ${y.length}`);
    let maxLabel = 0;
    for (let i = 0; i < y.length; ++i) {
      if (!Number.isInteger(y[i]) || y[i] < 0) throw new DataError(`Expected y[${i}] to be a class index (integer >= 0) but received ${describe(y[i])}`);
      maxLabel = Math.max(maxLabel, y[i]);
    }
    const k = nClasses === undefined ? maxLabel + 1 : expectPositiveInt('nClasses', nClasses);
    if (maxLabel >= k) throw new DataError(`Expected class indices below nClasses = ${k} but y holds ${maxLabel}`);
    if (this.classPrior !== null && this.classPrior.length !== k)
      throw new ShapeError(`Expected classPrior with ${k} values (one per class) but received ${this.classPrior.length}`);
    x.assertNonNegative('MultinomialNB');
    const d = x.cols;
    const fc = new Float64Array(k * d), cc = new Float64Array(k);
    for (let r = 0; r < x.rows; ++r) {
      const c = y[r];
      cc[c]++;
      for (let p = x.indptr[r]; p < x.indptr[r + 1]; ++p) fc[c * d + x.indices[p]] += x.values[p];
    }
    const alpha = Math.max(this.alpha, ALPHA_MIN);
    const flp = new Float32Array(k * d);
    for (let c = 0; c < k; ++c) {
      let total = 0;
      for (let j = 0; j < d; ++j) total += fc[c * d + j] + alpha;
      const logTotal = Math.log(total);
      for (let j = 0; j < d; ++j) flp[c * d + j] = Math.log(fc[c * d + j] + alpha) - logTotal;
    }
    const logPrior = new Float64Array(k);
    if (this.classPrior !== null) this.classPrior.forEach((p, c) => (logPrior[c] = Math.log(p)));
    else if (this.fitPrior) for (let c = 0; c < k; ++c) logPrior[c] = Math.log(cc[c]) - Math.log(y.length);
    else logPrior.fill(-Math.log(k));
    this.flp = new Tensor(flp, [k, d]);
    this.logPrior = logPrior;
    this.counts = cc;
    return this;
  }

  /** Unnormalised log P(x, class) = x · log θᵀ + log prior, (n, k), in double. */
  jointLogLikelihood(x: CsrMatrix): Float64Array {
    const { flp, logPrior } = this.fitted();
    if (!(x instanceof CsrMatrix)) throw new ArgumentError(`Expected CsrMatrix for x but received ${describe(x)}`);
    if (x.cols !== flp.shape[1]) throw new ShapeError(`Expected x with ${flp.shape[1]} features (as fitted) but received ${x.cols}`);
    const k = flp.shape[0];
    const prod = csrTimesDenseT(x, flp).data; // (n, k)
    const jll = new Float64Array(prod.length);
    for (let i = 0; i < prod.length; ++i) jll[i] = prod[i] + logPrior[i % k];
    return jll;
  }

  /** log P(class | x), (n, k): the joint log-likelihood minus its logsumexp per row. */
  predictLogProba(x: CsrMatrix): Tensor {
    const jll = this.jointLogLikelihood(x);
    const k = this.nClasses, n = x.rows;
    const out = new Float32Array(n * k);
    for (let r = 0; r < n; ++r) {
      let max = -Infinity;
      for (let c = 0; c < k; ++c) max = Math.max(max, jll[r * k + c]);
      let s = 0;
      for (let c = 0; c < k; ++c) s += Math.exp(jll[r * k + c] - max);
      const lse = max + Math.log(s);
      for (let c = 0; c < k; ++c) out[r * k + c] = jll[r * k + c] - lse;
    }
    return new Tensor(out, [n, k]);
  }

  /** P(class | x), (n, k); rows sum to 1. */
  predictProba(x: CsrMatrix): Tensor {
    const lp = this.predictLogProba(x);
    const d = lp.data;
    for (let i = 0; i < d.length; ++i) d[i] = Math.exp(d[i]);
    return lp;
  }

  /** The most probable class per row (the lowest index on ties). */
  predict(x: CsrMatrix): Float32Array {
    const jll = this.jointLogLikelihood(x);
    const k = this.nClasses;
    const out = new Float32Array(x.rows);
    for (let r = 0; r < x.rows; ++r) {
      let best = 0;
      for (let c = 1; c < k; ++c) if (jll[r * k + c] > jll[r * k + best]) best = c;
      out[r] = best;
    }
    return out;
  }

  toJSON(): MultinomialNBJSON {
    const { flp, logPrior, counts } = this.fitted();
    return {
      type: 'MultinomialNB',
      version: 1,
      options: { alpha: this.alpha, fitPrior: this.fitPrior, classPrior: this.classPrior ? this.classPrior.slice() : null },
      nClasses: flp.shape[0],
      nFeatures: flp.shape[1],
      classCount: Array.from(counts),
      featureLogProb: encodeArray(flp.data),
      classLogPrior: encodeArray(logPrior),
    };
  }

  static fromJSON(json: MultinomialNBJSON): MultinomialNB {
    if (typeof json !== 'object' || json === null || json.type !== 'MultinomialNB' || json.version !== 1)
      throw new DataError(`Expected a MultinomialNB JSON (type 'MultinomialNB', version 1) but received ${describe(json)}`);
    const nb = new MultinomialNB(json.options);
    const k = expectPositiveInt('nClasses', json.nClasses), d = expectPositiveInt('nFeatures', json.nFeatures);
    if (!Array.isArray(json.classCount) || json.classCount.length !== k)
      throw new DataError(`Expected classCount with ${k} numbers but received ${describe(json.classCount)}`);
    nb.flp = new Tensor(decodeFloat32('featureLogProb', json.featureLogProb, k * d), [k, d]);
    nb.logPrior = decodeFloat64('classLogPrior', json.classLogPrior, k);
    nb.counts = Float64Array.from(json.classCount);
    return nb;
  }

  private fitted(): { flp: Tensor; logPrior: Float64Array; counts: Float64Array } {
    if (this.flp === null || this.logPrior === null || this.counts === null)
      throw new NotFittedError('MultinomialNB is not fitted: call fit() first');
    return { flp: this.flp, logPrior: this.logPrior, counts: this.counts };
  }
}
