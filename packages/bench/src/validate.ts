// Checks a GEMM result against the plain twin before anything is timed: the native
// sgemmReference (double accumulation) for every entry of small problems, or double-precision dot
// products in JS for a deterministic sample of entries of large ones. Not a test framework: it
// returns a verdict with the worst entry, and the caller decides what a failure means.
import native = require('@amaas/native');
import { mulberry32 } from './prng';

/** C (M,N) = A (M,K) · op(B); A row-major (M,K); B row-major (K,N), or (N,K) when transB (x·Wᵀ). */
export interface GemmProblem {
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  b: Float32Array;
  transB: boolean;
}

export type ValidationMode = 'full' | 'sampled';

export interface ValidationResult {
  ok: boolean;
  mode: ValidationMode;
  /** Entries of C compared. */
  checked: number;
  /** Entries out of tolerance (NaN counts as out). */
  failed: number;
  /** Largest |c - ref| / tolerance seen; <= 1 when ok, Infinity for a NaN. */
  worstErrorToTolerance: number;
  /** Row-major index of that entry. */
  worstIndex: number;
  /** One line for humans: what was compared and, on failure, the worst entry. */
  message: string;
}

export interface GemmReference {
  readonly mode: ValidationMode;
  /** Row-major indices of C that are compared. */
  readonly indices: Int32Array | null;
  check(c: Float32Array): ValidationResult;
}

export const FLOAT32_EPSILON = 1.1920929e-7;
/** Problems with M·N·K up to this are compared entry by entry against sgemmReference. */
export const FULL_CHECK_MAX_WORK = 2 ** 27;
export const DEFAULT_SAMPLE_COUNT = 256;

/**
 * Allowed |c - ref| for one entry: a float32 dot product of length K accumulates at most about
 * K·eps·Σ|a||b| of rounding error (with blocking, FMA and order changes a small multiple of it).
 */
export function gemmTolerance(k: number, sumAbsProducts: number): number {
  return 8 * FLOAT32_EPSILON * (k + 2) * sumAbsProducts + 1e-6;
}

function absolute(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]);
  return out;
}

/** The expected values (and their error bounds) of the entries that check() will compare. */
export function buildReference(
  p: GemmProblem,
  options: { mode?: ValidationMode; samples?: number; seed?: number } = {},
): GemmReference {
  const { m, n, k, transB } = p;
  if (p.a.length < m * k) throw new RangeError(`Expected A with at least ${m * k} values for M=${m}, K=${k} but received ${p.a.length}`);
  if (p.b.length < k * n) throw new RangeError(`Expected B with at least ${k * n} values for K=${k}, N=${n} but received ${p.b.length}`);
  const mode = options.mode ?? (m * n * k <= FULL_CHECK_MAX_WORK ? 'full' : 'sampled');
  const ldb = transB ? k : n;

  let indices: Int32Array | null;
  let expected: Float32Array | Float64Array;
  let bound: Float32Array | Float64Array;
  if (mode === 'full') {
    indices = null;
    expected = new Float32Array(m * n);
    bound = new Float32Array(m * n);
    native.sgemmReference(expected, 0, n, p.a, 0, k, p.b, 0, ldb, m, n, k, false, transB, 1, 0, null, 0, 0);
    // Σ|a||b| per entry: the same reference on absolute values.
    native.sgemmReference(bound, 0, n, absolute(p.a), 0, k, absolute(p.b), 0, ldb, m, n, k, false, transB, 1, 0, null, 0, 0);
  } else {
    indices = sampleIndices(m * n, options.samples ?? DEFAULT_SAMPLE_COUNT, options.seed ?? 0x5eed);
    expected = new Float64Array(indices.length);
    bound = new Float64Array(indices.length);
    for (let s = 0; s < indices.length; s++) {
      const i = Math.floor(indices[s] / n);
      const j = indices[s] % n;
      let dot = 0;
      let mag = 0;
      for (let kk = 0; kk < k; kk++) {
        const a = p.a[i * k + kk];
        const b = transB ? p.b[j * k + kk] : p.b[kk * n + j];
        dot += a * b;
        mag += Math.abs(a * b);
      }
      expected[s] = dot;
      bound[s] = mag;
    }
  }

  return {
    mode,
    indices,
    check(c: Float32Array): ValidationResult {
      if (c.length < m * n) throw new RangeError(`Expected C with at least ${m * n} values but received ${c.length}`);
      const count = indices ? indices.length : m * n;
      let failed = 0;
      let worst = 0;
      let worstIndex = -1;
      let worstErr = 0;
      let worstTol = 0;
      let worstExpected = 0;
      for (let s = 0; s < count; s++) {
        const idx = indices ? indices[s] : s;
        const err = Math.abs(c[idx] - expected[s]);
        const tol = gemmTolerance(k, bound[s]);
        const ratio = Number.isNaN(err) ? Infinity : err / tol;
        if (!(err <= tol)) failed++;
        if (ratio > worst || worstIndex < 0) {
          worst = ratio;
          worstIndex = idx;
          worstErr = err;
          worstTol = tol;
          worstExpected = expected[s];
        }
      }
      const what = `${mode === 'full' ? 'all' : 'a sample of'} ${count} entries of C (${m}x${n}, K=${k}) against ${
        mode === 'full' ? 'sgemmReference' : 'double dot products'
      }`;
      const at = `C[${Math.floor(worstIndex / n)},${worstIndex % n}]`;
      const ok = failed === 0;
      const message = ok
        ? `ok: ${what}; worst error ${(worst * 100).toPrecision(3)}% of tolerance`
        : `FAILED: ${failed} of ${what} out of tolerance; worst ${at} = ${c[worstIndex]} but expected ` +
          `${worstExpected} (|diff| ${worstErr.toPrecision(3)} > tolerance ${worstTol.toPrecision(3)})`;
      return { ok, mode, checked: count, failed, worstErrorToTolerance: worst, worstIndex, message };
    },
  };
}

/** `count` distinct indices in [0, total) in increasing order (all of them when total <= count). */
export function sampleIndices(total: number, count: number, seed: number): Int32Array {
  if (total <= count) return Int32Array.from({ length: total }, (_, i) => i);
  const next = mulberry32(seed);
  const chosen = new Set<number>();
  // Always include the corners: the edges of tiles are where blocked kernels go wrong.
  for (const idx of [0, total - 1]) chosen.add(idx);
  while (chosen.size < count) chosen.add(Math.floor(next() * total));
  return Int32Array.from([...chosen].sort((x, y) => x - y));
}

/** Builds the reference and checks `c` in one go (for one-off checks and tests). */
export function validateGemm(c: Float32Array, p: GemmProblem, options: { mode?: ValidationMode } = {}): ValidationResult {
  return buildReference(p, options).check(c);
}
