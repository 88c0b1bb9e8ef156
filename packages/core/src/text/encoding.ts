// Typed arrays inside the text models' JSON: little-endian bytes as base64, so a fitted model
// reloads bit for bit (and so predicts identically) at a quarter of the size of decimal text.
// Not a general serialization format: no compression, no versioning beyond the models' own.
import { DataError } from '../errors';
import { describe } from '../validate';

export interface EncodedArray {
  dtype: 'float32' | 'float64';
  length: number;
  base64: string;
}

export function encodeArray(a: Float32Array | Float64Array): EncodedArray {
  const float32 = a instanceof Float32Array;
  const width = float32 ? 4 : 8;
  const bytes = new DataView(new ArrayBuffer(a.length * width));
  for (let i = 0; i < a.length; ++i) {
    if (float32) bytes.setFloat32(i * 4, a[i], true);
    else bytes.setFloat64(i * 8, a[i], true);
  }
  return { dtype: float32 ? 'float32' : 'float64', length: a.length, base64: Buffer.from(bytes.buffer).toString('base64') };
}

function decode(name: string, v: unknown, dtype: 'float32' | 'float64', length: number): DataView {
  const e = v as EncodedArray;
  if (typeof e !== 'object' || e === null || e.dtype !== dtype || typeof e.base64 !== 'string')
    throw new DataError(`Expected {dtype: '${dtype}', length, base64} for ${name} but received ${describe(v)}`);
  if (e.length !== length) throw new DataError(`Expected ${length} values in ${name} but received ${describe(e.length)}`);
  const buf = Buffer.from(e.base64, 'base64');
  const width = dtype === 'float32' ? 4 : 8;
  if (buf.length !== length * width) throw new DataError(`Expected ${length * width} bytes in ${name} but the base64 decodes to ${buf.length}`);
  return new DataView(buf.buffer, buf.byteOffset, buf.length);
}

export function decodeFloat32(name: string, v: unknown, length: number): Float32Array {
  const view = decode(name, v, 'float32', length);
  const out = new Float32Array(length);
  for (let i = 0; i < length; ++i) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function decodeFloat64(name: string, v: unknown, length: number): Float64Array {
  const view = decode(name, v, 'float64', length);
  const out = new Float64Array(length);
  for (let i = 0; i < length; ++i) out[i] = view.getFloat64(i * 8, true);
  return out;
}
