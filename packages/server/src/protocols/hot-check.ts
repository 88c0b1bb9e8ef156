// Hand-written twins of the two hot-path request schemas (v2InferenceRequest and tfPredictRequest
// in schemas.ts): the same rules and the same output (unknown keys dropped), without zod. Measured
// under load on this 2-core machine, zod's parse of the small V2 envelope cost ~40 µs of CPU per
// request in the server (2 µs in a tight loop: its code and closures fall out of cache between
// requests), a third of the whole request. The zod schemas stay the definition (OpenAPI, every
// other route); test/units.test.ts runs both on valid, invalid and random bodies and requires the
// same verdict and the same output, so the twins cannot drift.
import { HttpError } from '../errors';
import type { V2InferenceRequest } from './schemas';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(prefix: string, path: string, message: string): never {
  throw new HttpError(400, `${prefix}${path ? `${path}: ` : ''}${message}`);
}

const V2 = 'invalid inference request: ';

function optString(o: Obj, key: string, path: string): string | undefined {
  const v = o[key];
  if (v !== undefined && typeof v !== 'string') bad(V2, path + key, 'Expected string');
  return v as string | undefined;
}

function optRecord(o: Obj, key: string, path: string): Obj | undefined {
  const v = o[key];
  if (v !== undefined && !isObj(v)) bad(V2, path + key, 'Expected record');
  return v as Obj | undefined;
}

/** Same as v2InferenceRequest.parse, answering 400 with the path of the first problem. */
export function checkV2Request(body: unknown): V2InferenceRequest {
  if (!isObj(body)) bad(V2, '', 'Expected object');
  const out: V2InferenceRequest = { inputs: [] };
  const id = optString(body, 'id', '');
  if (id !== undefined) out.id = id;
  const parameters = optRecord(body, 'parameters', '');
  if (parameters !== undefined) out.parameters = parameters;
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) bad(V2, 'inputs', 'Expected array');
  if (inputs.length < 1) bad(V2, 'inputs', 'Expected at least 1 item');
  for (let i = 0; i < inputs.length; ++i) {
    const t = inputs[i] as unknown;
    const p = `inputs.${i}.`;
    if (!isObj(t)) bad(V2, `inputs.${i}`, 'Expected object');
    if (typeof t.name !== 'string') bad(V2, `${p}name`, 'Expected string');
    const shape = t.shape;
    if (!Array.isArray(shape)) bad(V2, `${p}shape`, 'Expected array');
    for (let j = 0; j < shape.length; ++j) {
      const d = shape[j] as unknown;
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) bad(V2, `${p}shape.${j}`, 'Expected a non-negative integer');
    }
    if (typeof t.datatype !== 'string') bad(V2, `${p}datatype`, 'Expected string');
    const tp = optRecord(t, 'parameters', p);
    if (t.data !== undefined && !Array.isArray(t.data)) bad(V2, `${p}data`, 'Expected data as an array');
    const input: V2InferenceRequest['inputs'][number] = { name: t.name, shape: shape as number[], datatype: t.datatype };
    if (tp !== undefined) input.parameters = tp;
    if (t.data !== undefined) input.data = t.data as unknown[];
    out.inputs.push(input);
  }
  if (body.outputs !== undefined) {
    const outputs = body.outputs;
    if (!Array.isArray(outputs)) bad(V2, 'outputs', 'Expected array');
    out.outputs = outputs.map((o: unknown, i) => {
      if (!isObj(o)) bad(V2, `outputs.${i}`, 'Expected object');
      if (typeof o.name !== 'string') bad(V2, `outputs.${i}.name`, 'Expected string');
      const op = optRecord(o, 'parameters', `outputs.${i}.`);
      return op === undefined ? { name: o.name } : { name: o.name, parameters: op };
    });
  }
  return out;
}

export interface PredictRequest {
  signature_name?: string;
  instances?: unknown[];
  inputs?: unknown;
}

/** Same as tfPredictRequest.parse. */
export function checkPredictRequest(body: unknown): PredictRequest {
  if (!isObj(body)) bad('', '', 'Expected object');
  const out: PredictRequest = {};
  if (body.signature_name !== undefined) {
    if (typeof body.signature_name !== 'string') bad('', 'signature_name', 'Expected string');
    out.signature_name = body.signature_name;
  }
  if (body.instances !== undefined) {
    if (!Array.isArray(body.instances)) bad('', 'instances', 'Expected data as an array');
    out.instances = body.instances;
  }
  if (body.inputs !== undefined) out.inputs = body.inputs;
  if ((out.instances === undefined) === (out.inputs === undefined)) bad('', '', "Expected exactly one of 'instances' (row format) or 'inputs' (columnar format)");
  return out;
}
