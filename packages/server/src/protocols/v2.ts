// KServe V2 / Open Inference Protocol: inference requests -> a model batch, outputs -> the
// response, metadata documents. Inputs are checked against the model's signature (count, shape)
// and every element against the datatype table; outputs may be selected by name and returned as
// JSON or binary (binary_data_output / per-output binary_data).
// Not here: HTTP plumbing (fast-path.ts, app.ts), the binary layout (v2-binary.ts).
import { HttpError } from '../errors';
import type { BatchInput, ModelAdapter } from '../models/adapter';
import type { LoadedVersion } from '../models/manager';
import { DATATYPE_NAMES, DATATYPES, datatypeOfDtype, isDatatype, type V2Datatype } from './datatypes';
import { checkV2Request } from './hot-check';
import type { V2InferenceRequest } from './schemas';
import { decodeBinaryTensor } from './v2-binary';

export interface DecodedV2 {
  input: BatchInput;
  id?: string;
  /** output tensors to send as binary */
  binaryOutput: boolean;
}

/** zod issues as one readable line. */
export function zodMessage(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') + ': ' : ''}${i.message}`)
    .join('; ');
}

/** The request checked against v2InferenceRequest, by its hand-written twin (hot-check.ts). */
export function parseV2Request(body: unknown): V2InferenceRequest {
  return checkV2Request(body);
}

function product(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Flattens nested `data` (row-major) into `out`, checking each element against `dt`. */
function flatten(data: unknown[], dt: V2Datatype, name: string, out: unknown[]): void {
  const spec = DATATYPES[dt];
  for (let i = 0; i < data.length; ++i) {
    const v = data[i];
    if (Array.isArray(v)) flatten(v, dt, name, out);
    else if (spec.accepts(v)) out.push(v);
    else throw new HttpError(400, `input '${name}': element ${out.length} is ${JSON.stringify(v)?.slice(0, 40)} but datatype ${dt} takes ${spec.describe}`);
  }
}

/** Float data of a numeric tensor; the fast loop for a flat FP32/FP64 array. */
function toFloat32(data: unknown[], dt: V2Datatype, name: string, count: number): Float32Array {
  const out = new Float32Array(count);
  if (dt === 'FP32' || dt === 'FP64') {
    if (data.length === count) {
      const max = dt === 'FP32' ? 3.4028234663852886e38 : Infinity;
      let i = 0;
      for (; i < count; ++i) {
        const v = data[i];
        if (typeof v !== 'number' || !(v <= max && v >= -max)) break;
        out[i] = v;
      }
      if (i === count) return out;
    }
  }
  const flat: unknown[] = [];
  flatten(data, dt, name, flat);
  if (flat.length !== count) throw new HttpError(400, `input '${name}': shape holds ${count} elements but data has ${flat.length}`);
  for (let i = 0; i < count; ++i) out[i] = dt === 'BOOL' ? (flat[i] ? 1 : 0) : (flat[i] as number);
  return out;
}

/** Rows of the model input from a tensor's shape: [n, d], or [d] (one row), or [n] when d = 1. */
export function rowsOf(shape: number[], adapter: ModelAdapter, name: string): number {
  const d = adapter.input.features;
  const count = product(shape);
  if (adapter.input.type === 'string') {
    if (shape.length === 1 || (shape.length === 2 && shape[1] === 1)) return count;
    throw new HttpError(400, `input '${name}': Expected shape [n] (one string per row) but received [${shape}]`);
  }
  if (shape.length === 2 && shape[1] === d) return shape[0];
  if (shape.length === 1 && d === 1) return shape[0];
  if (shape.length === 1 && shape[0] === d) return 1;
  throw new HttpError(400, `input '${name}': Expected shape [n, ${d}] but received [${shape}]`);
}

/** The model batch of a V2 request; `binary` is the tensor section of a binary request. */
export function decodeV2(req: V2InferenceRequest, binary: Buffer | null, lv: LoadedVersion): DecodedV2 {
  const adapter = lv.adapter;
  const expected = adapter.input.name;
  if (req.inputs.length !== 1)
    throw new HttpError(400, `model '${lv.model}' takes 1 input ('${expected}') but the request has ${req.inputs.length}`);
  const t = req.inputs[0];
  if (!isDatatype(t.datatype)) throw new HttpError(400, `input '${t.name}': unknown datatype '${t.datatype.slice(0, 20)}' (known: ${DATATYPE_NAMES.join(', ')})`);
  const dt = t.datatype;
  if (adapter.input.type === 'string' && dt !== 'BYTES') throw new HttpError(400, `input '${t.name}': model '${lv.model}' takes BYTES (strings) but received ${dt}`);
  if (adapter.input.type === 'float' && dt === 'BYTES') throw new HttpError(400, `input '${t.name}': model '${lv.model}' takes numbers but received BYTES`);
  const n = rowsOf(t.shape, adapter, t.name);
  const count = product(t.shape);
  if (n < 1) throw new HttpError(400, `input '${t.name}': Expected at least one row but the shape is [${t.shape}]`);
  let input: BatchInput;
  const binSize = t.parameters?.binary_data_size;
  if (binSize !== undefined) {
    if (!binary) throw new HttpError(400, `input '${t.name}' has binary_data_size but the request has no Inference-Header-Content-Length`);
    if (typeof binSize !== 'number' || !Number.isSafeInteger(binSize) || binSize < 0 || binSize > binary.length)
      throw new HttpError(400, `input '${t.name}': binary_data_size ${JSON.stringify(binSize)} does not fit the ${binary.length} binary bytes`);
    if (t.data !== undefined) throw new HttpError(400, `input '${t.name}' has both data and binary_data_size`);
    if (binSize !== binary.length) throw new HttpError(400, `the binary section has ${binary.length} bytes but the inputs announce ${binSize}`);
    const v = decodeBinaryTensor(binary.subarray(0, binSize), dt, count, t.name);
    input = Array.isArray(v) ? { type: 'string', texts: v, n } : { type: 'float', x: v, n };
  } else {
    if (t.data === undefined) throw new HttpError(400, `input '${t.name}' has neither data nor parameters.binary_data_size`);
    if (adapter.input.type === 'string') {
      const flat: unknown[] = [];
      flatten(t.data, dt, t.name, flat);
      if (flat.length !== count) throw new HttpError(400, `input '${t.name}': shape holds ${count} elements but data has ${flat.length}`);
      input = { type: 'string', texts: flat as string[], n };
    } else input = { type: 'float', x: toFloat32(t.data, dt, t.name, count), n };
  }
  let binaryOutput = req.parameters?.binary_data_output === true;
  if (req.outputs) {
    for (const o of req.outputs) {
      if (o.name !== adapter.output.name)
        throw new HttpError(400, `unexpected output '${o.name.slice(0, 64)}' requested (model '${lv.model}' has output '${adapter.output.name}')`);
      if (o.parameters?.binary_data === true) binaryOutput = true;
    }
  }
  return { input, id: req.id, binaryOutput };
}

/** The response document; with binaryOutput the data goes in `binary` instead. */
export function encodeV2(lv: LoadedVersion, out: Float32Array, n: number, d: Pick<DecodedV2, 'id' | 'binaryOutput'>): { header: Record<string, unknown>; binary: Float32Array | null } {
  const o = lv.adapter.output;
  const shape = o.rank === 1 ? [n] : [n, o.width];
  const output: Record<string, unknown> = { name: o.name, datatype: 'FP32', shape };
  if (d.binaryOutput) output.parameters = { binary_data_size: out.byteLength };
  else output.data = Array.from(out);
  const header: Record<string, unknown> = { model_name: lv.model, model_version: String(lv.version) };
  if (d.id !== undefined) header.id = d.id;
  header.outputs = [output];
  return { header, binary: d.binaryOutput ? out : null };
}

/** V2 model metadata (inputs/outputs with datatypes and shapes, -1 for the batch dimension). */
export function v2Metadata(name: string, versions: number[], lv: LoadedVersion): Record<string, unknown> {
  const sig = lv.adapter.signature;
  const tensor = (t: { name: string; dtype: string; shape: number[] }) => ({ name: t.name, datatype: datatypeOfDtype(t.dtype), shape: t.shape });
  return {
    name,
    versions: versions.map(String),
    platform: 'amaas',
    inputs: sig.inputs.map(tensor),
    outputs: sig.outputs.map(tensor),
    properties: { kind: lv.adapter.kind, version: String(lv.version), task: lv.adapter.task },
  };
}
