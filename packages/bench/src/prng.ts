// Seeded pseudo-random inputs for benchmarks: mulberry32, small and deterministic, so every run
// (and the C peer program, which carries the same generator) multiplies the same matrices.
// Not for anything that needs statistical quality or secrecy.

import { mulberry32 } from '@amaas/core';

/** Re-exported: one seeded generator for the whole repository (core's data/random). */
export { mulberry32 };

/** A Float32Array of `length` values uniform in [-1, 1), deterministic in `seed`. */
export function uniformMatrix(length: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = next() * 2 - 1;
  return out;
}

/** A 32-bit seed derived from a label and numbers (e.g. 'A', M, K), so each operand differs. */
export function seedFor(label: string, ...numbers: number[]): number {
  let h = 0x811c9dc5; // FNV-1a over the label's char codes and the numbers
  const mix = (x: number) => {
    h ^= x & 0xffff;
    h = Math.imul(h, 0x01000193);
    h ^= x >>> 16;
    h = Math.imul(h, 0x01000193);
  };
  for (let i = 0; i < label.length; i++) mix(label.charCodeAt(i));
  for (const n of numbers) mix(n >>> 0);
  return h >>> 0;
}
