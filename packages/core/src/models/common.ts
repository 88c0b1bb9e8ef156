// Shared plumbing of the classical models: input checks with messages that name the row/column
// to fix, a seeded PRNG for the iterative solvers, and float64 views of float32 tensors.
import { ArgumentError, DataError, NotFittedError, ShapeError } from '../errors';
import { Tensor } from '../tensor';
import { describe } from '../validate';

export { mulberry32 } from '../data/random';

/** Contiguous float32 rows of a 2-D tensor, checked for non-finite values unless `finite` is
 *  false (callers whose engine call checks them itself). */
export function features(x: unknown, name: string, cols?: number, { finite = true } = {}): { X: Float32Array; n: number; d: number } {
  if (!(x instanceof Tensor)) throw new ArgumentError(`Expected Tensor for ${name} but received ${describe(x)}`);
  if (x.rank !== 2) throw new ShapeError(`Expected ${name} of shape [n, d] but received [${x.shape}]`);
  const [n, d] = x.shape;
  if (cols !== undefined && d !== cols) throw new ShapeError(`Expected ${name} with ${cols} features (shape [n, ${cols}]) but received [${x.shape}]`);
  const X = x.values();
  if (finite)
    for (let i = 0; i < X.length; ++i)
      if (!Number.isFinite(X[i]))
        throw new DataError(`${name} has a non-finite value (${X[i]}) at row ${Math.floor(i / d)}, column ${i % d}: impute or drop it first`);
  return { X, n, d };
}

/** Targets as float64, one per row, checked against the row count. */
export function targets(y: unknown, n: number, name: string): Float64Array {
  let values: ArrayLike<number>;
  if (y instanceof Tensor) values = y.values();
  else if (ArrayBuffer.isView(y) || Array.isArray(y)) values = y as ArrayLike<number>;
  else throw new ArgumentError(`Expected Float32Array, number[] or Tensor for ${name} but received ${describe(y)}`);
  if (values.length !== n) throw new DataError(`${name} has ${values.length} values but x has ${n} rows: give one target per row`);
  const out = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < n; ++i)
    if (!Number.isFinite(out[i])) throw new DataError(`${name}[${i}] is ${out[i]}: targets must be finite numbers`);
  return out;
}

/** Class indices 0..k-1, integers. */
export function classIndices(y: unknown, n: number, name: string): { y: Int32Array; k: number } {
  const v = targets(y, n, name);
  let k = 0;
  const out = new Int32Array(n);
  for (let i = 0; i < n; ++i) {
    if (!Number.isInteger(v[i]) || v[i] < 0)
      throw new DataError(`${name}[${i}] = ${v[i]} is not a class index (a non-negative integer); encode string labels with LabelEncoder`);
    out[i] = v[i];
    k = Math.max(k, v[i] + 1);
  }
  return { y: out, k };
}

export function requireFitted(fitted: boolean, what: string): void {
  if (!fitted) throw new NotFittedError(`this ${what} is not fitted yet: call fit() before predicting`);
}


export function shuffled(n: number, rand: () => number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; ++i) idx[i] = i;
  for (let i = n - 1; i > 0; --i) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

/** Minimises f with L-BFGS (two-loop recursion, memory m, backtracking Armijo line search).
 *  fg(w, grad) returns f(w) and writes the gradient. Stops when max|grad| <= gtol. */
export function lbfgs(
  fg: (w: Float64Array, g: Float64Array) => number,
  w0: Float64Array,
  { maxIter = 100, gtol = 1e-4, memory = 10 }: { maxIter?: number; gtol?: number; memory?: number } = {},
): { w: Float64Array; f: number; iterations: number; converged: boolean } {
  const n = w0.length;
  let w = w0.slice();
  let g = new Float64Array(n);
  let f = fg(w, g);
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
  };
  const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let iter = 0;
  for (; iter < maxIter; ++iter) {
    if (maxAbs(g) <= gtol) return { w, f, iterations: iter, converged: true };
    // Two-loop recursion: d = -H g.
    const q = g.slice();
    const alpha = new Array<number>(S.length);
    for (let i = S.length - 1; i >= 0; --i) {
      alpha[i] = rho[i] * dot(S[i], q);
      for (let j = 0; j < n; ++j) q[j] -= alpha[i] * Y[i][j];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1 / Math.max(1, maxAbs(g));
    for (let j = 0; j < n; ++j) q[j] *= gamma;
    for (let i = 0; i < S.length; ++i) {
      const beta = rho[i] * dot(Y[i], q);
      for (let j = 0; j < n; ++j) q[j] += S[i][j] * (alpha[i] - beta);
    }
    const d = q.map((v) => -v);
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (curvature pairs went stale): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let j = 0; j < n; ++j) d[j] = -g[j];
      slope = dot(g, d);
    }
    let step = 1;
    const wNew = new Float64Array(n), gNew = new Float64Array(n);
    let fNew = 0;
    for (let ls = 0; ls < 40; ++ls) {
      for (let j = 0; j < n; ++j) wNew[j] = w[j] + step * d[j];
      fNew = fg(wNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < f) && Math.abs(fNew - f) <= 1e-12 * Math.max(1, Math.abs(f))) return { w, f, iterations: iter, converged: true };
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let j = 0; j < n; ++j) {
      s[j] = wNew[j] - w[j];
      y[j] = gNew[j] - g[j];
    }
    const sy = dot(s, y);
    if (sy > 1e-10) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    w = wNew;
    g = gNew;
    f = fNew;
  }
  return { w, f, iterations: iter, converged: false };
}
