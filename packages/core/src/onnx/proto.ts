// A minimal protobuf ENCODER for the subset of onnx.proto that exportOnnx writes: varints,
// length-delimited fields, packed repeated int64, fixed32 floats. Field numbers follow onnx.proto.
// Not here: decoding, unknown fields, groups, or any onnx.proto message the exporter does not use.
import { ArgumentError } from '../errors';

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LEN = 2;

/**
 * Bytes of a base-128 varint. Non-negative safe integers encode directly; negative values are
 * written as 64-bit two's complement (10 bytes), as protobuf does for int32/int64 fields.
 */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new ArgumentError(`Expected a safe integer for a protobuf varint but received ${value}`);
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Appends protobuf fields; `finish()` returns the message bytes. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private tag(field: number, wire: number): this {
    return this.push(encodeVarint(field * 8 + wire));
  }

  /** int32 / int64 / enum / bool field (varint). */
  int(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_VARINT).push(encodeVarint(value));
  }

  /** float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, WIRE_FIXED32).push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, WIRE_LEN).push(encodeVarint(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message, already encoded. */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  /** repeated int64 written packed (one length-delimited field of varints). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const w = new ProtoWriter();
    for (const v of values) w.push(encodeVarint(v));
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

// ------------------------------------------------------------------------------------------
// onnx.proto messages (only the fields written here)

/** TensorProto.DataType values used by the exporter. */
export const DataType = { FLOAT: 1, INT8: 3, INT64: 7 } as const;
/** AttributeProto.AttributeType values used by the exporter. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian element bytes. */
  rawData: Uint8Array;
}

export type AttributeProto =
  | { name: string; type: typeof AttributeType.INT; i: number }
  | { name: string; type: typeof AttributeType.FLOAT; f: number }
  | { name: string; type: typeof AttributeType.STRING; s: string }
  | { name: string; type: typeof AttributeType.INTS; ints: number[] }
  | { name: string; type: typeof AttributeType.FLOATS; floats: number[] };

export interface NodeProto {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: AttributeProto[];
}

/** A dimension: a fixed size or a symbolic name (dim_param). */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  elemType: number;
  shape: Dim[];
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  producerName: string;
  producerVersion?: string;
  opsetImports: { domain: string; version: number }[];
  graph: GraphProto;
  metadata?: Record<string, string>;
}

export function encodeTensor(t: TensorProto): Uint8Array {
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedInts(1, t.dims); // dims
  w.int(2, t.dataType); // data_type
  w.string(8, t.name); // name
  w.bytes(9, t.rawData); // raw_data
  return w.finish();
}

export function encodeAttribute(a: AttributeProto): Uint8Array {
  const w = new ProtoWriter().string(1, a.name); // name
  switch (a.type) {
    case AttributeType.FLOAT:
      w.float(2, a.f); // f
      break;
    case AttributeType.INT:
      w.int(3, a.i); // i
      break;
    case AttributeType.STRING:
      w.string(4, a.s); // s
      break;
    case AttributeType.FLOATS:
      for (const f of a.floats) w.float(7, f); // floats (unpacked fixed32 is always accepted)
      break;
    case AttributeType.INTS:
      w.packedInts(8, a.ints); // ints
      break;
  }
  w.int(20, a.type); // type
  return w.finish();
}

export function encodeNode(n: NodeProto): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i); // input
  for (const o of n.outputs) w.string(2, o); // output
  if (n.name) w.string(3, n.name); // name
  w.string(4, n.opType); // op_type
  for (const a of n.attributes ?? []) w.message(5, encodeAttribute(a)); // attribute
  if (n.domain) w.string(7, n.domain); // domain
  return w.finish();
}

function encodeDim(d: Dim): Uint8Array {
  const w = new ProtoWriter();
  if (typeof d === 'number') w.int(1, d); // dim_value
  else w.string(2, d); // dim_param
  return w.finish();
}

export function encodeValueInfo(v: ValueInfoProto): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, encodeDim(d)); // TensorShapeProto.dim
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape.finish()); // elem_type, shape
  const type = new ProtoWriter().message(1, tensorType.finish()); // TypeProto.tensor_type
  return new ProtoWriter().string(1, v.name).message(2, type.finish()).finish(); // name, type
}

export function encodeGraph(g: GraphProto): Uint8Array {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n)); // node
  w.string(2, g.name); // name
  for (const t of g.initializers) w.message(5, encodeTensor(t)); // initializer
  for (const v of g.inputs) w.message(11, encodeValueInfo(v)); // input
  for (const v of g.outputs) w.message(12, encodeValueInfo(v)); // output
  return w.finish();
}

export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion); // ir_version
  w.string(2, m.producerName); // producer_name
  if (m.producerVersion) w.string(3, m.producerVersion); // producer_version
  w.message(7, encodeGraph(m.graph)); // graph
  for (const op of m.opsetImports) {
    const o = new ProtoWriter();
    if (op.domain) o.string(1, op.domain); // domain
    o.int(2, op.version); // version
    w.message(8, o.finish()); // opset_import
  }
  for (const [key, value] of Object.entries(m.metadata ?? {}))
    w.message(14, new ProtoWriter().string(1, key).string(2, value).finish()); // metadata_props
  return w.finish();
}
