// The binary tensor extension of the KServe V2 protocol: a JSON header of
// `Inference-Header-Content-Length` bytes followed by raw little-endian tensors, each announced
// by `parameters.binary_data_size`. It lets clients skip JSON for the numbers entirely.
// Not here: the JSON part (v2.ts).
import { HttpError } from '../errors';
import { DATATYPES, halfToFloat, type V2Datatype } from './datatypes';

export const HEADER_LENGTH = 'inference-header-content-length';

/** Splits a request body at the announced JSON header length. */
export function splitBinaryBody(body: Buffer, headerLength: string): { json: Buffer; binary: Buffer } {
  if (!/^[0-9]{1,10}$/.test(headerLength)) throw new HttpError(400, `Expected Inference-Header-Content-Length to be a byte count but received '${headerLength.slice(0, 20)}'`);
  const n = Number(headerLength);
  if (n > body.length) throw new HttpError(400, `Inference-Header-Content-Length ${n} exceeds the body's ${body.length} bytes`);
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

/** `count` elements of `datatype` from raw bytes, as float32 (numbers) or strings (BYTES). */
export function decodeBinaryTensor(bytes: Buffer, datatype: V2Datatype, count: number, name: string): Float32Array | string[] {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    let off = 0;
    while (off < bytes.length) {
      if (off + 4 > bytes.length) throw new HttpError(400, `input '${name}': truncated BYTES length prefix at byte ${off}`);
      const len = bytes.readUInt32LE(off);
      off += 4;
      if (off + len > bytes.length) throw new HttpError(400, `input '${name}': BYTES element of ${len} bytes overruns the tensor at byte ${off}`);
      out.push(bytes.toString('utf8', off, off + len));
      off += len;
    }
    if (out.length !== count) throw new HttpError(400, `input '${name}': shape holds ${count} elements but the binary data has ${out.length}`);
    return out;
  }
  const size = DATATYPES[datatype].size;
  if (bytes.length !== count * size)
    throw new HttpError(400, `input '${name}': shape holds ${count} ${datatype} elements (${count * size} bytes) but binary_data_size is ${bytes.length}`);
  if (datatype === 'FP32') {
    // zero copy when aligned (Buffers from the pool often are not)
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    const copy = new Float32Array(count);
    new Uint8Array(copy.buffer).set(bytes);
    return copy;
  }
  const out = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < count; ++i) {
    const o = i * size;
    switch (datatype) {
      case 'BOOL': out[i] = dv.getUint8(o) ? 1 : 0; break;
      case 'UINT8': out[i] = dv.getUint8(o); break;
      case 'INT8': out[i] = dv.getInt8(o); break;
      case 'UINT16': out[i] = dv.getUint16(o, true); break;
      case 'INT16': out[i] = dv.getInt16(o, true); break;
      case 'UINT32': out[i] = dv.getUint32(o, true); break;
      case 'INT32': out[i] = dv.getInt32(o, true); break;
      case 'UINT64': out[i] = Number(dv.getBigUint64(o, true)); break;
      case 'INT64': out[i] = Number(dv.getBigInt64(o, true)); break;
      case 'FP16': out[i] = halfToFloat(dv.getUint16(o, true)); break;
      case 'FP64': out[i] = dv.getFloat64(o, true); break;
    }
    if (!Number.isFinite(out[i])) throw new HttpError(400, `input '${name}': element ${i} is not finite`);
  }
  return out;
}

/** The body of a binary response: JSON header then the raw outputs, with its header length. */
export function binaryBody(header: unknown, tensors: Float32Array[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  const parts = [json, ...tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))];
  return { body: Buffer.concat(parts), headerLength: json.length };
}
