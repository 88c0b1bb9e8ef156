// Validation before timing: a correct GEMM passes, one corrupted entry of C fails, in both the
// full (sgemmReference) and the sampled (JS double dot products) modes.
import native = require('@amaas/native');
import { uniformMatrix } from '../src/prng';
import { buildReference, gemmTolerance, sampleIndices, validateGemm, type GemmProblem } from '../src/validate';

function problem(m: number, k: number, n: number, transB: boolean): GemmProblem {
  return { m, n, k, a: uniformMatrix(m * k, 1), b: uniformMatrix(k * n, 2), transB };
}

function compute(p: GemmProblem): Float32Array {
  const c = new Float32Array(p.m * p.n);
  native.sgemm(c, 0, p.n, p.a, 0, p.k, p.b, 0, p.transB ? p.k : p.n, p.m, p.n, p.k, false, p.transB, 1, 0, null, 0, 0);
  return c;
}

describe.each([
  ['plain', false],
  ['B transposed (x·Wᵀ)', true],
])('validateGemm, %s', (_name, transB) => {
  const p = problem(13, 37, 11, transB);

  test('full mode passes a correct result and catches one flipped entry', () => {
    const c = compute(p);
    const good = validateGemm(c, p);
    expect(good).toMatchObject({ ok: true, mode: 'full', checked: 13 * 11, failed: 0 });
    expect(good.worstErrorToTolerance).toBeLessThan(1);

    const idx = 5 * 11 + 7;
    c[idx] = -c[idx] + 0.25; // flipped sign and shifted: far outside any rounding error
    const bad = validateGemm(c, p);
    expect(bad.ok).toBe(false);
    expect(bad.failed).toBe(1);
    expect(bad.worstIndex).toBe(idx);
    expect(bad.message).toMatch(/^FAILED: 1 of all 143 entries/);
    expect(bad.message).toContain('C[5,7]');
  });

  test('sampled mode catches a flipped entry it samples', () => {
    const c = compute(p);
    const ref = buildReference(p, { mode: 'sampled', samples: 32 });
    expect(ref.mode).toBe('sampled');
    expect(ref.indices).not.toBeNull();
    expect(ref.check(c).ok).toBe(true);
    const idx = ref.indices![10];
    c[idx] += 0.5;
    const bad = ref.check(c);
    expect(bad.ok).toBe(false);
    expect(bad.worstIndex).toBe(idx);
  });

  test('NaN is a failure, not a small error', () => {
    const c = compute(p);
    c[0] = NaN;
    const v = validateGemm(c, p);
    expect(v.ok).toBe(false);
    expect(v.worstErrorToTolerance).toBe(Infinity);
  });
});

describe('reference choice and tolerance', () => {
  test('large problems are sampled, small ones compared in full', () => {
    // 2^27 < 600·600·600: sampled (the reference triple loop would take too long).
    const big: GemmProblem = { m: 600, n: 600, k: 600, a: new Float32Array(360000), b: new Float32Array(360000), transB: false };
    expect(buildReference(big).mode).toBe('sampled');
    expect(buildReference(problem(8, 8, 8, false)).mode).toBe('full');
  });

  test('a sampled check of a large GEMM agrees with the engine', () => {
    const p = problem(300, 700, 650, false);
    const ref = buildReference(p);
    expect(ref.mode).toBe('sampled');
    expect(ref.indices!.length).toBe(256);
    expect(ref.check(compute(p)).ok).toBe(true);
  });

  test('tolerance grows with K and with the magnitudes', () => {
    expect(gemmTolerance(1024, 100)).toBeGreaterThan(gemmTolerance(16, 100));
    expect(gemmTolerance(64, 10)).toBeGreaterThan(gemmTolerance(64, 1));
    expect(gemmTolerance(1, 0)).toBeCloseTo(1e-6, 12);
  });

  test('sampleIndices: distinct, sorted, deterministic, corners included', () => {
    const s = sampleIndices(10000, 64, 9);
    expect(s.length).toBe(64);
    expect(new Set(s).size).toBe(64);
    expect([...s]).toEqual([...s].sort((x, y) => x - y));
    expect(s[0]).toBe(0);
    expect(s[63]).toBe(9999);
    expect(sampleIndices(10000, 64, 9)).toEqual(s);
    expect([...sampleIndices(5, 64, 9)]).toEqual([0, 1, 2, 3, 4]);
  });
});
