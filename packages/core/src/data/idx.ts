// The IDX format of MNIST and Fashion-MNIST: magic 0x0000, a dtype byte, a rank byte, big-endian
// uint32 dimensions, then big-endian values. Input is treated as hostile: every size is checked
// against the bytes actually present before anything is allocated. Not a writer beyond encodeIdx,
// which exists for tests and small exports.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ArgumentError, DataError } from '../errors';
import { Tensor } from '../tensor';
import { describe } from '../validate';
import { createDataset } from './dataset';
import type { Dataset } from './types';

export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  /** Values in row-major order, native byte order. u8 and i8 data are views of the input buffer. */
  data: IdxData;
}

const DTYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'u8', size: 1 },
  0x09: { dtype: 'i8', size: 1 },
  0x0b: { dtype: 'i16', size: 2 },
  0x0c: { dtype: 'i32', size: 4 },
  0x0d: { dtype: 'f32', size: 4 },
  0x0e: { dtype: 'f64', size: 8 },
};
const CODE_OF: Record<IdxDtype, number> = { u8: 0x08, i8: 0x09, i16: 0x0b, i32: 0x0c, f32: 0x0d, f64: 0x0e };

/** Largest rank accepted; real files have 1 (labels) to 4. */
export const IDX_MAX_RANK = 16;
/** Largest label idxToDataset accepts as a class index. */
const MAX_CLASSES = 65535;

/** Decodes an IDX buffer. DataError for a wrong magic, unknown dtype or any size mismatch. */
export function parseIdx(buffer: Uint8Array): IdxArray {
  if (!(buffer instanceof Uint8Array)) throw new ArgumentError(`Expected Uint8Array or Buffer for buffer but received ${describe(buffer)}`);
  if (buffer.length < 4) throw new DataError(`IDX data needs a 4-byte header but received ${buffer.length} bytes`);
  if (buffer[0] !== 0 || buffer[1] !== 0)
    throw new DataError(`Expected IDX magic 0x0000 but received 0x${hex(buffer[0])}${hex(buffer[1])}${buffer[0] === 0x1f && buffer[1] === 0x8b ? ' (gzip data: use readIdx or gunzip it first)' : ''}`);
  const type = DTYPES[buffer[2]];
  if (!type) throw new DataError(`Expected IDX dtype byte 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E but received 0x${hex(buffer[2])}`);
  const rank = buffer[3];
  if (rank < 1 || rank > IDX_MAX_RANK) throw new DataError(`Expected IDX rank in [1, ${IDX_MAX_RANK}] but received ${rank}`);
  const headerBytes = 4 + 4 * rank;
  if (buffer.length < headerBytes)
    throw new DataError(`IDX header of rank ${rank} needs ${headerBytes} bytes but the buffer holds ${buffer.length}`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const shape: number[] = [];
  const available = buffer.length - headerBytes;
  let count = 1;
  for (let d = 0; d < rank; ++d) {
    const dim = view.getUint32(4 + 4 * d, false);
    shape.push(dim);
    count *= dim;
    // Stop as soon as the promised size exceeds what is there: no overflow, no huge allocation.
    if (count * type.size > available)
      throw new DataError(`IDX dimensions [${shape}${d < rank - 1 ? ', ...' : ''}] of ${type.dtype} need more than the ${available} data bytes the buffer holds`);
  }
  const bytes = count * type.size;
  if (bytes !== available)
    throw new DataError(`IDX dimensions [${shape}] of ${type.dtype} need ${bytes} data bytes but the buffer holds ${available}`);
  const start = headerBytes;
  let data: IdxData;
  switch (type.dtype) {
    case 'u8': data = buffer.subarray(start, start + count); break;
    case 'i8': data = new Int8Array(buffer.buffer, buffer.byteOffset + start, count); break;
    case 'i16': data = new Int16Array(count); for (let i = 0; i < count; ++i) data[i] = view.getInt16(start + 2 * i, false); break;
    case 'i32': data = new Int32Array(count); for (let i = 0; i < count; ++i) data[i] = view.getInt32(start + 4 * i, false); break;
    case 'f32': data = new Float32Array(count); for (let i = 0; i < count; ++i) data[i] = view.getFloat32(start + 4 * i, false); break;
    case 'f64': data = new Float64Array(count); for (let i = 0; i < count; ++i) data[i] = view.getFloat64(start + 8 * i, false); break;
  }
  return { dtype: type.dtype, shape, data };
}

export interface ReadIdxOptions {
  /** Refuse gzip data that inflates beyond this many bytes (default 1 GiB): a guard against gzip bombs. */
  maxBytes?: number;
}

/** Reads an IDX file, gunzipping it first when it starts with the gzip magic bytes. */
export function readIdx(path: string, options: ReadIdxOptions = {}): IdxArray {
  const maxBytes = options.maxBytes ?? 1 << 30;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataError(`cannot read IDX file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      throw new DataError(`cannot gunzip IDX file ${path} (limit ${maxBytes} bytes): ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    return parseIdx(bytes);
  } catch (err) {
    if (err instanceof DataError) throw new DataError(`${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Encodes values as IDX (big-endian). For tests and small exports. */
export function encodeIdx(dtype: IdxDtype, shape: readonly number[], values: ArrayLike<number>): Buffer {
  const code = CODE_OF[dtype];
  if (code === undefined) throw new ArgumentError(`Expected one of u8, i8, i16, i32, f32, f64 for dtype but received ${describe(dtype)}`);
  if (shape.length < 1 || shape.length > IDX_MAX_RANK || shape.some((d) => !Number.isSafeInteger(d) || d < 0 || d > 0xffffffff))
    throw new ArgumentError(`Expected 1 to ${IDX_MAX_RANK} dimensions in [0, 2^32) for shape but received [${shape}]`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new ArgumentError(`Expected ${count} values for shape [${shape}] but received ${values.length}`);
  const size = DTYPES[code].size;
  const out = Buffer.alloc(4 + 4 * shape.length + count * size);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  const at = 4 + 4 * shape.length;
  for (let i = 0; i < count; ++i) {
    const v = values[i];
    switch (dtype) {
      case 'u8': out.writeUInt8(v, at + i); break;
      case 'i8': out.writeInt8(v, at + i); break;
      case 'i16': out.writeInt16BE(v, at + 2 * i); break;
      case 'i32': out.writeInt32BE(v, at + 4 * i); break;
      case 'f32': out.writeFloatBE(v, at + 4 * i); break;
      case 'f64': out.writeDoubleBE(v, at + 8 * i); break;
    }
  }
  return out;
}

export interface IdxToDatasetOptions {
  /** Class names by label value; default '0', '1', ... up to the largest label. */
  classes?: string[];
}

/**
 * An image classification Dataset from IDX images (n, ...) and labels (n). u8 pixels are scaled
 * to [0, 1] (divided by 255); f32/f64 pixels are kept as they are. Labels must be integers >= 0.
 */
export function idxToDataset(images: IdxArray, labels: IdxArray, name: string, options: IdxToDatasetOptions = {}): Dataset {
  const n = images.shape[0];
  if (images.shape.length < 2) throw new DataError(`Expected IDX images of rank >= 2 (n, ...) but received shape [${images.shape}]`);
  if (labels.shape.length !== 1) throw new DataError(`Expected IDX labels of rank 1 (n) but received shape [${labels.shape}]`);
  if (labels.shape[0] !== n) throw new DataError(`IDX images hold ${n} items but the labels hold ${labels.shape[0]}`);
  if (n === 0) throw new DataError(`dataset '${name}' is empty: the IDX files hold 0 items`);
  const d = images.shape.slice(1).reduce((a, b) => a * b, 1);
  if (d === 0) throw new DataError(`Expected IDX images with at least one pixel but received shape [${images.shape}]`);
  let x: Float32Array;
  if (images.dtype === 'u8') {
    x = new Float32Array(n * d);
    const src = images.data;
    for (let i = 0; i < src.length; ++i) x[i] = src[i] / 255;
  } else if (images.dtype === 'f32' || images.dtype === 'f64') {
    x = Float32Array.from(images.data);
  } else {
    throw new DataError(`Expected u8, f32 or f64 IDX images but received ${images.dtype}`);
  }
  if (labels.dtype === 'f32' || labels.dtype === 'f64') throw new DataError(`Expected integer IDX labels but received ${labels.dtype}`);
  let maxLabel = 0;
  labels.data.forEach((v, i) => {
    if (v < 0 || v > MAX_CLASSES) throw new DataError(`IDX label ${i} is ${v}; labels must be class indices in [0, ${MAX_CLASSES}]`);
    if (v > maxLabel) maxLabel = v;
  });
  const classes = options.classes ?? Array.from({ length: maxLabel + 1 }, (_, k) => String(k));
  if (maxLabel >= classes.length) throw new DataError(`IDX labels run up to ${maxLabel} but ${classes.length} class names were given`);
  const pixelShape = images.shape.slice(1);
  const featureNames = pixelShape.length === 2
    ? Array.from({ length: d }, (_, p) => `pixel_${Math.floor(p / pixelShape[1])}_${p % pixelShape[1]}`)
    : Array.from({ length: d }, (_, p) => `pixel_${p}`);
  return createDataset({
    name, x: new Tensor(x, [n, d]), y: Float32Array.from(labels.data), featureNames,
    task: 'classification', classes, imageShape: pixelShape,
  });
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0').toUpperCase();
}
