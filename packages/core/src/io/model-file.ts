// The AMaaS model file: a safetensors file whose tensors are a model's numeric arrays and whose
// __metadata__ holds format, format_version, kind, spec (JSON of everything else), library_version,
// created and signature (JSON of input/output names, dtypes and shapes, -1 = batch).
// Loading checks the format, version, kind and every expected tensor's dtype and shape before a
// model is built. Not here: the container itself (safetensors.ts), model registries, serving.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { AmaasError, ArgumentError, ModelFileError } from '../errors';
import { LinearRegression, LinearRegressionJson, LogisticRegression, LogisticRegressionJson } from '../models/linear';
import { Mlp, MlpJson } from '../models/mlp';
import { QuantizedMlp, q4RowBytes } from '../optimize/quantized-mlp';
import type { QuantizedLayer, QuantizedMlpJson } from '../optimize/quantized-mlp';
import { encodeArray } from '../text/encoding';
import { TextClassifier, TextClassifierJSON } from '../text/pipeline';
import { MinMaxScaler, StandardScaler } from '../data/preprocess';
import { describe } from '../validate';
import { DEFAULT_MAX_HEADER_BYTES, readSafetensors, ReadTensor, SafetensorsDtype, TensorEntry, typedView, writeSafetensors } from './safetensors';

export const MODEL_FORMAT = 'amaas-model';
export const MODEL_FORMAT_VERSION = '1';
const SUPPORTED_VERSIONS = ['1'];

export type SavableModel = Mlp | LinearRegression | LogisticRegression | TextClassifier | QuantizedMlp;
export type ModelKind = 'mlp' | 'linear-regression' | 'logistic-regression' | 'text-classifier' | 'quantized-mlp';

export interface SignatureTensor {
  name: string;
  /** A safetensors dtype, or 'string' for text inputs. */
  dtype: SafetensorsDtype | 'string';
  /** -1 marks the batch dimension. */
  shape: number[];
}
export interface ModelSignature {
  inputs: SignatureTensor[];
  outputs: SignatureTensor[];
}

export interface ModelFileInfo {
  kind: ModelKind;
  formatVersion: string;
  libraryVersion: string;
  created: string | null;
  signature: ModelSignature;
  spec: unknown;
  /** Training / evaluation metrics saved with the model (SerializeOptions.metrics), or null. */
  metrics: Record<string, number> | null;
  /** What the model expects around it (SerializeOptions.preprocessing), or null. */
  preprocessing: Preprocessing | null;
}

/**
 * The state that must travel with a model for its inputs and outputs to mean anything: the
 * fitted feature scaler to apply before predicting, the class names of its outputs, and the
 * feature names of its inputs. Stored as JSON in __metadata__.preprocessing.
 */
export interface Preprocessing {
  scaler?: StandardScaler | MinMaxScaler | null;
  labels?: string[] | null;
  featureNames?: string[] | null;
}

export interface SerializeOptions {
  /** Creation time written to the metadata (default: now). */
  created?: Date | string;
  /** Training / evaluation metrics recorded in the metadata (finite numbers by name). */
  metrics?: Record<string, number>;
  /** Scaler state, class names and feature names to keep with the model. */
  preprocessing?: Preprocessing;
}

export interface LoadOptions {
  /** Largest safetensors header accepted (default 16 MiB); raise it for very large vocabularies. */
  maxHeaderBytes?: number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const LIBRARY_VERSION: string = (require('../../package.json') as { version: string }).version;

function invalid(message: string, cause?: unknown): AmaasError {
  return new ModelFileError(message, cause === undefined ? undefined : { cause });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(kind: string, field: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw invalid(`${kind} spec field '${field}' must be a positive integer but is ${describe(v)}`);
  return v as number;
}

/** spec.layers of an MLP kind: at least 2 positive integer sizes. */
function layerSizes(kind: string, spec: Record<string, unknown>): number[] {
  const layers = spec.layers;
  if (!Array.isArray(layers) || layers.length < 2) throw invalid(`${kind} spec field 'layers' must be an array of at least 2 sizes but is ${describe(layers)}`);
  return layers.map((s, i) => positiveInt(kind, `layers[${i}]`, s));
}

/** The signature of an MLP kind: x (rows, inputs) -> y (rows, outputs). */
function mlpSignature(inputs: number, outputs: number): ModelSignature {
  return { inputs: [{ name: 'x', dtype: 'F32', shape: [-1, inputs] }], outputs: [{ name: 'y', dtype: 'F32', shape: [-1, outputs] }] };
}

/** Per-kind mapping between a model and (spec, tensors). */
interface Codec<M> {
  kind: ModelKind;
  matches(model: unknown): model is M;
  encode(model: M): { spec: Record<string, unknown>; tensors: Record<string, TensorEntry>; signature: ModelSignature };
  /** Tensors the spec calls for; checked against the file before build(). Throws invalid() on a bad spec. */
  expected(spec: Record<string, unknown>): Record<string, { dtype: SafetensorsDtype; shape: number[] }>;
  build(spec: Record<string, unknown>, tensors: Record<string, ReadTensor>): M;
}

const f32 = (t: ReadTensor): Float32Array => typedView(t as ReadTensor & { dtype: 'F32' });
const f64 = (t: ReadTensor): Float64Array => typedView(t as ReadTensor & { dtype: 'F64' });

const mlpCodec: Codec<Mlp> = {
  kind: 'mlp',
  matches: (m): m is Mlp => m instanceof Mlp,
  encode(model) {
    const json = model.toJSON();
    const tensors: Record<string, TensorEntry> = {};
    for (let l = 0; l + 1 < json.layers.length; ++l) {
      // W_l (out, in) row-major, b_l (out)
      tensors[`layers.${l}.weight`] = { dtype: 'F32', shape: [json.layers[l + 1], json.layers[l]], data: model.weights[2 * l] };
      tensors[`layers.${l}.bias`] = { dtype: 'F32', shape: [json.layers[l + 1]], data: model.weights[2 * l + 1] };
    }
    const { weights: _w, ...spec } = json;
    return {
      spec,
      tensors,
      signature: mlpSignature(model.inputs, model.outputs),
    };
  },
  expected(spec) {
    const layers = layerSizes('mlp', spec);
    const out: Record<string, { dtype: SafetensorsDtype; shape: number[] }> = {};
    for (let l = 0; l + 1 < layers.length; ++l) {
      out[`layers.${l}.weight`] = { dtype: 'F32', shape: [layers[l + 1], layers[l]] };
      out[`layers.${l}.bias`] = { dtype: 'F32', shape: [layers[l + 1]] };
    }
    return out;
  },
  build(spec, tensors) {
    const layers = spec.layers as number[];
    const weights: number[][] = [];
    for (let l = 0; l + 1 < layers.length; ++l) weights.push(Array.from(f32(tensors[`layers.${l}.weight`])), Array.from(f32(tensors[`layers.${l}.bias`])));
    return Mlp.fromJSON({ ...(spec as unknown as MlpJson), kind: 'mlp', weights });
  },
};

const linearCodec: Codec<LinearRegression> = {
  kind: 'linear-regression',
  matches: (m): m is LinearRegression => m instanceof LinearRegression,
  encode(model) {
    const json = model.toJSON();
    const d = json.coef.length;
    return {
      spec: { features: d, options: json.options },
      tensors: { coef: { dtype: 'F64', shape: [d], data: Float64Array.from(json.coef) }, intercept: { dtype: 'F64', shape: [], data: Float64Array.of(json.intercept) } },
      signature: { inputs: [{ name: 'x', dtype: 'F32', shape: [-1, d] }], outputs: [{ name: 'y', dtype: 'F32', shape: [-1] }] },
    };
  },
  expected(spec) {
    const d = positiveInt('linear-regression', 'features', spec.features);
    return { coef: { dtype: 'F64', shape: [d] }, intercept: { dtype: 'F64', shape: [] } };
  },
  build(spec, tensors) {
    const json: LinearRegressionJson = {
      kind: 'linear-regression', options: (spec.options ?? {}) as LinearRegressionJson['options'],
      coef: Array.from(f64(tensors.coef)), intercept: f64(tensors.intercept)[0],
    };
    return LinearRegression.fromJSON(json);
  },
};

const logisticCodec: Codec<LogisticRegression> = {
  kind: 'logistic-regression',
  matches: (m): m is LogisticRegression => m instanceof LogisticRegression,
  encode(model) {
    const json = model.toJSON();
    const rows = json.intercept.length, d = json.features;
    return {
      spec: { classes: json.classes, features: d, options: json.options },
      tensors: {
        coef: { dtype: 'F64', shape: [rows, d], data: Float64Array.from(json.coef) }, // (rows, d): 1 row binary, k rows softmax
        intercept: { dtype: 'F64', shape: [rows], data: Float64Array.from(json.intercept) },
      },
      signature: { inputs: [{ name: 'x', dtype: 'F32', shape: [-1, d] }], outputs: [{ name: 'probabilities', dtype: 'F32', shape: [-1, json.classes] }] },
    };
  },
  expected(spec) {
    const k = positiveInt('logistic-regression', 'classes', spec.classes);
    if (k < 2) throw invalid(`logistic-regression spec field 'classes' must be >= 2 but is ${k}`);
    const d = positiveInt('logistic-regression', 'features', spec.features);
    const rows = k === 2 ? 1 : k;
    return { coef: { dtype: 'F64', shape: [rows, d] }, intercept: { dtype: 'F64', shape: [rows] } };
  },
  build(spec, tensors) {
    return LogisticRegression.fromJSON({
      kind: 'logistic-regression', classes: spec.classes as number, features: spec.features as number,
      options: (spec.options ?? {}) as LogisticRegressionJson['options'],
      coef: Array.from(f64(tensors.coef)), intercept: Array.from(f64(tensors.intercept)),
    });
  },
};

const textCodec: Codec<TextClassifier> = {
  kind: 'text-classifier',
  matches: (m): m is TextClassifier => m instanceof TextClassifier,
  encode(model) {
    const json = model.toJSON();
    const { nb, tfidf } = json;
    const k = nb.nClasses, d = nb.nFeatures;
    const tensors: Record<string, TensorEntry> = {
      'nb.feature_log_prob': { dtype: 'F32', shape: [k, d], data: decodeEncoded(nb.featureLogProb) }, // (classes, features)
      'nb.class_log_prior': { dtype: 'F64', shape: [k], data: decodeEncoded(nb.classLogPrior) },
      'nb.class_count': { dtype: 'F64', shape: [k], data: Float64Array.from(nb.classCount) },
    };
    if (tfidf?.idf) tensors['tfidf.idf'] = { dtype: 'F64', shape: [tfidf.nFeatures], data: decodeEncoded(tfidf.idf) };
    const spec = {
      type: json.type, version: json.version, classes: json.classes, vectorizer: json.vectorizer,
      tfidf: tfidf ? { type: tfidf.type, version: tfidf.version, options: tfidf.options, nFeatures: tfidf.nFeatures, hasIdf: tfidf.idf !== null } : null,
      nb: { type: nb.type, version: nb.version, options: nb.options, nClasses: k, nFeatures: d },
    };
    return {
      spec,
      tensors,
      signature: { inputs: [{ name: 'text', dtype: 'string', shape: [-1] }], outputs: [{ name: 'probabilities', dtype: 'F32', shape: [-1, k] }] },
    };
  },
  expected(spec) {
    if (!isObject(spec.nb)) throw invalid(`text-classifier spec field 'nb' must be an object but is ${describe(spec.nb)}`);
    const k = positiveInt('text-classifier', 'nb.nClasses', spec.nb.nClasses);
    const d = positiveInt('text-classifier', 'nb.nFeatures', spec.nb.nFeatures);
    const out: Record<string, { dtype: SafetensorsDtype; shape: number[] }> = {
      'nb.feature_log_prob': { dtype: 'F32', shape: [k, d] },
      'nb.class_log_prior': { dtype: 'F64', shape: [k] },
      'nb.class_count': { dtype: 'F64', shape: [k] },
    };
    if (spec.tfidf !== null) {
      if (!isObject(spec.tfidf)) throw invalid(`text-classifier spec field 'tfidf' must be an object or null but is ${describe(spec.tfidf)}`);
      if (spec.tfidf.hasIdf === true) out['tfidf.idf'] = { dtype: 'F64', shape: [positiveInt('text-classifier', 'tfidf.nFeatures', spec.tfidf.nFeatures)] };
    }
    return out;
  },
  build(spec, tensors) {
    const nb = spec.nb as Record<string, unknown>;
    const tfidf = spec.tfidf as Record<string, unknown> | null;
    const json = {
      ...spec,
      tfidf: tfidf ? { type: tfidf.type, version: tfidf.version, options: tfidf.options, nFeatures: tfidf.nFeatures, idf: tensors['tfidf.idf'] ? encodeArray(f64(tensors['tfidf.idf'])) : null } : null,
      nb: {
        ...nb,
        featureLogProb: encodeArray(f32(tensors['nb.feature_log_prob'])),
        classLogPrior: encodeArray(f64(tensors['nb.class_log_prior'])),
        classCount: Array.from(f64(tensors['nb.class_count'])),
      },
    } as unknown as TextClassifierJSON;
    return TextClassifier.fromJSON(json);
  },
};

/** The typed array behind an EncodedArray of a text model's JSON (little-endian base64). */
function decodeEncoded(e: { dtype: 'float32' | 'float64'; base64: string }): Float32Array | Float64Array {
  const bytes = Buffer.from(e.base64, 'base64');
  const copy = new Uint8Array(bytes.length); // aligned at 0
  copy.set(bytes);
  return e.dtype === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
}

// Quantized MLP. Per layer l, by its scheme:
//   fp32: layers.l.weight F32 (out, in)
//   int8: layers.l.weight I8 (out, in), layers.l.weight_scale F32 (out): W ~ scale[o] * q[o, i]
//   int4: layers.l.weight U8 (out, ceil(in/2)): byte j of a row holds k = 2j in its low and
//         k = 2j+1 in its high nibble, each as q+8 (q in [-8, 7], 8 = the padding of an odd `in`);
//         layers.l.weight_scale F16 (out, ceil(in/32)): W ~ scale[o, k/32] * q[o, k]
//   all:  layers.l.bias F32 (out)
// The spec also records each int8 layer's static activation scale (0 = dynamic per row).
const quantizedCodec: Codec<QuantizedMlp> = {
  kind: 'quantized-mlp',
  matches: (m): m is QuantizedMlp => m instanceof QuantizedMlp,
  encode(model) {
    const json = model.toJSON();
    const tensors: Record<string, TensorEntry> = {};
    model.layerData.forEach((d, l) => {
      const out = json.layers[l + 1], inp = json.layers[l];
      if (d.scheme === 'fp32') tensors[`layers.${l}.weight`] = { dtype: 'F32', shape: [out, inp], data: d.w! };
      else if (d.scheme === 'int8') {
        tensors[`layers.${l}.weight`] = { dtype: 'I8', shape: [out, inp], data: d.q8! };
        tensors[`layers.${l}.weight_scale`] = { dtype: 'F32', shape: [out], data: d.q8Scales! };
      } else {
        tensors[`layers.${l}.weight`] = { dtype: 'U8', shape: [out, q4RowBytes(inp)], data: d.q4! };
        tensors[`layers.${l}.weight_scale`] = { dtype: 'F16', shape: [out, Math.ceil(inp / 32)], data: d.q4Scales! };
      }
      tensors[`layers.${l}.bias`] = { dtype: 'F32', shape: [out], data: d.bias };
    });
    const { kind: _k, ...spec } = json;
    return {
      spec: { ...spec, int4Layout: 'U8 (out, ceil(in/2)), low nibble = even k, value+8; F16 scales (out, ceil(in/32)), one per 32 k' },
      tensors,
      signature: mlpSignature(model.inputs, model.outputs),
    };
  },
  expected(spec) {
    const layers = layerSizes('quantized-mlp', spec);
    const schemes = spec.layerSchemes;
    if (!Array.isArray(schemes) || schemes.length !== layers.length - 1 || schemes.some((x) => x !== 'fp32' && x !== 'int8' && x !== 'int4'))
      throw invalid(`quantized-mlp spec field 'layerSchemes' must list fp32/int8/int4 for each of ${layers.length - 1} layers but is ${describe(schemes)}`);
    const acts = spec.actScales;
    if (!Array.isArray(acts) || acts.length !== layers.length - 1 || acts.some((a) => typeof a !== 'number' || !(a >= 0) || !Number.isFinite(a)))
      throw invalid(`quantized-mlp spec field 'actScales' must hold one finite scale >= 0 per layer but is ${describe(acts)}`);
    const out: Record<string, { dtype: SafetensorsDtype; shape: number[] }> = {};
    for (let l = 0; l + 1 < layers.length; ++l) {
      const o = layers[l + 1], i = layers[l];
      if (schemes[l] === 'fp32') out[`layers.${l}.weight`] = { dtype: 'F32', shape: [o, i] };
      else if (schemes[l] === 'int8') {
        out[`layers.${l}.weight`] = { dtype: 'I8', shape: [o, i] };
        out[`layers.${l}.weight_scale`] = { dtype: 'F32', shape: [o] };
      } else {
        out[`layers.${l}.weight`] = { dtype: 'U8', shape: [o, q4RowBytes(i)] };
        out[`layers.${l}.weight_scale`] = { dtype: 'F16', shape: [o, Math.ceil(i / 32)] };
      }
      out[`layers.${l}.bias`] = { dtype: 'F32', shape: [o] };
    }
    return out;
  },
  build(spec, tensors) {
    const json = spec as unknown as QuantizedMlpJson;
    const data: QuantizedLayer[] = json.layerSchemes.map((scheme, l) => {
      const w = tensors[`layers.${l}.weight`], sc = tensors[`layers.${l}.weight_scale`];
      const bias = f32(tensors[`layers.${l}.bias`]).slice();
      if (scheme === 'fp32') return { scheme, w: f32(w).slice(), bias };
      if (scheme === 'int8')
        return { scheme, q8: typedView(w as ReadTensor & { dtype: 'I8' }).slice(), q8Scales: f32(sc).slice(), actScale: json.actScales[l], bias };
      return { scheme, q4: typedView(w as ReadTensor & { dtype: 'U8' }).slice(), q4Scales: typedView(sc as ReadTensor & { dtype: 'F16' }).slice(), bias };
    });
    return new QuantizedMlp({ layers: json.layers, activation: json.activation, output: json.output, scheme: json.scheme }, data);
  },
};

const CODECS: Codec<SavableModel>[] = [mlpCodec, linearCodec, logisticCodec, textCodec, quantizedCodec] as Codec<SavableModel>[];

function codecFor(model: unknown): Codec<SavableModel> {
  const c = CODECS.find((k) => k.matches(model));
  if (!c) throw new ArgumentError(`Expected a Mlp, QuantizedMlp, LinearRegression, LogisticRegression or TextClassifier to save but received ${describe(model)}`);
  return c;
}

// ------------------------------------------------------------------------------------------
// Public API

/** The model as the bytes of an AMaaS model file. The model must be fitted. */
export function serializeModel(model: SavableModel, options: SerializeOptions = {}): Buffer {
  const codec = codecFor(model);
  const { spec, tensors, signature } = codec.encode(model);
  const created = options.created === undefined ? new Date().toISOString() : options.created instanceof Date ? options.created.toISOString() : String(options.created);
  return writeSafetensors(tensors, {
    format: MODEL_FORMAT,
    format_version: MODEL_FORMAT_VERSION,
    kind: codec.kind,
    spec: JSON.stringify(spec),
    library_version: LIBRARY_VERSION,
    created,
    signature: JSON.stringify(signature),
    ...(options.metrics ? { metrics: JSON.stringify(checkMetrics(options.metrics)) } : {}),
    ...(options.preprocessing ? { preprocessing: JSON.stringify(encodePreprocessing(options.preprocessing)) } : {}),
  });
}

const stringList = (what: string, v: unknown): string[] | null => {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ArgumentError(`Expected ${what} as an array of strings but received ${describe(v)}`);
  return v.slice();
};

function encodePreprocessing(p: Preprocessing): Record<string, unknown> {
  if (!isObject(p)) throw new ArgumentError(`Expected preprocessing as { scaler?, labels?, featureNames? } but received ${describe(p)}`);
  const scaler = p.scaler ?? null;
  if (scaler !== null && !(scaler instanceof StandardScaler) && !(scaler instanceof MinMaxScaler))
    throw new ArgumentError(`Expected preprocessing.scaler to be a fitted StandardScaler or MinMaxScaler but received ${describe(scaler)}`);
  return { scaler: scaler ? scaler.toJSON() : null, labels: stringList('preprocessing.labels', p.labels), featureNames: stringList('preprocessing.featureNames', p.featureNames) };
}

function decodePreprocessing(v: unknown): Preprocessing {
  if (!isObject(v)) throw invalid(`__metadata__.preprocessing must be a JSON object but is ${describe(v)}`);
  try {
    const spec = v.scaler;
    const scaler = spec === null || spec === undefined ? null : (spec as { type?: unknown }).type === 'MinMaxScaler' ? MinMaxScaler.fromJSON(spec) : StandardScaler.fromJSON(spec);
    return { scaler, labels: stringList('labels', v.labels), featureNames: stringList('featureNames', v.featureNames) };
  } catch (err) {
    throw invalid(`__metadata__.preprocessing is not valid: ${(err as Error).message}`, err);
  }
}

function checkMetrics(m: unknown): Record<string, number> {
  if (!isObject(m)) throw new ArgumentError(`Expected metrics as { name: number } but received ${describe(m)}`);
  for (const [k, v] of Object.entries(m))
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`metric '${k}' must be a finite number but is ${describe(v)}`);
  return m as Record<string, number>;
}

/** Reads and checks the metadata of a model file without building the model. */
export function readModelInfo(buf: Uint8Array, options: LoadOptions = {}): ModelFileInfo {
  return parse(buf, options).info;
}

/** Rebuilds a model from the bytes of a model file; every defect is AmaasError 'INVALID_MODEL_FILE'. */
export function deserializeModel(buf: Uint8Array, options: LoadOptions = {}): SavableModel {
  const { info, codec, tensors } = parse(buf, options);
  const spec = info.spec as Record<string, unknown>;
  const expected = codec.expected(spec);
  for (const [name, want] of Object.entries(expected)) {
    const t = tensors[name];
    if (!t) throw invalid(`${info.kind} model file lacks tensor '${name}' (${want.dtype} [${want.shape}])`);
    if (t.dtype !== want.dtype) throw invalid(`tensor '${name}' should be ${want.dtype} but is ${t.dtype}`);
    if (t.shape.length !== want.shape.length || t.shape.some((s, i) => s !== want.shape[i]))
      throw invalid(`tensor '${name}' should have shape [${want.shape}] (from the spec) but has [${t.shape}]`);
  }
  for (const name of Object.keys(tensors))
    if (!(name in expected)) throw invalid(`${info.kind} model file has unexpected tensor '${name}'`);
  try {
    return codec.build(spec, tensors);
  } catch (err) {
    if (err instanceof AmaasError && err.code === 'INVALID_MODEL_FILE') throw err;
    throw invalid(`${info.kind} spec is not a valid model: ${(err as Error)?.message ?? String(err)}`, err);
  }
}

/** Writes the model file atomically: temp file, fsync, rename over `path`, fsync the directory. */
export async function saveModel(model: SavableModel, path: string, options: SerializeOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new ArgumentError(`Expected a file path but received ${describe(path)}`);
  const bytes = serializeModel(model, options);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fh = await fsp.open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  try {
    // Best effort: makes the rename durable; not possible on every platform (Windows).
    const dir = await fsp.open(nodePath.dirname(nodePath.resolve(path)), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    /* best effort */
  }
}

/** Loads a model from a file path or from the file's bytes. */
export async function loadModel(pathOrBuffer: string | Uint8Array, options: LoadOptions = {}): Promise<SavableModel> {
  if (typeof pathOrBuffer === 'string') return deserializeModel(await fsp.readFile(pathOrBuffer), options);
  if (pathOrBuffer instanceof Uint8Array) return deserializeModel(pathOrBuffer, options);
  throw new ArgumentError(`Expected a file path or a Uint8Array but received ${describe(pathOrBuffer)}`);
}

function parse(buf: Uint8Array, options: LoadOptions): { info: ModelFileInfo; codec: Codec<SavableModel>; tensors: Record<string, ReadTensor> } {
  const { tensors, metadata } = readSafetensors(buf, { maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES });
  if (metadata.format !== MODEL_FORMAT)
    throw invalid(`__metadata__.format should be '${MODEL_FORMAT}' but is ${describe(metadata.format)}: not an AMaaS model file`);
  const version = metadata.format_version;
  if (!SUPPORTED_VERSIONS.includes(version))
    throw invalid(`format_version ${describe(version)} is not supported (this library reads ${SUPPORTED_VERSIONS.join(', ')}); upgrade @amaas/core`);
  const codec = CODECS.find((c) => c.kind === metadata.kind);
  if (!codec) throw invalid(`unknown model kind ${describe(metadata.kind)} (known: ${CODECS.map((c) => c.kind).join(', ')})`);
  const spec = parseJson('spec', metadata.spec);
  if (!isObject(spec)) throw invalid(`__metadata__.spec must be a JSON object but is ${describe(spec)}`);
  const signature = parseJson('signature', metadata.signature);
  if (!isObject(signature) || !Array.isArray(signature.inputs) || !Array.isArray(signature.outputs))
    throw invalid(`__metadata__.signature must be a JSON object {inputs: [...], outputs: [...]} but is ${describe(signature)}`);
  let metrics: Record<string, number> | null = null;
  if (metadata.metrics !== undefined) {
    const m = parseJson('metrics', metadata.metrics);
    if (!isObject(m) || Object.values(m).some((v) => typeof v !== 'number' || !Number.isFinite(v)))
      throw invalid(`__metadata__.metrics must be a JSON object of finite numbers but is ${describe(m)}`);
    metrics = m as Record<string, number>;
  }
  const preprocessing = metadata.preprocessing === undefined ? null : decodePreprocessing(parseJson('preprocessing', metadata.preprocessing));
  return {
    info: {
      kind: codec.kind,
      formatVersion: version,
      libraryVersion: metadata.library_version ?? 'unknown',
      created: metadata.created ?? null,
      signature: signature as unknown as ModelSignature,
      spec,
      metrics,
      preprocessing,
    },
    codec,
    tensors,
  };
}

function parseJson(field: string, text: string | undefined): unknown {
  if (text === undefined) throw invalid(`__metadata__ lacks '${field}'`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(`__metadata__.${field} is not valid JSON: ${(err as Error).message}`, err);
  }
}
