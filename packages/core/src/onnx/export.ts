// ONNX export of fitted models: Mlp, QuantizedMlp, LinearRegression, LogisticRegression become a
// ModelProto (IR 8, default opset 17, FLOAT input [batch, features] with a symbolic batch
// dimension) whose outputs match our predictProba / predict. int8 layers use the standard
// quantized operators (DynamicQuantizeLinear -> MatMulInteger -> rescale), the pattern
// onnxruntime's dynamic quantization produces; int4 layers are written with their dequantized
// fp32 weights (ONNX has no portable 4-bit MatMul before opset 21). Not here: import.
import { promises as fs } from 'node:fs';
import { ArgumentError, NotFittedError } from '../errors';
import { LinearRegression, LogisticRegression } from '../models/linear';
import { Mlp } from '../models/mlp';
import { dequantizeLayer, QuantizedMlp } from '../optimize/quantized-mlp';
import type { Activation } from '../ops';
import { describe } from '../validate';
import { AttributeType, DataType, encodeModel, GraphProto, NodeProto, TensorProto } from './proto';

export interface OnnxExportOptions {
  /** ai.onnx opset, 13..18 (default 17). */
  opset?: number;
  /** Graph input name (default 'input'): FLOAT [batch, features]. */
  inputName?: string;
  /** Graph output name (default 'output'). */
  outputName?: string;
}

export type OnnxExportable = Mlp | QuantizedMlp | LinearRegression | LogisticRegression;

const IR_VERSION = 8;
const MIN_OPSET = 13;
const MAX_OPSET = 18;
/** Every name the exporter invents starts with this, so user names cannot collide with it. */
const INTERNAL = 'amaas.';

/**
 * Serialises a fitted model to ONNX bytes. Outputs, per model:
 * - Mlp: [batch, outputs], the values of predictProba (after softmax / sigmoid / identity).
 * - LinearRegression: [batch], the values of predict (flat, like predict's Float32Array).
 * - LogisticRegression: [batch, classes], the values of predictProba (binary: [1 - p, p]).
 * Weights are stored as FLOAT initializers; float64 coefficients are rounded to float32.
 * Do not export an Mlp while its fit() is running: the weights are read as they are.
 */
export function exportOnnx(model: OnnxExportable, options: OnnxExportOptions = {}): Uint8Array {
  if (typeof options !== 'object' || options === null)
    throw new ArgumentError(`Expected an options object for exportOnnx but received ${describe(options)}`);
  const opset = options.opset ?? 17;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    throw new ArgumentError(`Expected opset an integer in [${MIN_OPSET}, ${MAX_OPSET}] but received ${describe(options.opset)}`);
  const inputName = checkName('inputName', options.inputName ?? 'input');
  const outputName = checkName('outputName', options.outputName ?? 'output');
  if (inputName === outputName) throw new ArgumentError(`inputName and outputName must differ but both are '${inputName}'`);

  const b = new GraphBuilder(inputName, outputName);
  let kind: string;
  if (model instanceof Mlp) {
    kind = 'mlp';
    buildMlp(b, model);
  } else if (model instanceof QuantizedMlp) {
    kind = 'quantized-mlp';
    buildQuantizedMlp(b, model);
  } else if (model instanceof LogisticRegression) {
    kind = 'logistic-regression';
    buildLogistic(b, model);
  } else if (model instanceof LinearRegression) {
    kind = 'linear-regression';
    buildLinear(b, model);
  } else {
    throw new ArgumentError(`Expected an Mlp, QuantizedMlp, LinearRegression or LogisticRegression to export but received ${describe(model)}`);
  }
  return encodeModel({
    irVersion: IR_VERSION,
    producerName: 'amaas',
    producerVersion: '0.1.0',
    opsetImports: [{ domain: '', version: opset }],
    graph: b.graph(`amaas-${kind}`),
    metadata: { 'amaas.model': kind },
  });
}

/** exportOnnx, then writes the bytes to `path`. */
export async function saveOnnx(model: OnnxExportable, path: string, options: OnnxExportOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new ArgumentError(`Expected a file path for saveOnnx but received ${describe(path)}`);
  await fs.writeFile(path, exportOnnx(model, options));
}

function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new ArgumentError(`Expected a non-empty string for ${what} but received ${describe(name)}`);
  if (name.startsWith(INTERNAL)) throw new ArgumentError(`${what} '${name}' may not start with '${INTERNAL}' (reserved for exporter names)`);
  return name;
}

/** Collects nodes and initializers; the graph input/output are FLOAT with a 'batch' dimension. */
class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private inputShape: (number | string)[] = [];
  private outputShape: (number | string)[] = [];
  private readonly scalars = new Map<string, string>();
  private counter = 0;

  constructor(readonly input: string, readonly output: string) {}

  io(features: number, outputShape: (number | string)[]): void {
    this.inputShape = ['batch', features];
    this.outputShape = outputShape;
  }

  /** A FLOAT initializer from float32/float64 values; returns its name. */
  constant(label: string, values: ArrayLike<number>, dims: number[]): string {
    const name = `${INTERNAL}${label}`;
    const f32 = Float32Array.from(values as ArrayLike<number>);
    const raw = new Uint8Array(f32.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < f32.length; ++i) view.setFloat32(i * 4, f32[i], true);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: raw });
    return name;
  }

  /** An INT8 initializer; returns its name. */
  int8(label: string, values: Int8Array, dims: number[]): string {
    const name = `${INTERNAL}${label}`;
    this.initializers.push({ name, dims, dataType: DataType.INT8, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice() });
    return name;
  }

  /** A node with several outputs (fresh internal names), returned in order. */
  nodeMulti(opType: string, inputs: string[], outputs: number): string[] {
    const id = this.counter++;
    const names = Array.from({ length: outputs }, (_, i) => `${INTERNAL}${opType.toLowerCase()}${id}_${i}`);
    this.nodes.push({ opType, inputs, outputs: names, name: `${opType}_${id}` });
    return names;
  }

  /** A scalar FLOAT initializer, created once per graph and shared by every node that needs it. */
  scalar(label: string, value: number): string {
    let name = this.scalars.get(label);
    if (!name) this.scalars.set(label, (name = this.constant(label, [value], [])));
    return name;
  }

  /** Adds a node; its single output is `out` or a fresh internal name. */
  node(opType: string, inputs: string[], attributes: NodeProto['attributes'] = [], out?: string): string {
    const id = this.counter++;
    const output = out ?? `${INTERNAL}${opType.toLowerCase()}${id}`;
    this.nodes.push({ opType, inputs, outputs: [output], name: `${opType}_${id}`, attributes });
    return output;
  }

  graph(name: string): GraphProto {
    return {
      name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: [{ name: this.input, elemType: DataType.FLOAT, shape: this.inputShape }],
      outputs: [{ name: this.output, elemType: DataType.FLOAT, shape: this.outputShape }],
    };
  }
}

const TRANS_B = [{ name: 'transB', type: AttributeType.INT, i: 1 }] as const;
const SOFTMAX_LAST = [{ name: 'axis', type: AttributeType.INT, i: -1 }] as const;

function buildMlp(b: GraphBuilder, m: Mlp): void {
  if (!m.fitted) throw new NotFittedError('this Mlp is not fitted yet: call fit() (or Mlp.fromJSON) before exportOnnx');
  const L = m.layers.length - 1;
  b.io(m.inputs, ['batch', m.outputs]);
  let h = b.input; // (batch, layers[l])
  for (let l = 0; l < L; ++l) {
    const W = m.weights[2 * l], bias = m.weights[2 * l + 1]; // W (out, in), bias (out)
    const w = b.constant(`layer${l}.weight`, W, [m.layers[l + 1], m.layers[l]]);
    const c = b.constant(`layer${l}.bias`, bias, [m.layers[l + 1]]);
    const last = l === L - 1;
    const direct = last && m.output === 'identity';
    h = b.node('Gemm', [h, w, c], [...TRANS_B], direct ? b.output : undefined); // (batch, out)
    if (!last) h = hidden(b, m.activation, h);
  }
  if (m.output === 'softmax') b.node('Softmax', [h], [...SOFTMAX_LAST], b.output);
  else if (m.output === 'sigmoid') b.node('Sigmoid', [h], [], b.output);
}

function buildQuantizedMlp(b: GraphBuilder, m: QuantizedMlp): void {
  const L = m.layers.length - 1;
  b.io(m.inputs, ['batch', m.outputs]);
  let h = b.input;
  m.layerData.forEach((d, l) => {
    const inp = m.layers[l], out = m.layers[l + 1];
    const last = l === L - 1;
    const direct = last && m.output === 'identity';
    const bias = b.constant(`layer${l}.bias`, d.bias, [out]);
    if (d.scheme === 'int8') {
      // x -> uint8 (per-tensor scale, zero point) -> int32 x W^T -> float * (x_scale * w_scale) + b.
      const wt = new Int8Array(inp * out); // MatMulInteger takes B as (in, out)
      for (let o = 0; o < out; ++o) for (let i = 0; i < inp; ++i) wt[i * out + o] = d.q8![o * inp + i];
      const w = b.int8(`layer${l}.weight_q`, wt, [inp, out]);
      const ws = b.constant(`layer${l}.weight_scale`, d.q8Scales!, [out]);
      const [xq, xs, xzp] = b.nodeMulti('DynamicQuantizeLinear', [h], 3);
      const acc = b.node('MatMulInteger', [xq, w, xzp]);
      const f = b.node('Cast', [acc], [{ name: 'to', type: AttributeType.INT, i: DataType.FLOAT }]);
      const scaled = b.node('Mul', [f, b.node('Mul', [xs, ws])]);
      h = b.node('Add', [scaled, bias], [], direct ? b.output : undefined);
    } else {
      const W = d.scheme === 'fp32' ? d.w! : dequantizeLayer(d, inp, out);
      const w = b.constant(`layer${l}.weight`, W, [out, inp]);
      h = b.node('Gemm', [h, w, bias], [...TRANS_B], direct ? b.output : undefined);
    }
    if (!last) h = hidden(b, m.activation, h);
  });
  if (m.output === 'softmax') b.node('Softmax', [h], [...SOFTMAX_LAST], b.output);
  else if (m.output === 'sigmoid') b.node('Sigmoid', [h], [], b.output);
}

/** The hidden activation applied to x; GELU is the exact erf form 0.5·x·(1 + erf(x/√2)). */
function hidden(b: GraphBuilder, activation: Activation, x: string): string {
  switch (activation) {
    case 'identity':
      return x;
    case 'relu':
      return b.node('Relu', [x]);
    case 'sigmoid':
      return b.node('Sigmoid', [x]);
    case 'tanh':
      return b.node('Tanh', [x]);
    case 'gelu': {
      const sqrt2 = b.scalar('sqrt2', Math.SQRT2);
      const one = b.scalar('one', 1);
      const half = b.scalar('half', 0.5);
      const e = b.node('Erf', [b.node('Div', [x, sqrt2])]);
      return b.node('Mul', [b.node('Mul', [x, b.node('Add', [e, one])]), half]);
    }
  }
}

function buildLinear(b: GraphBuilder, m: LinearRegression): void {
  const j = m.toJSON(); // throws NotFittedError when unfitted
  const d = j.coef.length;
  b.io(d, ['batch']);
  // MatMul of (batch, d) by a 1-D (d) gives (batch): the flat shape predict returns.
  const w = b.constant('coef', j.coef, [d]);
  const c = b.constant('intercept', [j.intercept], []);
  b.node('Add', [b.node('MatMul', [b.input, w]), c], [], b.output);
}

function buildLogistic(b: GraphBuilder, m: LogisticRegression): void {
  const j = m.toJSON(); // throws NotFittedError when unfitted
  const k = j.classes, d = j.features, R = k === 2 ? 1 : k;
  if (j.coef.length !== R * d || j.intercept.length !== R)
    throw new ArgumentError(`LogisticRegression has ${j.coef.length} coefficients and ${j.intercept.length} intercepts; expected ${R * d} and ${R}`);
  b.io(d, ['batch', k]);
  const w = b.constant('coef', j.coef, [R, d]); // (R, d)
  // predictProba adds the intercept only when fitIntercept is set.
  const c = b.constant('intercept', j.options.fitIntercept === false ? new Array<number>(R).fill(0) : j.intercept, [R]);
  const z = b.node('Gemm', [b.input, w, c], [...TRANS_B]); // logits (batch, R)
  if (k === 2) {
    const p = b.node('Sigmoid', [z]); // (batch, 1)
    const q = b.node('Sub', [b.scalar('one', 1), p]);
    b.node('Concat', [q, p], [{ name: 'axis', type: AttributeType.INT, i: 1 }], b.output); // (batch, 2)
  } else {
    b.node('Softmax', [z], [...SOFTMAX_LAST], b.output);
  }
}
