// The safetensors container (https://github.com/huggingface/safetensors): u64 LE header length N,
// N bytes of UTF-8 JSON ({ name: { dtype, shape, data_offsets } , __metadata__ }), then the bytes.
// The reader treats every file as hostile: each defect is an AmaasError 'INVALID_MODEL_FILE'
// naming what is wrong, and nothing is allocated from a length that was not checked first.
// Not here: what the tensors mean (model-file.ts), big-endian hosts, BF16/BOOL/F8 dtypes.
//
// Duplicate tensor names: JSON.parse keeps the last one. The earlier entry's bytes are then not
// indexed, so the coverage check reports a gap or trailing bytes unless both name the same range.
import { AmaasError, ArgumentError, ModelFileError, ShapeError } from '../errors';
import { describe } from '../validate';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'I64' | 'I32' | 'I8' | 'U8';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  F64: 8, F32: 4, F16: 2, I64: 8, I32: 4, I8: 1, U8: 1,
});

/** What the writer takes: `data` holds exactly product(shape) elements of `dtype`, little-endian. */
export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  data: ArrayBufferView;
}

/** What the reader gives: `data.byteOffset` is a multiple of the element size, so typed views work. */
export interface ReadTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Record<string, ReadTensor>;
  metadata: Record<string, string>;
}

export interface ReadSafetensorsOptions {
  /** Largest header accepted, in bytes (default 16 MiB). */
  maxHeaderBytes?: number;
  /** Copy every tensor out of `buf` (default false: views into `buf` where aligned, copies otherwise). */
  copy?: boolean;
}

export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024 * 1024;
const METADATA_KEY = '__metadata__';
const DTYPES = Object.keys(DTYPE_BYTES) as SafetensorsDtype[];

function invalid(message: string, cause?: unknown): AmaasError {
  return new ModelFileError(message, cause === undefined ? undefined : { cause });
}

function isDtype(v: unknown): v is SafetensorsDtype {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Element count of `shape`, or null when some dimension is not a safe integer >= 0 or the product overflows. */
function elementCount(shape: unknown): number | null | 'overflow' {
  if (!Array.isArray(shape)) return null;
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return null;
    if (d !== 0 && n > Math.floor(Number.MAX_SAFE_INTEGER / d)) return 'overflow';
    n *= d;
  }
  return n;
}

function shapeText(shape: unknown): string {
  return Array.isArray(shape) ? `[${shape.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(',')}]` : describe(shape);
}

// ------------------------------------------------------------------------------------------
// Writer

/**
 * Serialises tensors (sorted by name, data contiguous in that order) and optional string
 * metadata. The header is padded with spaces to a multiple of 8 bytes so the data starts aligned.
 */
export function writeSafetensors(tensors: Record<string, TensorEntry>, metadata?: Record<string, string>): Buffer {
  if (!isPlainObject(tensors)) throw new ArgumentError(`Expected an object of named tensors but received ${describe(tensors)}`);
  const names = Object.keys(tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw new ArgumentError(`Expected metadata as an object of strings but received ${describe(metadata)}`);
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== 'string') throw new ArgumentError(`Expected a string for metadata '${k}' but received ${describe(v)}`);
    header[METADATA_KEY] = { ...metadata };
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new ArgumentError(`'${METADATA_KEY}' is reserved and cannot name a tensor`);
    const t = tensors[name];
    if (!isPlainObject(t)) throw new ArgumentError(`Expected {dtype, shape, data} for tensor '${name}' but received ${describe(t)}`);
    if (!isDtype(t.dtype)) throw new ArgumentError(`Expected dtype of tensor '${name}' to be one of ${DTYPES.join(', ')} but received ${describe(t.dtype)}`);
    const count = elementCount(t.shape);
    if (count === null || count === 'overflow')
      throw new ShapeError(`Expected shape of tensor '${name}' as an array of non-negative integers but received ${shapeText(t.shape)}`);
    if (!ArrayBuffer.isView(t.data)) throw new ArgumentError(`Expected a typed array for the data of tensor '${name}' but received ${describe(t.data)}`);
    const bytes = count * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== bytes)
      throw new ShapeError(`tensor '${name}' is ${t.dtype} of shape ${shapeText(t.shape)} (${bytes} bytes) but its data holds ${t.data.byteLength} bytes`);
    header[name] = { dtype: t.dtype, shape: t.shape.slice(), data_offsets: [offset, offset + bytes] };
    parts.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = Buffer.allocUnsafe(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Reader

/** Parses a safetensors file, validating every length, offset and type before trusting it. */
export function readSafetensors(buf: Uint8Array, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  if (!(buf instanceof Uint8Array)) throw new ArgumentError(`Expected a Uint8Array or Buffer but received ${describe(buf)}`);
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isSafeInteger(maxHeaderBytes) || maxHeaderBytes < 2)
    throw new ArgumentError(`Expected maxHeaderBytes as an integer >= 2 but received ${describe(maxHeaderBytes)}`);
  if (buf.length < 8) throw invalid(`file is ${buf.length} bytes, shorter than the 8-byte header length of a safetensors file`);

  const headerLen = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(maxHeaderBytes))
    throw invalid(`header length ${headerLen} bytes exceeds the limit of ${maxHeaderBytes} bytes (maxHeaderBytes)`);
  const n = Number(headerLen);
  if (8 + n > buf.length) throw invalid(`header length ${n} bytes runs past the end of the ${buf.length}-byte file`);
  if (n < 2) throw invalid(`header length ${n} bytes is too short for a JSON object`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf.subarray(8, 8 + n));
  } catch (err) {
    throw invalid(`header (${n} bytes) is not valid UTF-8`, err);
  }
  if (text[0] !== '{') throw invalid(`header must start with '{' but starts with ${JSON.stringify(text.slice(0, 10))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw invalid(`header is not valid JSON: ${(err as Error).message}`, err);
  }
  if (!isPlainObject(header)) throw invalid(`header must be a JSON object but is ${describe(header)}`);

  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = Object.create(null);
  const tensors: Record<string, ReadTensor> = Object.create(null);
  const spans: { name: string; begin: number; end: number }[] = [];

  for (const name of Object.keys(header)) {
    const v = header[name];
    if (name === METADATA_KEY) {
      if (!isPlainObject(v)) throw invalid(`${METADATA_KEY} must be an object of strings but is ${describe(v)}`);
      for (const k of Object.keys(v)) {
        if (typeof v[k] !== 'string') throw invalid(`${METADATA_KEY} value '${k}' must be a string but is ${describe(v[k])}`);
        metadata[k] = v[k] as string;
      }
      continue;
    }
    if (!isPlainObject(v)) throw invalid(`tensor '${name}' must be an object {dtype, shape, data_offsets} but is ${describe(v)}`);
    const { dtype, shape, data_offsets: offsets } = v;
    if (!isDtype(dtype)) throw invalid(`tensor '${name}' has unknown dtype ${describe(dtype)} (expected one of ${DTYPES.join(', ')})`);
    const count = elementCount(shape);
    if (count === null) throw invalid(`tensor '${name}' shape must be an array of non-negative integers but is ${shapeText(shape)}`);
    if (count === 'overflow') throw invalid(`tensor '${name}' shape ${shapeText(shape)} has an element count that overflows`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1])
      throw invalid(`tensor '${name}' data_offsets must be [begin, end] with integers 0 <= begin <= end but is ${shapeText(offsets)}`);
    const [begin, end] = offsets as [number, number];
    const bytes = count * DTYPE_BYTES[dtype];
    if (end - begin !== bytes)
      throw invalid(`tensor '${name}' data_offsets [${begin}, ${end}] do not match ${dtype} shape ${shapeText(shape)} (${bytes} bytes)`);
    if (end > dataLen) throw invalid(`tensor '${name}' data_offsets [${begin}, ${end}] run past the end of the ${dataLen}-byte data section`);
    spans.push({ name, begin, end });
    tensors[name] = { dtype, shape: (shape as number[]).slice(), data: new Uint8Array(buf.buffer, buf.byteOffset + dataStart + begin, bytes) };
  }

  // The byte buffer must be indexed exactly: no overlaps, no holes, nothing after the last tensor.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev = '';
  for (const s of spans) {
    if (s.begin < covered)
      throw invalid(`tensor '${s.name}' data_offsets [${s.begin}, ${s.end}] overlap tensor '${prev}' (which ends at ${covered})`);
    if (s.begin > covered)
      throw invalid(`bytes [${covered}, ${s.begin}) of the data section belong to no tensor (gap before tensor '${s.name}')`);
    covered = s.end;
    prev = s.name;
  }
  if (covered !== dataLen) throw invalid(`${dataLen - covered} trailing bytes after the last tensor (data section is ${dataLen} bytes, tensors cover ${covered})`);

  for (const name of Object.keys(tensors)) {
    const t = tensors[name];
    if (options.copy || t.data.byteOffset % DTYPE_BYTES[t.dtype] !== 0) {
      const copy = new Uint8Array(t.data.length); // a fresh ArrayBuffer: offset 0, aligned for any dtype
      copy.set(t.data);
      t.data = copy;
    }
  }
  return { tensors, metadata };
}

// ------------------------------------------------------------------------------------------
// Typed-array helpers

export type TypedArrayOf<D extends SafetensorsDtype> = D extends 'F64' ? Float64Array
  : D extends 'F32' ? Float32Array
  : D extends 'F16' ? Uint16Array
  : D extends 'I64' ? BigInt64Array
  : D extends 'I32' ? Int32Array
  : D extends 'I8' ? Int8Array
  : Uint8Array;

/** A typed view over a read tensor's bytes (F16 comes as raw Uint16 bits). Shares memory with it. */
export function typedView<D extends SafetensorsDtype>(t: ReadTensor & { dtype: D }): TypedArrayOf<D> {
  const { buffer, byteOffset, byteLength } = t.data;
  const len = byteLength / DTYPE_BYTES[t.dtype];
  switch (t.dtype) {
    case 'F64': return new Float64Array(buffer, byteOffset, len) as TypedArrayOf<D>;
    case 'F32': return new Float32Array(buffer, byteOffset, len) as TypedArrayOf<D>;
    case 'F16': return new Uint16Array(buffer, byteOffset, len) as TypedArrayOf<D>;
    case 'I64': return new BigInt64Array(buffer, byteOffset, len) as TypedArrayOf<D>;
    case 'I32': return new Int32Array(buffer, byteOffset, len) as TypedArrayOf<D>;
    case 'I8': return new Int8Array(buffer, byteOffset, len) as TypedArrayOf<D>;
    default: return new Uint8Array(buffer, byteOffset, len) as TypedArrayOf<D>;
  }
}

/** A Float32Array + shape as a writer entry (the data is not copied). */
export function float32Entry(data: Float32Array, shape: readonly number[]): TensorEntry {
  return { dtype: 'F32', shape: shape.slice(), data };
}

/** A Float64Array + shape as a writer entry (the data is not copied). */
export function float64Entry(data: Float64Array, shape: readonly number[]): TensorEntry {
  return { dtype: 'F64', shape: shape.slice(), data };
}

/** A read F32 tensor as a Float32Array (a view over its bytes) and its shape. */
export function toFloat32(t: ReadTensor, name = 'tensor'): { data: Float32Array; shape: number[] } {
  if (t.dtype !== 'F32') throw invalid(`Expected ${name} to be F32 but it is ${t.dtype}`);
  return { data: typedView(t as ReadTensor & { dtype: 'F32' }), shape: t.shape.slice() };
}

/** A read F64 tensor as a Float64Array (a view over its bytes) and its shape. */
export function toFloat64(t: ReadTensor, name = 'tensor'): { data: Float64Array; shape: number[] } {
  if (t.dtype !== 'F64') throw invalid(`Expected ${name} to be F64 but it is ${t.dtype}`);
  return { data: typedView(t as ReadTensor & { dtype: 'F64' }), shape: t.shape.slice() };
}
