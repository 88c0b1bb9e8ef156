// LinearRegression (exact least squares by Householder QR or normal equations + Cholesky, with
// ridge; or batch / mini-batch gradient descent) and LogisticRegression (binary sigmoid or
// multinomial softmax, L2 with scikit-learn's C, L-BFGS or mini-batch gradient solvers).
// Large products (X·Wᵀ, Gᵀ·X) run on the native GEMM; the rest is float64 JS.
import { ArgumentError } from '../errors';
import { matmulSync } from '../ops';
import { Tensor } from '../tensor';
import { expectOneOf, expectPositiveInt } from '../validate';
import { classIndices, features, lbfgs, mulberry32, requireFitted, shuffled, targets } from './common';

// ------------------------------------------------------------------------------------------
// LinearRegression

export interface LinearRegressionOptions {
  /** 'exact': least squares (QR, or normal equations + Cholesky for large problems); 'gd': gradient descent. */
  solver?: 'exact' | 'gd';
  /** Ridge penalty l2·||w||² (not on the intercept). */
  l2?: number;
  fitIntercept?: boolean;
  /** gd: learning rate, epochs, batch size (default: the whole set = batch gradient descent), seed. */
  lr?: number;
  epochs?: number;
  batchSize?: number;
  seed?: number;
}

export interface LinearRegressionJson {
  kind: 'linear-regression';
  coef: number[];
  intercept: number;
  options: LinearRegressionOptions;
}

export class LinearRegression {
  coef: Float64Array = new Float64Array(0);
  intercept = 0;
  private fitted = false;
  readonly options: Required<Omit<LinearRegressionOptions, 'batchSize'>> & { batchSize?: number };

  constructor(options: LinearRegressionOptions = {}) {
    const solver = expectOneOf('solver', options.solver ?? 'exact', ['exact', 'gd'] as const);
    const l2 = options.l2 ?? 0;
    if (typeof l2 !== 'number' || !(l2 >= 0)) throw new ArgumentError(`Expected l2 >= 0 but received ${l2}`);
    this.options = {
      solver, l2, fitIntercept: options.fitIntercept ?? true, lr: options.lr ?? 0.01,
      epochs: expectPositiveInt('epochs', options.epochs ?? 1000), batchSize: options.batchSize, seed: options.seed ?? 0,
    };
  }

  fit(x: Tensor, y: Float32Array | number[] | Tensor): this {
    const { X, n, d } = features(x, 'x');
    const t = targets(y, n, 'y');
    if (n < 1) throw new ArgumentError('fit needs at least one row');
    // Centre so the intercept is not penalised and the system is well conditioned.
    const xMean = new Float64Array(d);
    let yMean = 0;
    if (this.options.fitIntercept) {
      for (let i = 0; i < n; ++i) for (let j = 0; j < d; ++j) xMean[j] += X[i * d + j];
      for (let j = 0; j < d; ++j) xMean[j] /= n;
      for (let i = 0; i < n; ++i) yMean += t[i];
      yMean /= n;
    }
    const yc = t.map((v) => v - yMean);
    const w = this.options.solver === 'exact' ? this.solveExact(X, n, d, xMean, yc) : this.solveGd(X, n, d, xMean, yc);
    this.coef = w;
    let b = yMean;
    for (let j = 0; j < d; ++j) b -= w[j] * xMean[j];
    this.intercept = this.options.fitIntercept ? b : 0;
    this.fitted = true;
    return this;
  }

  predict(x: Tensor): Float32Array {
    requireFitted(this.fitted, 'LinearRegression');
    const { X, n, d } = features(x, 'x', this.coef.length);
    const out = new Float32Array(n);
    for (let i = 0; i < n; ++i) {
      let s = this.intercept;
      for (let j = 0; j < d; ++j) s += X[i * d + j] * this.coef[j];
      out[i] = s;
    }
    return out;
  }

  /** MSE, MAE and R² on (x, y). */
  evaluate(x: Tensor, y: Float32Array | number[] | Tensor): { mse: number; mae: number; r2: number } {
    const p = this.predict(x);
    const t = targets(y, p.length, 'y');
    let se = 0, ae = 0, mean = 0;
    for (let i = 0; i < t.length; ++i) mean += t[i];
    mean /= t.length;
    let ss = 0;
    for (let i = 0; i < t.length; ++i) {
      se += (p[i] - t[i]) ** 2;
      ae += Math.abs(p[i] - t[i]);
      ss += (t[i] - mean) ** 2;
    }
    return { mse: se / t.length, mae: ae / t.length, r2: ss > 0 ? 1 - se / ss : 0 };
  }

  toJSON(): LinearRegressionJson {
    requireFitted(this.fitted, 'LinearRegression');
    return { kind: 'linear-regression', coef: Array.from(this.coef), intercept: this.intercept, options: { ...this.options } };
  }

  static fromJSON(j: LinearRegressionJson): LinearRegression {
    if (!j || j.kind !== 'linear-regression') throw new ArgumentError("Expected a JSON object of kind 'linear-regression'");
    const m = new LinearRegression(j.options);
    m.coef = Float64Array.from(j.coef);
    m.intercept = j.intercept;
    m.fitted = true;
    return m;
  }

  private solveExact(X: Float32Array, n: number, d: number, xMean: Float64Array, yc: Float64Array): Float64Array {
    const l2 = this.options.l2;
    if (n * d * d <= 2e8) {
      // Householder QR of [Xc; sqrt(l2) I] in float64: solves least squares without squaring
      // the condition number (what scikit-learn's lstsq-based solver is compared against).
      const m = n + (l2 > 0 ? d : 0);
      const A = new Float64Array(m * d), b = new Float64Array(m);
      for (let i = 0; i < n; ++i) {
        for (let j = 0; j < d; ++j) A[i * d + j] = X[i * d + j] - xMean[j];
        b[i] = yc[i];
      }
      if (l2 > 0) for (let j = 0; j < d; ++j) A[(n + j) * d + j] = Math.sqrt(l2);
      return householderLstsq(A, b, m, d);
    }
    // Large: normal equations with the GEMM, solved by Cholesky in float64.
    const Xc = new Float32Array(n * d);
    for (let i = 0; i < n; ++i) for (let j = 0; j < d; ++j) Xc[i * d + j] = X[i * d + j] - xMean[j];
    const xt = new Tensor(Xc, [n, d]);
    const G = matmulSync(xt.transpose(), xt);
    const A = new Float64Array(d * d);
    for (let i = 0; i < d * d; ++i) A[i] = G.data[i];
    for (let j = 0; j < d; ++j) A[j * d + j] += l2;
    const rhs = new Float64Array(d);
    for (let i = 0; i < n; ++i) for (let j = 0; j < d; ++j) rhs[j] += Xc[i * d + j] * yc[i];
    return choleskySolve(A, rhs, d);
  }

  private solveGd(X: Float32Array, n: number, d: number, xMean: Float64Array, yc: Float64Array): Float64Array {
    const { lr, epochs, l2, seed } = this.options;
    const B = Math.min(n, this.options.batchSize ?? n);
    const w = new Float64Array(d), g = new Float64Array(d);
    const rand = mulberry32(seed);
    for (let e = 0; e < epochs; ++e) {
      const order = B < n ? shuffled(n, rand) : null;
      for (let start = 0; start < n; start += B) {
        const end = Math.min(n, start + B);
        g.fill(0);
        for (let r = start; r < end; ++r) {
          const i = order ? order[r] : r;
          let err = -yc[i];
          for (let j = 0; j < d; ++j) err += (X[i * d + j] - xMean[j]) * w[j];
          for (let j = 0; j < d; ++j) g[j] += err * (X[i * d + j] - xMean[j]);
        }
        const scale = 2 / (end - start);
        for (let j = 0; j < d; ++j) w[j] -= lr * (scale * g[j] + 2 * l2 * w[j]);
      }
      if (!w.every(Number.isFinite))
        throw new ArgumentError(`gradient descent diverged in epoch ${e + 1}: lower lr (now ${lr}) or standardise the features`);
    }
    return w;
  }
}

function householderLstsq(A: Float64Array, b: Float64Array, m: number, d: number): Float64Array {
  const p = Math.min(m, d);
  for (let k = 0; k < p; ++k) {
    let norm = 0;
    for (let i = k; i < m; ++i) norm += A[i * d + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = A[k * d + k] > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; ++i) v[i - k] = A[i * d + k];
    v[0] -= alpha;
    let vv = 0;
    for (const x of v) vv += x * x;
    if (vv === 0) continue;
    for (let j = k; j < d; ++j) {
      let s = 0;
      for (let i = k; i < m; ++i) s += v[i - k] * A[i * d + j];
      s = (2 * s) / vv;
      for (let i = k; i < m; ++i) A[i * d + j] -= s * v[i - k];
    }
    let s = 0;
    for (let i = k; i < m; ++i) s += v[i - k] * b[i];
    s = (2 * s) / vv;
    for (let i = k; i < m; ++i) b[i] -= s * v[i - k];
  }
  const w = new Float64Array(d);
  let maxDiag = 0;
  for (let k = 0; k < p; ++k) maxDiag = Math.max(maxDiag, Math.abs(A[k * d + k]));
  for (let k = p - 1; k >= 0; --k) {
    const r = A[k * d + k];
    if (Math.abs(r) <= 1e-12 * maxDiag) continue; // rank deficient: leave this coefficient at 0
    let s = b[k];
    for (let j = k + 1; j < d; ++j) s -= A[k * d + j] * w[j];
    w[k] = s / r;
  }
  return w;
}

function choleskySolve(A: Float64Array, b: Float64Array, d: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; ++i)
    for (let j = 0; j <= i; ++j) {
      let s = A[i * d + j];
      for (let k = 0; k < j; ++k) s -= L[i * d + k] * L[j * d + k];
      if (i === j) {
        if (s <= 0) throw new ArgumentError('the normal equations are singular: features are collinear; add l2 > 0 (ridge)');
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / L[j * d + j];
    }
  const z = new Float64Array(d);
  for (let i = 0; i < d; ++i) {
    let s = b[i];
    for (let k = 0; k < i; ++k) s -= L[i * d + k] * z[k];
    z[i] = s / L[i * d + i];
  }
  const w = new Float64Array(d);
  for (let i = d - 1; i >= 0; --i) {
    let s = z[i];
    for (let k = i + 1; k < d; ++k) s -= L[k * d + i] * w[k];
    w[i] = s / L[i * d + i];
  }
  return w;
}

// ------------------------------------------------------------------------------------------
// LogisticRegression

export interface LogisticRegressionOptions {
  /** Inverse L2 strength, scikit-learn's C: minimises mean log-loss + ||W||² / (2·C·n). */
  C?: number;
  solver?: 'lbfgs' | 'minibatch';
  maxIter?: number;
  /** lbfgs: stop when max |gradient| <= tol (scikit-learn's default 1e-4). */
  tol?: number;
  fitIntercept?: boolean;
  /** minibatch: learning rate, epochs, batch size, seed. */
  lr?: number;
  epochs?: number;
  batchSize?: number;
  seed?: number;
}

export interface LogisticRegressionJson {
  kind: 'logistic-regression';
  classes: number;
  features: number;
  /** (rows, features) row-major: 1 row for binary, one per class otherwise. */
  coef: number[];
  intercept: number[];
  options: LogisticRegressionOptions;
}

export class LogisticRegression {
  /** (rows, d): 1 row (binary, sigmoid) or k rows (softmax). */
  coef: Float64Array = new Float64Array(0);
  intercept: Float64Array = new Float64Array(0);
  classes = 0;
  nIter = 0;
  converged = false;
  private d = 0;
  private fitted = false;
  readonly options: Required<LogisticRegressionOptions>;

  constructor(options: LogisticRegressionOptions = {}) {
    const C = options.C ?? 1;
    if (typeof C !== 'number' || !(C > 0)) throw new ArgumentError(`Expected C > 0 but received ${C}`);
    this.options = {
      C, solver: expectOneOf('solver', options.solver ?? 'lbfgs', ['lbfgs', 'minibatch'] as const),
      maxIter: expectPositiveInt('maxIter', options.maxIter ?? 100), tol: options.tol ?? 1e-4,
      fitIntercept: options.fitIntercept ?? true, lr: options.lr ?? 0.1, epochs: expectPositiveInt('epochs', options.epochs ?? 100),
      batchSize: expectPositiveInt('batchSize', options.batchSize ?? 32), seed: options.seed ?? 0,
    };
  }

  private get rows(): number {
    return this.classes === 2 ? 1 : this.classes;
  }

  /** y: class indices 0..k-1 (k >= 2). */
  fit(x: Tensor, y: Float32Array | number[] | Tensor, classes?: number): this {
    const { X, n, d } = features(x, 'x');
    const { y: yi, k: kSeen } = classIndices(y, n, 'y');
    const k = classes ?? kSeen;
    if (k < 2) throw new ArgumentError(`LogisticRegression needs at least 2 classes but y has ${k}`);
    this.classes = k;
    this.d = d;
    const R = this.rows, P = R * (d + 1);
    const xt = new Tensor(X, [n, d]);
    const fg = (w: Float64Array, g: Float64Array, rows?: Int32Array) => this.lossGrad(w, g, xt, X, yi, rows);
    let w = new Float64Array(P);
    if (this.options.solver === 'lbfgs') {
      const r = lbfgs(fg, w, { maxIter: this.options.maxIter, gtol: this.options.tol });
      w = Float64Array.from(r.w);
      this.nIter = r.iterations;
      this.converged = r.converged;
    } else {
      const rand = mulberry32(this.options.seed);
      const g = new Float64Array(P);
      const B = Math.min(n, this.options.batchSize);
      for (let e = 0; e < this.options.epochs; ++e) {
        const order = shuffled(n, rand);
        for (let s = 0; s < n; s += B) {
          fg(w, g, order.subarray(s, Math.min(n, s + B)));
          for (let j = 0; j < P; ++j) w[j] -= this.options.lr * g[j];
        }
      }
      this.nIter = this.options.epochs;
      this.converged = true;
    }
    this.coef = w.subarray(0, R * d).slice();
    this.intercept = w.subarray(R * d).slice();
    this.fitted = true;
    return this;
  }

  /** (n, k) class probabilities. */
  predictProba(x: Tensor): Tensor {
    requireFitted(this.fitted, 'LogisticRegression');
    const { X, n } = features(x, 'x', this.d);
    const logits = this.logits(new Tensor(X, [n, this.d]), Float64Array.from([...this.coef, ...this.intercept]));
    const out = new Float32Array(n * this.classes);
    for (let i = 0; i < n; ++i) {
      if (this.classes === 2) {
        const p = 1 / (1 + Math.exp(-logits[i]));
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      } else {
        const row = logits.subarray(i * this.classes, (i + 1) * this.classes);
        const mx = row.reduce((a, b) => Math.max(a, b), -Infinity);
        let s = 0;
        for (let j = 0; j < this.classes; ++j) s += Math.exp(row[j] - mx);
        for (let j = 0; j < this.classes; ++j) out[i * this.classes + j] = Math.exp(row[j] - mx) / s;
      }
    }
    return new Tensor(out, [n, this.classes]);
  }

  predict(x: Tensor): Float32Array {
    const p = this.predictProba(x);
    const [n, k] = p.shape;
    const out = new Float32Array(n);
    for (let i = 0; i < n; ++i) {
      let best = 0;
      for (let j = 1; j < k; ++j) if (p.data[i * k + j] > p.data[i * k + best]) best = j;
      out[i] = best;
    }
    return out;
  }

  evaluate(x: Tensor, y: Float32Array | number[] | Tensor): { accuracy: number; logLoss: number } {
    const p = this.predictProba(x);
    const [n, k] = p.shape;
    const { y: yi } = classIndices(y, n, 'y');
    let correct = 0, ll = 0;
    for (let i = 0; i < n; ++i) {
      let best = 0;
      for (let j = 1; j < k; ++j) if (p.data[i * k + j] > p.data[i * k + best]) best = j;
      if (best === yi[i]) correct++;
      ll -= Math.log(Math.max(p.data[i * k + yi[i]], 1e-15));
    }
    return { accuracy: correct / n, logLoss: ll / n };
  }

  toJSON(): LogisticRegressionJson {
    requireFitted(this.fitted, 'LogisticRegression');
    return { kind: 'logistic-regression', classes: this.classes, features: this.d, coef: Array.from(this.coef), intercept: Array.from(this.intercept), options: { ...this.options } };
  }

  static fromJSON(j: LogisticRegressionJson): LogisticRegression {
    if (!j || j.kind !== 'logistic-regression') throw new ArgumentError("Expected a JSON object of kind 'logistic-regression'");
    const m = new LogisticRegression(j.options);
    m.classes = j.classes;
    m.d = j.features;
    m.coef = Float64Array.from(j.coef);
    m.intercept = Float64Array.from(j.intercept);
    m.fitted = true;
    return m;
  }

  /** logits (n, rows) = X · Wᵀ + b on the native GEMM. */
  private logits(xt: Tensor, w: Float64Array): Float64Array {
    const R = this.rows, d = this.d;
    const W = new Tensor(Float32Array.from(w.subarray(0, R * d)), [R, d]);
    const z = matmulSync(xt, W.transpose());
    const out = new Float64Array(z.data.length);
    for (let i = 0; i < z.data.length; ++i) out[i] = z.data[i] + (this.options.fitIntercept ? w[R * d + (i % R)] : 0);
    return out;
  }

  /** Mean log-loss + ||W||²/(2Cn) and its gradient; `rows` restricts to a mini-batch. */
  private lossGrad(w: Float64Array, g: Float64Array, xt: Tensor, X: Float32Array, y: Int32Array, rows?: Int32Array): number {
    const R = this.rows, d = this.d, N = xt.shape[0];
    let sub = xt, yy = y;
    if (rows) {
      const Xb = new Float32Array(rows.length * d);
      yy = new Int32Array(rows.length);
      rows.forEach((r, i) => {
        Xb.set(X.subarray(r * d, (r + 1) * d), i * d);
        yy[i] = y[r];
      });
      sub = new Tensor(Xb, [rows.length, d]);
    }
    const n = sub.shape[0];
    const z = this.logits(sub, w);
    const G = new Float32Array(n * R); // dLoss/dlogits, averaged over the batch
    let loss = 0;
    for (let i = 0; i < n; ++i) {
      if (R === 1) {
        const zi = z[i], t = yy[i];
        // log(1 + e^z) - t z, stably
        loss += (zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi))) - t * zi;
        G[i] = (1 / (1 + Math.exp(-zi)) - t) / n;
      } else {
        let mx = -Infinity;
        for (let j = 0; j < R; ++j) mx = Math.max(mx, z[i * R + j]);
        let s = 0;
        for (let j = 0; j < R; ++j) s += Math.exp(z[i * R + j] - mx);
        const lse = mx + Math.log(s);
        loss += lse - z[i * R + yy[i]];
        for (let j = 0; j < R; ++j) G[i * R + j] = (Math.exp(z[i * R + j] - lse) - (j === yy[i] ? 1 : 0)) / n;
      }
    }
    loss /= n;
    // gW (R, d) = Gᵀ (R, n) · X (n, d)
    const gW = matmulSync(new Tensor(G, [n, R]).transpose(), sub);
    const reg = 1 / (this.options.C * N);
    let pen = 0;
    for (let j = 0; j < R * d; ++j) {
      g[j] = gW.data[j] + reg * w[j];
      pen += w[j] * w[j];
    }
    for (let r = 0; r < R; ++r) {
      let s = 0;
      if (this.options.fitIntercept) for (let i = 0; i < n; ++i) s += G[i * R + r];
      g[R * d + r] = s;
    }
    return loss + 0.5 * reg * pen;
  }
}
