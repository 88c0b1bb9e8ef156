// The seeded generator: the same seed always gives the same inputs, in range.
import { mulberry32, seedFor, uniformMatrix } from '../src/prng';

describe('mulberry32', () => {
  test('is deterministic in its seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    const ys = Array.from({ length: 1000 }, () => b());
    expect(xs).toEqual(ys);
  });

  test('different seeds give different sequences', () => {
    const a = mulberry32(1);
    const b = mulberry32(2);
    expect(Array.from({ length: 8 }, () => a())).not.toEqual(Array.from({ length: 8 }, () => b()));
  });

  test('values lie in [0, 1) and fill the range', () => {
    const next = mulberry32(7);
    let lo = 1;
    let hi = 0;
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100000; i++) {
      const x = next();
      if (!(x >= 0 && x < 1)) outside++;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      sum += x;
    }
    expect(outside).toBe(0);
    expect(lo).toBeLessThan(0.001);
    expect(hi).toBeGreaterThan(0.999);
    expect(Math.abs(sum / 100000 - 0.5)).toBeLessThan(0.01);
  });
});

describe('uniformMatrix and seedFor', () => {
  test('same seed, same matrix; values in [-1, 1)', () => {
    const a = uniformMatrix(4096, 123);
    expect(uniformMatrix(4096, 123)).toEqual(a);
    expect(a.every((x) => x >= -1 && x < 1)).toBe(true);
    expect(a.some((x) => x < -0.9) && a.some((x) => x > 0.9)).toBe(true);
  });

  test('seeds differ by label and by numbers, and repeat', () => {
    expect(seedFor('A', 1, 784, 512)).toBe(seedFor('A', 1, 784, 512));
    expect(seedFor('A', 1, 784, 512)).not.toBe(seedFor('B', 1, 784, 512));
    expect(seedFor('A', 1, 784, 512)).not.toBe(seedFor('A', 512, 784, 1));
  });
});
