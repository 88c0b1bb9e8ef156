// TF Serving REST: paths (/v1/models/{m}[/versions/{v}|/labels/{l}][:verb]), row (`instances`) and
// columnar (`inputs`) predict, :classify and :regress over tf.Example-style `examples`, our
// :explain extension, and the status/metadata documents. Errors are `{ "error": "..." }` like
// TF Serving's own. Not here: HTTP plumbing (fast-path.ts, app.ts).
import { HttpError } from '../errors';
import type { BatchInput, ModelAdapter } from '../models/adapter';
import type { LoadedVersion, Selector } from '../models/manager';
import { zodMessage } from './v2';
import { checkPredictRequest } from './hot-check';
import { tfExamplesRequest, tfExplainRequest } from './schemas';

export type TfVerb = 'predict' | 'classify' | 'regress' | 'explain' | 'metadata' | 'status';

export interface TfPath {
  model: string;
  selector: Selector;
  verb: TfVerb;
}

const TF_PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?(?::(predict|classify|regress|explain)|\/(metadata))?\/?$/;

/** Parses a /v1/models path (query string already removed); null when it is not one. */
export function parseTfPath(pathname: string): TfPath | null {
  const m = TF_PATH.exec(pathname);
  if (!m) return null;
  let model: string;
  try {
    model = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  const selector: Selector = {};
  if (m[2] !== undefined) selector.version = m[2];
  if (m[3] !== undefined) selector.label = m[3];
  const verb: TfVerb = (m[4] as TfVerb | undefined) ?? (m[5] ? 'metadata' : 'status');
  return { model, selector, verb };
}

function badRow(i: number, what: string): never {
  throw new HttpError(400, `instance ${i}: ${what}`);
}

/** One row of floats from a number, an array of `d` numbers, or {input_name: value}. */
function floatRow(v: unknown, adapter: ModelAdapter, out: Float32Array, off: number, i: number): void {
  const d = adapter.input.features;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && (keys[0] === adapter.input.name || keys[0] === 'inputs')) v = o[keys[0]];
    else badRow(i, `Expected {"${adapter.input.name}": ...} but received keys [${keys.slice(0, 5).join(', ')}]`);
  }
  if (typeof v === 'number') {
    if (d !== 1) badRow(i, `Expected ${d} numbers but received a single number`);
    out[off] = v;
    return;
  }
  if (!Array.isArray(v) || v.length !== d) badRow(i, `Expected an array of ${d} numbers but received ${Array.isArray(v) ? `${v.length} values` : typeof v}`);
  for (let j = 0; j < d; ++j) {
    const x = v[j];
    if (typeof x !== 'number') badRow(i, `element ${j} is ${JSON.stringify(x)?.slice(0, 30)}, not a number`);
    out[off + j] = x;
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** TF Serving's form of a binary string, {"b64": "<base64>"}, as the text its bytes hold (UTF-8);
 *  anything else unchanged. */
function fromB64(v: unknown, i: number): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== 'b64') return v;
  const s = (v as { b64: unknown }).b64;
  if (typeof s !== 'string' || !BASE64.test(s) || s.replace(/=+$/, '').length % 4 === 1)
    badRow(i, `Expected {"b64": "<base64 string>"} but received ${JSON.stringify(s)?.slice(0, 40)}`);
  return Buffer.from(s, 'base64').toString('utf8');
}

function textRow(v: unknown, adapter: ModelAdapter, i: number): string {
  v = fromB64(v, i);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    v = fromB64(o[adapter.input.name] ?? o.text ?? o.inputs, i);
  }
  if (typeof v !== 'string') badRow(i, `Expected a string, {"b64": "..."} or {"${adapter.input.name}": "..."} but received ${typeof v}`);
  return v;
}

/** A batch from a list of rows (the `instances` format). */
export function rowsToBatch(rows: unknown[], adapter: ModelAdapter): BatchInput {
  const n = rows.length;
  if (n === 0) throw new HttpError(400, 'Expected at least one instance');
  if (adapter.input.type === 'string') return { type: 'string', texts: rows.map((r, i) => textRow(r, adapter, i)), n };
  const d = adapter.input.features;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; ++i) floatRow(rows[i], adapter, x, i * d, i);
  return { type: 'float', x, n };
}

export interface DecodedPredict {
  input: BatchInput;
  columnar: boolean;
}

export function decodePredict(body: unknown, adapter: ModelAdapter): DecodedPredict {
  const r = checkPredictRequest(body); // tfPredictRequest's hand-written twin (hot-check.ts)
  if (r.instances !== undefined) return { input: rowsToBatch(r.instances, adapter), columnar: false };
  let inputs = r.inputs;
  if (inputs !== null && typeof inputs === 'object' && !Array.isArray(inputs)) {
    const o = inputs as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length !== 1 || keys[0] !== adapter.input.name)
      throw new HttpError(400, `Expected columnar inputs {"${adapter.input.name}": [...]} but received keys [${keys.slice(0, 5).join(', ')}]`);
    inputs = o[keys[0]];
  }
  if (typeof inputs === 'string' || typeof inputs === 'number') inputs = [inputs];
  if (!Array.isArray(inputs)) throw new HttpError(400, "Expected 'inputs' as a tensor (array of rows) or an object of named tensors");
  return { input: rowsToBatch(inputs, adapter), columnar: true };
}

/** Per-row outputs: a number for rank-1 outputs, else an array of `width` numbers. */
export function outputRows(out: Float32Array, n: number, adapter: ModelAdapter): (number | number[])[] {
  const w = adapter.output.width;
  const rows: (number | number[])[] = new Array(n);
  if (adapter.output.rank === 1) for (let i = 0; i < n; ++i) rows[i] = out[i];
  else for (let i = 0; i < n; ++i) rows[i] = Array.from(out.subarray(i * w, (i + 1) * w));
  return rows;
}

export function encodePredict(out: Float32Array, n: number, adapter: ModelAdapter, columnar: boolean): Record<string, unknown> {
  const rows = outputRows(out, n, adapter);
  return columnar ? { outputs: rows } : { predictions: rows };
}

/** `examples` (each merged over `context`) as rows. */
export function decodeExamples(body: unknown, adapter: ModelAdapter): BatchInput {
  const r = tfExamplesRequest.safeParse(body);
  if (!r.success) throw new HttpError(400, zodMessage(r.error));
  const context = r.data.context ?? {};
  const rows = r.data.examples.map((e, i) => {
    const ex = { ...context, ...e };
    if (adapter.input.name in ex) return ex[adapter.input.name];
    if (adapter.input.type === 'string') return ex.text ?? ex.inputs;
    // Unnamed features: `d` numeric entries in order (e.g. {"f0": 1, "f1": 2}).
    const values = Object.values(ex);
    if (values.length === adapter.input.features && values.every((v) => typeof v === 'number')) return adapter.input.features === 1 ? values[0] : values;
    throw new HttpError(400, `example ${i}: Expected feature '${adapter.input.name}' (or ${adapter.input.features} numeric features)`);
  });
  return rowsToBatch(rows, adapter);
}

export function encodeClassify(out: Float32Array, n: number, adapter: ModelAdapter): Record<string, unknown> {
  const results: [string, number][][] = [];
  const w = adapter.output.rank === 1 ? 1 : adapter.output.width;
  for (let i = 0; i < n; ++i) {
    if (adapter.task === 'regression' || !adapter.classes) {
      if (w !== 1) throw new HttpError(400, `model has ${w} outputs per row: neither a classifier nor a single-value regressor`);
      results.push([['', out[i]]]);
    } else results.push(adapter.classes.map((c, j) => [c, out[i * w + j]]));
  }
  return { results };
}

export function encodeRegress(out: Float32Array, n: number, adapter: ModelAdapter): Record<string, unknown> {
  const w = adapter.output.rank === 1 ? 1 : adapter.output.width;
  if (adapter.task !== 'regression' || w !== 1) throw new HttpError(400, `model '${adapter.kind}' is not a single-value regressor; use :classify or :predict`);
  return { results: Array.from(out.subarray(0, n)) };
}

export function decodeExplain(body: unknown, adapter: ModelAdapter): { x: Float32Array; n: number; baseline?: Float32Array; steps?: number; target?: number } {
  const r = tfExplainRequest.safeParse(body);
  if (!r.success) throw new HttpError(400, zodMessage(r.error));
  const batch = rowsToBatch(r.data.instances, adapter);
  if (batch.type !== 'float') throw new HttpError(400, 'explain needs numeric inputs');
  if (batch.n > 64) throw new HttpError(400, `explain takes at most 64 instances per request but received ${batch.n}`);
  let baseline: Float32Array | undefined;
  if (r.data.baseline) {
    if (r.data.baseline.length !== adapter.input.features)
      throw new HttpError(400, `Expected a baseline of ${adapter.input.features} numbers but received ${r.data.baseline.length}`);
    baseline = Float32Array.from(r.data.baseline);
  }
  return { x: batch.x, n: batch.n, baseline, steps: r.data.steps, target: r.data.target };
}

export function tfStatus(versions: LoadedVersion[]): Record<string, unknown> {
  return {
    model_version_status: versions.map((lv) => ({
      version: String(lv.version),
      state: lv.state === 'ready' ? 'AVAILABLE' : lv.state === 'draining' ? 'UNLOADING' : 'END',
      status: { error_code: 'OK', error_message: '' },
    })),
  };
}

const TF_DTYPE: Record<string, string> = { F32: 'DT_FLOAT', F64: 'DT_DOUBLE', F16: 'DT_HALF', string: 'DT_STRING', I32: 'DT_INT32', I64: 'DT_INT64' };

export function tfMetadata(lv: LoadedVersion): Record<string, unknown> {
  const tensor = (t: { name: string; dtype: string; shape: number[] }) => ({
    dtype: TF_DTYPE[t.dtype] ?? 'DT_FLOAT',
    tensor_shape: { dim: t.shape.map((s) => ({ size: String(s), name: '' })), unknown_rank: false },
    name: t.name,
  });
  const sig = lv.adapter.signature;
  return {
    model_spec: { name: lv.model, signature_name: '', version: String(lv.version) },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: Object.fromEntries(sig.inputs.map((t) => [t.name, tensor(t)])),
            outputs: Object.fromEntries(sig.outputs.map((t) => [t.name, tensor(t)])),
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}
