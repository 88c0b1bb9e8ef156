// A minimal protobuf DECODER for ONNX TensorProto (and the fields walk it needs): reads the
// format owner's test tensors (onnx/backend/test/data/node/*/test_data_set_*/*.pb) and node
// attributes. Hostile input gives ModelFileError, never a hang: every length is bounds-checked.
// Not here: a full ONNX importer (models are exported, not imported).
import { ModelFileError } from '../errors';

export interface ProtoField {
  field: number;
  wire: number;
  /** Varint / fixed values as bigint; length-delimited fields as a byte view. */
  value: bigint | Uint8Array;
}

function bad(message: string): ModelFileError {
  return new ModelFileError(`protobuf: ${message}`);
}

function readVarint(b: Uint8Array, pos: { i: number }): bigint {
  let v = 0n, shift = 0n;
  for (;;) {
    if (pos.i >= b.length) throw bad('truncated varint');
    const byte = b[pos.i++];
    v |= BigInt(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
    shift += 7n;
    if (shift > 63n) throw bad('varint longer than 10 bytes');
  }
}

/** The top-level fields of one message, in order. */
export function readFields(b: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  const pos = { i: 0 };
  while (pos.i < b.length) {
    const key = readVarint(b, pos);
    const field = Number(key >> 3n), wire = Number(key & 7n);
    if (wire === 0) out.push({ field, wire, value: readVarint(b, pos) });
    else if (wire === 2) {
      const len = Number(readVarint(b, pos));
      if (len < 0 || pos.i + len > b.length) throw bad(`field ${field} claims ${len} bytes past the end`);
      out.push({ field, wire, value: b.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 5 || wire === 1) {
      const n = wire === 5 ? 4 : 8;
      if (pos.i + n > b.length) throw bad('truncated fixed field');
      const view = new DataView(b.buffer, b.byteOffset + pos.i, n);
      out.push({ field, wire, value: wire === 5 ? BigInt(view.getUint32(0, true)) : view.getBigUint64(0, true) });
      pos.i += n;
    } else throw bad(`unsupported wire type ${wire}`);
  }
  return out;
}

function packedVarints(f: ProtoField): bigint[] {
  if (typeof f.value === 'bigint') return [f.value];
  const out: bigint[] = [];
  const pos = { i: 0 };
  while (pos.i < f.value.length) out.push(readVarint(f.value, pos));
  return out;
}

/** TensorProto.DataType values this decoder reads. */
export const ONNX_DTYPE = { FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7 } as const;

export interface DecodedTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Float32Array (FLOAT), Int32Array (INT32), Uint8Array/Int8Array/Uint16Array/Int16Array, or number[] (INT64). */
  data: Float32Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | number[];
}

/** Decodes a TensorProto (raw_data or the typed repeated fields). */
export function decodeTensor(bytes: Uint8Array): DecodedTensor {
  const dims: number[] = [];
  let dataType = 0, name = '';
  let raw: Uint8Array | null = null;
  const floats: number[] = [], ints: bigint[] = [], int64s: bigint[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === 1) dims.push(...packedVarints(f).map(Number));
    else if (f.field === 2) dataType = Number(f.value as bigint);
    else if (f.field === 8) name = Buffer.from(f.value as Uint8Array).toString('utf8');
    else if (f.field === 9) raw = f.value as Uint8Array;
    else if (f.field === 4) {
      if (typeof f.value === 'bigint') floats.push(new Float32Array(new Uint32Array([Number(f.value)]).buffer)[0]);
      else {
        const copy = new Uint8Array(f.value); // a copy at offset 0 (Buffer.slice would share memory)
        floats.push(...new Float32Array(copy.buffer, 0, Math.floor(copy.length / 4)));
      }
    } else if (f.field === 5) ints.push(...packedVarints(f));
    else if (f.field === 7) int64s.push(...packedVarints(f));
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const fromRaw = <T>(ctor: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }): T => {
    if (raw!.length !== count * ctor.BYTES_PER_ELEMENT) throw bad(`raw_data holds ${raw!.length} bytes for ${count} elements`);
    const copy = new Uint8Array(raw!); // a copy at offset 0, aligned (Buffer.slice would share memory)
    return new ctor(copy.buffer, 0, count);
  };
  const signed = (v: bigint, bits: number) => Number(BigInt.asIntN(bits, v));
  let data: DecodedTensor['data'];
  switch (dataType) {
    case ONNX_DTYPE.FLOAT: data = raw ? fromRaw(Float32Array) : Float32Array.from(floats); break;
    case ONNX_DTYPE.UINT8: data = raw ? fromRaw(Uint8Array) : Uint8Array.from(ints, (v) => Number(v)); break;
    case ONNX_DTYPE.INT8: data = raw ? fromRaw(Int8Array) : Int8Array.from(ints, (v) => signed(v, 32)); break;
    case ONNX_DTYPE.UINT16: data = raw ? fromRaw(Uint16Array) : Uint16Array.from(ints, (v) => Number(v)); break;
    case ONNX_DTYPE.INT16: data = raw ? fromRaw(Int16Array) : Int16Array.from(ints, (v) => signed(v, 32)); break;
    case ONNX_DTYPE.INT32: data = raw ? fromRaw(Int32Array) : Int32Array.from(ints, (v) => signed(v, 32)); break;
    case ONNX_DTYPE.INT64: {
      if (raw) {
        const copy = new Uint8Array(raw);
        if (copy.length !== count * 8) throw bad(`raw_data holds ${copy.length} bytes for ${count} int64 elements`);
        data = Array.from(new BigInt64Array(copy.buffer, 0, count), Number);
      } else data = int64s.map((v) => signed(v, 64));
      break;
    }
    default: throw bad(`unsupported tensor data type ${dataType}`);
  }
  if (data.length !== count) throw bad(`tensor '${name}' has ${data.length} elements for dims [${dims}]`);
  return { name, dims, dataType, data };
}

/** Integer and integer-list attributes of the first node of a ModelProto's graph. */
export function firstNodeAttributes(model: Uint8Array): { opType: string; attributes: Record<string, number | number[]> } {
  const graph = readFields(model).find((f) => f.field === 7);
  if (!graph) throw bad('model has no graph');
  const node = readFields(graph.value as Uint8Array).find((f) => f.field === 1);
  if (!node) throw bad('graph has no node');
  let opType = '';
  const attributes: Record<string, number | number[]> = {};
  for (const f of readFields(node.value as Uint8Array)) {
    if (f.field === 4) opType = Buffer.from(f.value as Uint8Array).toString('utf8');
    if (f.field !== 5) continue;
    let name = '';
    let i: number | undefined;
    const list: number[] = [];
    for (const a of readFields(f.value as Uint8Array)) {
      if (a.field === 1) name = Buffer.from(a.value as Uint8Array).toString('utf8');
      else if (a.field === 3) i = Number(BigInt.asIntN(64, a.value as bigint));
      else if (a.field === 8) list.push(...packedVarints(a).map((v) => Number(BigInt.asIntN(64, v))));
    }
    attributes[name] = i !== undefined ? i : list;
  }
  return { opType, attributes };
}
