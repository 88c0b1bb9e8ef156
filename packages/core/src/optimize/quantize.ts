// Post-training quantization of an Mlp to int8 (W8A8) or int4 (group-wise weights), with the
// error it costs measured: per layer against the fp32 network on calibration rows, and the
// accuracy delta on an evaluation set.
import { ArgumentError, callNative, NotFittedError } from '../errors';
import { features } from '../models/common';
import { Mlp } from '../models/mlp';
import { native } from '../native';
import { linearSync, softmaxSync } from '../ops';
import { Tensor } from '../tensor';
import { describe, expectLayerIndices, expectOneOf } from '../validate';
import { QuantizedMlp, q4RowBytes, scoreOutputs } from './quantized-mlp';
import type { LayerScheme, QuantizedLayer, QuantScheme } from './quantized-mlp';

export interface QuantizeOptions {
  scheme: QuantScheme;
  /**
   * Representative input rows. They give the per-layer error report and, for int8 with
   * `activations: 'static'`, each layer's input scale (max |x|, or the `percentile`).
   */
  calibration?: Tensor;
  /** int8 activation scales: per row at run time (default), or calibrated once per layer. */
  activations?: 'dynamic' | 'static';
  /** Static calibration: clip inputs at this percentile of |x| (default 100 = the maximum). */
  percentile?: number;
  /** Layers kept in fp32 (indices; negative counts from the end, e.g. [-1] = the output layer). */
  keepFp32?: number[];
  /** Labelled rows for the accuracy delta (classifiers) or loss delta. */
  evaluation?: { x: Tensor; y: Float32Array | Tensor };
}

export interface LayerQuantReport {
  layer: number;
  scheme: LayerScheme;
  shape: [number, number];
  /** Largest |quantized - fp32| over the calibration rows' outputs of this layer. */
  maxAbsError: number;
  rmsError: number;
  /** rmsError / RMS of the fp32 outputs. */
  relativeRms: number;
  /** Calibrated static input scale (int8 static), else 0. */
  actScale: number;
}

export interface QuantizationReport {
  scheme: QuantScheme;
  /** The kernel level inference runs on here. */
  level: string;
  calibrationRows: number;
  /** Per layer; empty without calibration (or evaluation) rows. */
  layers: LayerQuantReport[];
  bytes: { fp32: number; quantized: number; ratio: number };
  evaluation?: { rows: number; fp32: { loss: number; accuracy?: number }; quantized: { loss: number; accuracy?: number }; accuracyDelta?: number; lossDelta: number };
}

/** The quantized model, with `report` describing what the quantization cost. */
export interface QuantizeResult {
  model: QuantizedMlp;
  report: QuantizationReport;
}

/** Quantizes a fitted Mlp. Weights: int8 per output channel, or int4 per 32-wide group. */
export function quantize(model: Mlp, options: QuantizeOptions): QuantizeResult {
  if (!(model instanceof Mlp)) throw new ArgumentError(`quantize expects a fitted Mlp but received ${describe(model)}`);
  if (!model.fitted) throw new NotFittedError('quantize needs a fitted Mlp: call fit() first');
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`Expected options { scheme } but received ${describe(options)}`);
  const scheme = expectOneOf('scheme', options.scheme, ['int8', 'int4'] as const);
  const activations = expectOneOf('activations', options.activations ?? 'dynamic', ['dynamic', 'static'] as const);
  const percentile = options.percentile ?? 100;
  if (typeof percentile !== 'number' || !(percentile > 0 && percentile <= 100))
    throw new ArgumentError(`Expected percentile in (0, 100] but received ${describe(options.percentile)}`);
  if (activations === 'static' && scheme !== 'int8') throw new ArgumentError("activations: 'static' applies to int8 only (int4 quantizes activations per group at run time)");
  if (activations === 'static' && !options.calibration) throw new ArgumentError("activations: 'static' needs calibration rows");
  const L = model.layers.length - 1;
  const keep = expectLayerIndices('keepFp32', options.keepFp32 ?? [], L);
  const calib = options.calibration ? features(options.calibration, 'calibration', model.inputs).X : null;
  const calibRows = calib ? calib.length / model.inputs : 0;

  // fp32 activations of every layer on the calibration rows (inputs of layer l = acts[l]).
  const reportRows = calib ? options.calibration! : options.evaluation?.x;
  const acts = reportRows ? fp32Layers(model, reportRows) : null;

  const layerData: QuantizedLayer[] = [];
  for (let l = 0; l < L; ++l) {
    const inputs = model.layers[l], outputs = model.layers[l + 1];
    const W = model.weights[2 * l], bias = model.weights[2 * l + 1].slice();
    const layerScheme: LayerScheme = keep.has(l) ? 'fp32' : scheme;
    if (layerScheme === 'fp32') {
      layerData.push({ scheme: 'fp32', w: W.slice(), bias });
    } else if (layerScheme === 'int8') {
      const q8 = new Int8Array(outputs * inputs), q8Scales = new Float32Array(outputs);
      callNative(() => native.quantizeWeightsQ8(W, outputs, inputs, q8, q8Scales));
      // static needs calibration rows, so acts[l] then holds this layer's fp32 inputs on them
      const actScale = activations === 'static' && acts ? staticScale(acts[l], percentile) : 0;
      layerData.push({ scheme: 'int8', q8, q8Scales, actScale, bias });
    } else {
      const G = Math.ceil(inputs / 32);
      const q4 = new Uint8Array(outputs * q4RowBytes(inputs)), q4Scales = new Uint16Array(outputs * G);
      callNative(() => native.quantizeWeightsQ4(W, outputs, inputs, q4, q4Scales));
      layerData.push({ scheme: 'int4', q4, q4Scales, bias });
    }
  }
  const q = new QuantizedMlp({ layers: model.layers.slice(), activation: model.activation, output: model.output, scheme }, layerData);

  const layers: LayerQuantReport[] = [];
  if (reportRows && acts) {
    for (let l = 0; l < L; ++l) {
      const ours = (l === L - 1 ? q.predictProbaSync(reportRows) : q.layerOutputSync(reportRows, l)).values();
      const ref = acts[l + 1];
      let maxAbs = 0, se = 0, ss = 0;
      for (let i = 0; i < ref.length; ++i) {
        const e = Math.abs(ours[i] - ref[i]);
        if (e > maxAbs) maxAbs = e;
        se += e * e;
        ss += ref[i] * ref[i];
      }
      const rms = Math.sqrt(se / ref.length);
      layers.push({
        layer: l, scheme: layerData[l].scheme, shape: [model.layers[l + 1], model.layers[l]],
        maxAbsError: maxAbs, rmsError: rms, relativeRms: ss > 0 ? rms / Math.sqrt(ss / ref.length) : 0,
        actScale: layerData[l].actScale ?? 0,
      });
    }
  }
  const fp32Bytes = model.weights.reduce((s, w) => s + w.byteLength, 0);
  const report: QuantizationReport = {
    scheme,
    level: q.level,
    calibrationRows: calib ? calibRows : reportRows ? reportRows.shape[0] : 0,
    layers,
    bytes: { fp32: fp32Bytes, quantized: q.storedBytes, ratio: fp32Bytes / q.storedBytes },
  };
  if (options.evaluation) {
    const { x, y } = options.evaluation;
    const Y = y instanceof Tensor ? y.values() : y;
    const before = model.evaluate(x, Y);
    const after = scoreOutputs(q.predictProbaSync(x).values(), Y, x.shape[0], q.outputs, q.output);
    report.evaluation = {
      rows: x.shape[0], fp32: before, quantized: after, lossDelta: after.loss - before.loss,
      ...(before.accuracy !== undefined && after.accuracy !== undefined ? { accuracyDelta: after.accuracy - before.accuracy } : {}),
    };
  }
  return { model: q, report };
}

/** fp32 outputs of every layer of the Mlp on rows x: [x, h1, ..., output probabilities]. */
function fp32Layers(model: Mlp, x: Tensor): Float32Array[] {
  const out: Float32Array[] = [features(x, 'x', model.inputs).X];
  let h = x;
  const L = model.layers.length - 1;
  for (let l = 0; l < L; ++l) {
    const W = new Tensor(model.weights[2 * l], [model.layers[l + 1], model.layers[l]]);
    const b = new Tensor(model.weights[2 * l + 1], [model.layers[l + 1]]);
    const last = l === L - 1;
    const act = !last ? model.activation : model.output === 'sigmoid' ? 'sigmoid' : 'identity';
    h = linearSync(h, W, b, { activation: act });
    if (last && model.output === 'softmax') h = softmaxSync(h);
    out.push(h.values());
  }
  return out;
}

/** The static int8 scale of a layer's inputs: the percentile of |x| over 127. */
function staticScale(x: Float32Array, percentile: number): number {
  let amax: number;
  if (percentile >= 100) {
    amax = 0;
    for (let i = 0; i < x.length; ++i) amax = Math.max(amax, Math.abs(x[i]));
  } else {
    const abs = Float32Array.from(x, Math.abs).sort();
    amax = abs[Math.min(abs.length - 1, Math.floor((percentile / 100) * abs.length))];
  }
  return amax > 0 ? amax / 127 : 1;
}
