// A small seeded PRNG (mulberry32: 32-bit state, period 2^32) for reproducible shuffles and splits.
// Not cryptographic, and not meant for long simulations: it is for data order, where a seed must
// give the same permutation on every machine and Node version.
import { ArgumentError } from '../errors';
import { describe } from '../validate';

export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform integer in [0, n), unbiased (rejection sampling). */
  nextInt(n: number): number;
  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T>(array: T[]): T[];
  /** A random permutation of 0..n-1. */
  permutation(n: number): number[];
}

/** Mulberry32 over a uint32 state: the same generator as the core tests' helper. */
export function mulberry32(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}

/** A seeded generator. `seed` is any safe integer; it is reduced modulo 2^32. */
export function createRng(seed: number): Rng {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new ArgumentError(`Expected integer for seed but received ${describe(seed)}`);
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const nextInt = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 1 || n > 0x100000000)
      throw new ArgumentError(`Expected integer in [1, 2^32] for n but received ${describe(n)}`);
    const limit = 0x100000000 - (0x100000000 % n); // largest multiple of n that fits in 2^32
    for (;;) {
      const u = nextUint32();
      if (u < limit) return u % n;
    }
  };
  const shuffle = <T>(array: T[]): T[] => {
    for (let i = array.length - 1; i > 0; --i) {
      const j = nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  };
  return {
    next: () => nextUint32() / 4294967296,
    nextUint32,
    nextInt,
    shuffle,
    permutation: (n: number) => {
      if (!Number.isSafeInteger(n) || n < 0)
        throw new ArgumentError(`Expected non-negative integer for n but received ${describe(n)}`);
      return shuffle(Array.from({ length: n }, (_, i) => i));
    },
  };
}
