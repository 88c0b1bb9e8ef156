// QuantizedMlp: an Mlp whose layers run on the int8 / int4 kernels (or stay fp32 where asked),
// held in its stored form (int8 values + per-channel scales, packed int4 nibbles + fp16 group
// scales) so that saving and loading it is bit-exact. Inference is one native call per batch,
// through weights packed once, like Mlp's.
import type { QuantizedLayerNative, QuantizedMlpNative } from '@amaas/native';
import { ArgumentError, callNative, fromNative, ShapeError } from '../errors';
import { features } from '../models/common';
import { decodeOutputs, Mlp, type MlpOutput } from '../models/mlp';
import { native } from '../native';
import { ASYNC_MIN_FLOPS, type Activation } from '../ops';
import { Tensor } from '../tensor';
import { describe } from '../validate';

export type QuantScheme = 'int8' | 'int4';
export type LayerScheme = 'fp32' | 'int8' | 'int4';

/** One layer as stored. W is (out, in) like Mlp's; int4 nibbles hold value+8, low nibble = even k. */
export interface QuantizedLayer {
  scheme: LayerScheme;
  bias: Float32Array;
  /** fp32 layers. */
  w?: Float32Array;
  /** int8 layers: values (out*in) and one scale per output channel. */
  q8?: Int8Array;
  q8Scales?: Float32Array;
  /** int8 layers: calibrated static input scale, or 0 for dynamic per-row scales. */
  actScale?: number;
  /** int4 layers: (out, ceil(in/2)) bytes and (out, ceil(in/32)) fp16 scales. */
  q4?: Uint8Array;
  q4Scales?: Uint16Array;
}

/** The spec of a QuantizedMlp (no tensors): what the model file's metadata holds. */
export interface QuantizedMlpJson {
  kind: 'quantized-mlp';
  layers: number[];
  activation: Activation;
  output: MlpOutput;
  scheme: QuantScheme;
  layerSchemes: LayerScheme[];
  actScales: number[];
}

const ACT_CODE: Record<Activation, 0 | 1 | 2 | 3 | 4> = { identity: 0, relu: 1, sigmoid: 2, tanh: 3, gelu: 4 };
const OUTPUT_CODE: Record<MlpOutput, 0 | 1 | 2> = { identity: 0, sigmoid: 1, softmax: 2 };
const SCHEME_CODE: Record<LayerScheme, 0 | 1 | 2> = { fp32: 0, int8: 1, int4: 2 };

/** Bytes of one int4 row of `inputs` weights (two per byte; scales per group of 32 are separate). */
export function q4RowBytes(inputs: number): number {
  return Math.ceil(inputs / 2);
}

function halfToFloat(h: number): number {
  const e = (h >> 10) & 31, f = h & 1023, s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** The fp32 weights (out, in) a stored layer stands for: fp32 as is, int8 value x its channel's
 *  scale, int4 (nibble - 8) x its group's fp16 scale. */
export function dequantizeLayer(d: QuantizedLayer, inputs: number, outputs: number): Float32Array {
  if (d.scheme === 'fp32') return d.w!.slice();
  const w = new Float32Array(outputs * inputs);
  if (d.scheme === 'int8') {
    for (let o = 0; o < outputs; ++o) for (let k = 0; k < inputs; ++k) w[o * inputs + k] = d.q8![o * inputs + k] * d.q8Scales![o];
    return w;
  }
  const G = Math.ceil(inputs / 32), row = q4RowBytes(inputs);
  for (let o = 0; o < outputs; ++o)
    for (let k = 0; k < inputs; ++k) {
      const byte = d.q4![o * row + (k >> 1)];
      w[o * inputs + k] = halfToFloat(d.q4Scales![o * G + (k >> 5)]) * (((k & 1 ? byte >> 4 : byte) & 15) - 8);
    }
  return w;
}

export class QuantizedMlp {
  readonly layers: readonly number[];
  readonly activation: Activation;
  readonly output: MlpOutput;
  readonly scheme: QuantScheme;
  readonly layerData: readonly QuantizedLayer[];
  private net: QuantizedMlpNative | null = null;

  constructor(json: Omit<QuantizedMlpJson, 'kind' | 'layerSchemes' | 'actScales'>, layerData: QuantizedLayer[]) {
    const { layers } = json;
    if (!Array.isArray(layers) || layers.length < 2 || layerData.length !== layers.length - 1)
      throw new ArgumentError(`Expected ${Array.isArray(layers) ? layers.length - 1 : '?'} quantized layers but received ${describe(layerData)}`);
    this.layers = Object.freeze(layers.slice());
    this.activation = json.activation;
    this.output = json.output;
    this.scheme = json.scheme;
    layerData.forEach((d, l) => checkLayer(d, l, layers[l], layers[l + 1]));
    this.layerData = Object.freeze(layerData.slice());
  }

  get inputs(): number {
    return this.layers[0];
  }
  get outputs(): number {
    return this.layers[this.layers.length - 1];
  }
  get fitted(): boolean {
    return true;
  }
  get parameterCount(): number {
    let n = 0;
    for (let l = 0; l + 1 < this.layers.length; ++l) n += this.layers[l] * this.layers[l + 1] + this.layers[l + 1];
    return n;
  }
  /** Multiply-add flops of one row's forward pass (what decides sync vs worker, as for Mlp). */
  get flopsPerRow(): number {
    let f = 0;
    for (let l = 0; l + 1 < this.layers.length; ++l) f += 2 * this.layers[l] * this.layers[l + 1];
    return f;
  }
  /** Bytes of the stored tensors (what the model file holds, without its header). */
  get storedBytes(): number {
    return this.layerData.reduce(
      (s, d) =>
        s + d.bias.byteLength + (d.w?.byteLength ?? 0) + (d.q8?.byteLength ?? 0) + (d.q8Scales?.byteLength ?? 0) +
        (d.q4?.byteLength ?? 0) + (d.q4Scales?.byteLength ?? 0),
      0,
    );
  }
  /** The kernel level inference runs on (for example 'avx512-vnni'). */
  get level(): string {
    return this.packedNet().level;
  }

  /** Outputs after the output activation, computed on the quantized kernels. */
  async predictProba(x: Tensor): Promise<Tensor> {
    const { X, n } = this.checkX(x);
    const out = new Float32Array(n * this.outputs);
    const net = this.packedNet();
    try {
      // The ops' rule: below ASYNC_MIN_FLOPS a worker hand-off costs more than the forward pass.
      if (n * this.flopsPerRow < ASYNC_MIN_FLOPS) native.qmlpPredict(net, X, n, out);
      else await native.qmlpPredictAsync(net, X, n, out);
    } catch (err) {
      throw fromNative(err);
    }
    return new Tensor(out, [n, this.outputs]);
  }

  predictProbaSync(x: Tensor): Tensor {
    const { X, n } = this.checkX(x);
    const out = new Float32Array(n * this.outputs);
    const net = this.packedNet();
    callNative(() => native.qmlpPredict(net, X, n, out));
    return new Tensor(out, [n, this.outputs]);
  }

  /** Output of hidden layer `layer` (after its activation): the per-layer error report uses it. */
  layerOutputSync(x: Tensor, layer: number): Tensor {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.layers.length - 1)
      throw new ArgumentError(`Expected a layer index in [0, ${this.layers.length - 2}] but received ${describe(layer)}`);
    const { X, n } = this.checkX(x);
    const width = this.layers[layer + 1];
    const out = new Float32Array(n * width);
    const net = this.packedNet();
    callNative(() => native.qmlpPredict(net, X, n, out, layer));
    return new Tensor(out, [n, width]);
  }

  async predict(x: Tensor): Promise<Float32Array> {
    return decodeOutputs(await this.predictProba(x), this.output);
  }

  predictSync(x: Tensor): Float32Array {
    return decodeOutputs(this.predictProbaSync(x), this.output);
  }

  /** Mean loss (cross-entropy, binary cross-entropy or MSE by output) and accuracy for classifiers. */
  evaluate(x: Tensor, y: Float32Array | Tensor): { loss: number; accuracy?: number } {
    const P = this.predictProbaSync(x).values();
    const Y = y instanceof Tensor ? y.values() : y;
    return scoreOutputs(P, Y, x.shape[0], this.outputs, this.output);
  }

  /** An fp32 Mlp holding this model's weights as stored (int8/int4 values times their scales).
   *  It differs from this model only by the activation quantization: what tools that need
   *  gradients (integrated-gradients attributions, further fine-tuning) work on. */
  dequantized(): Mlp {
    const weights: Float32Array[] = [];
    this.layerData.forEach((d, l) => {
      weights.push(dequantizeLayer(d, this.layers[l], this.layers[l + 1]), d.bias.slice());
    });
    return Mlp.fromWeights({ layers: this.layers.slice(), activation: this.activation, output: this.output }, weights);
  }

  /** Frees the packed weights now (they are rebuilt on the next prediction). */
  dispose(): void {
    if (this.net && !this.net.disposed) this.net.dispose();
    this.net = null;
  }

  toJSON(): QuantizedMlpJson {
    return {
      kind: 'quantized-mlp',
      layers: this.layers.slice(),
      activation: this.activation,
      output: this.output,
      scheme: this.scheme,
      layerSchemes: this.layerData.map((d) => d.scheme),
      actScales: this.layerData.map((d) => d.actScale ?? 0),
    };
  }

  private packedNet(): QuantizedMlpNative {
    if (!this.net || this.net.disposed) {
      const spec = { sizes: this.layers as number[], hidden: ACT_CODE[this.activation], output: OUTPUT_CODE[this.output], dropout: 0 };
      const layers: QuantizedLayerNative[] = this.layerData.map((d) => ({ ...d, scheme: SCHEME_CODE[d.scheme] }));
      this.net = callNative(() => native.qmlpCreate(spec, layers));
    }
    return this.net;
  }

  private checkX(x: Tensor): { X: Float32Array; n: number } {
    const { X, n } = features(x, 'x', this.inputs, { finite: false }); // the native side checks finiteness
    return { X, n };
  }

}

function checkLayer(d: QuantizedLayer, l: number, inputs: number, outputs: number): void {
  const at = `layer ${l}`;
  const want = (name: string, arr: ArrayLike<number> | undefined, n: number) => {
    if (!arr || arr.length !== n) throw new ShapeError(`${at} (${d.scheme}) needs ${name} of ${n} values but has ${arr ? arr.length : 'none'}`);
  };
  want('bias', d.bias, outputs);
  if (d.scheme === 'fp32') want('w', d.w, outputs * inputs);
  else if (d.scheme === 'int8') {
    want('q8', d.q8, outputs * inputs);
    want('q8Scales', d.q8Scales, outputs);
  } else if (d.scheme === 'int4') {
    want('q4', d.q4, outputs * q4RowBytes(inputs));
    want('q4Scales', d.q4Scales, outputs * Math.ceil(inputs / 32));
  } else throw new ArgumentError(`${at} has unknown scheme ${describe(d.scheme)}`);
}

/** Loss and accuracy of outputs P (n, k) against targets, as Mlp.evaluate defines them. */
export function scoreOutputs(P: Float32Array, Y: Float32Array, n: number, k: number, output: MlpOutput): { loss: number; accuracy?: number } {
  const tiny = 1e-12;
  let loss = 0;
  let correct = 0;
  if (output === 'softmax') {
    if (Y.length !== n) throw new ShapeError(`Expected ${n} class indices but received ${Y.length}`);
    for (let i = 0; i < n; ++i) {
      const y = Y[i];
      loss -= Math.log(Math.max(P[i * k + y], tiny));
      let best = 0;
      for (let j = 1; j < k; ++j) if (P[i * k + j] > P[i * k + best]) best = j;
      if (best === y) ++correct;
    }
    return { loss: loss / n, accuracy: correct / n };
  }
  if (Y.length !== n * k) throw new ShapeError(`Expected ${n * k} targets but received ${Y.length}`);
  for (let i = 0; i < n * k; ++i) {
    if (output === 'sigmoid') {
      const p = Math.min(Math.max(P[i], tiny), 1 - tiny);
      loss -= (Y[i] * Math.log(p) + (1 - Y[i]) * Math.log(1 - p)) / k;
      if ((P[i] >= 0.5) === (Y[i] >= 0.5)) ++correct;
    } else {
      loss += ((P[i] - Y[i]) * (P[i] - Y[i])) / k;
    }
  }
  return output === 'sigmoid' ? { loss: loss / n, accuracy: correct / (n * k) } : { loss: loss / n };
}
