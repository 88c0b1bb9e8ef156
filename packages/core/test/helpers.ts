// Shared test helpers: a seeded PRNG, plain-JS reference math (double precision), and the
// MNIST digits of the `mnist` package in a class-balanced order.
import * as fs from 'node:fs';
import * as path from 'node:path';
export { mulberry32 } from '../src/data/random';

/** 10,000 digits, interleaved round-robin across digit files so a prefix split keeps every class. */
export function loadMnist(): { x: Float32Array; y: Float32Array; n: number } {
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const perDigit = Array.from({ length: 10 }, (_, d) => (JSON.parse(fs.readFileSync(path.join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data);
  const counts = perDigit.map((a) => a.length / 784);
  const n = counts.reduce((a, b) => a + b, 0);
  const x = new Float32Array(n * 784), y = new Float32Array(n);
  let row = 0;
  for (let i = 0; row < n; ++i)
    for (let d = 0; d < 10; ++d) {
      if (i >= counts[d]) continue;
      x.set(perDigit[d].slice(i * 784, (i + 1) * 784), row * 784);
      y[row++] = d;
    }
  return { x, y, n };
}

export function randomArray(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; ++i) out[i] = rand() * 2 - 1;
  return out;
}

/** C[i][j] = sum_k a(i,k) b(k,j) for getters a, b. Returns values and the sum of |a||b| per entry. */
export function referenceMatmul(
  M: number, N: number, K: number,
  a: (i: number, k: number) => number, b: (k: number, j: number) => number,
): { value: Float64Array; magnitude: Float64Array } {
  const value = new Float64Array(M * N), magnitude = new Float64Array(M * N);
  for (let i = 0; i < M; ++i)
    for (let j = 0; j < N; ++j) {
      let s = 0, m = 0;
      for (let k = 0; k < K; ++k) {
        const p = a(i, k) * b(k, j);
        s += p;
        m += Math.abs(p);
      }
      value[i * N + j] = s;
      magnitude[i * N + j] = m;
    }
  return { value, magnitude };
}

/** Tolerance that scales with K: 8 ulp-ish per accumulated term, plus a floor. */
export function tolerance(K: number, magnitude: number): number {
  return 8 * 1.1920929e-7 * (K + 2) * magnitude + 2e-6;
}

export const activations: Record<string, (x: number) => number> = {
  identity: (x) => x,
  relu: (x) => (x > 0 ? x : 0),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
};

// erf by its Maclaurin series: ample precision for |x| <= 6 in double, and exact limits beyond.
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const z = Math.abs(x);
  if (z > 6) return sign;
  // Maclaurin series, converges fast enough for |x| <= 6 in double with enough terms.
  let sum = z, term = z;
  for (let n = 1; n < 200; ++n) {
    term *= (-z * z) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return sign * (2 / Math.sqrt(Math.PI)) * sum;
}
