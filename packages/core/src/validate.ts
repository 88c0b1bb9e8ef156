// Argument checks for the public API. Messages follow one pattern:
// "Expected <what> for <name> but received <what came>", so the caller knows the fix.
import { ArgumentError, TypeMismatchError } from './errors';

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return `Array(${v.length})`;
  const name = (v as object).constructor?.name;
  return name ?? 'object';
}

export function expectPositiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new ArgumentError(`Expected positive integer for ${name} but received ${describe(v)}`);
  return v;
}

export function expectNonNegativeInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new ArgumentError(`Expected non-negative integer for ${name} but received ${describe(v)}`);
  return v;
}

export function expectFiniteNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ArgumentError(`Expected finite number for ${name} but received ${describe(v)}`);
  return v;
}

export function expectFloat32Array(name: string, v: unknown): Float32Array {
  if (!(v instanceof Float32Array))
    throw new TypeMismatchError(`Expected Float32Array for ${name} but received ${describe(v)}`);
  return v;
}

export function expectOneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new ArgumentError(`Expected one of ${allowed.map((a) => `'${a}'`).join(', ')} for ${name} but received ${describe(v)}`);
  return v as T;
}

/** Layer indices of a `layers`-layer network (negative counts from the end: -1 = the last), as a
 *  set of indices in [0, layers). */
export function expectLayerIndices(name: string, v: readonly number[], layers: number): Set<number> {
  return new Set(
    v.map((i) => {
      if (!Number.isInteger(i) || i < -layers || i >= layers)
        throw new ArgumentError(`${name} entries must be layer indices in [${-layers}, ${layers - 1}] but received ${describe(i)}`);
      return i < 0 ? layers + i : i;
    }),
  );
}
