// The ONNX backend node tests for the quantization operators (../shared/conformance/
// onnx-node-tests: the format owner's own inputs and expected outputs), reproduced by our
// implementation: MatMulInteger and QLinearMatMul on the native int8 GEMM, the elementwise
// operators with the kernels' rounding. Integer outputs must match exactly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  decodeTensor, dequantizeLinear, dynamicQuantizeLinear, firstNodeAttributes, matmulInteger, qlinearMatmul, quantizeLinear,
  ModelFileError, readFields,
} from '../../src';
import type { DecodedTensor, QuantArray } from '../../src';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'conformance', 'onnx-node-tests');

function load(name: string): { inputs: DecodedTensor[]; outputs: DecodedTensor[]; attrs: Record<string, number | number[]> } {
  const dir = path.join(ROOT, name);
  if (!fs.existsSync(dir)) throw new Error(`conformance data missing: ${dir} (the repository expects ../shared/conformance beside it)`);
  const set = path.join(dir, 'test_data_set_0');
  const files = fs.readdirSync(set).sort();
  const read = (prefix: string) => files.filter((f) => f.startsWith(prefix)).sort((a, b) => parseInt(a.slice(prefix.length), 10) - parseInt(b.slice(prefix.length), 10)).map((f) => decodeTensor(fs.readFileSync(path.join(set, f))));
  return { inputs: read('input_'), outputs: read('output_'), attrs: firstNodeAttributes(fs.readFileSync(path.join(dir, 'model.onnx'))).attributes };
}

const ints = (a: ArrayLike<number>) => Array.from(a);

test.each(['test_quantizelinear', 'test_quantizelinear_axis', 'test_quantizelinear_int16'])('%s', (name) => {
  const { inputs: [x, scale, zp], outputs: [y], attrs } = load(name);
  const out = quantizeLinear(x.data as Float32Array, x.dims, scale.data as Float32Array, (zp?.data as QuantArray) ?? null, { axis: attrs.axis as number | undefined, scaleShape: scale.dims });
  expect(out.constructor).toBe(y.data.constructor);
  expect(ints(out)).toEqual(ints(y.data));
});

test.each(['test_dequantizelinear', 'test_dequantizelinear_axis', 'test_dequantizelinear_blocked'])('%s', (name) => {
  const { inputs: [x, scale, zp], outputs: [y], attrs } = load(name);
  const out = dequantizeLinear(x.data as QuantArray, x.dims, scale.data as Float32Array, (zp?.data as QuantArray) ?? null, {
    axis: attrs.axis as number | undefined, blockSize: attrs.block_size as number | undefined, scaleShape: scale.dims,
  });
  expect(Array.from(out)).toEqual(Array.from(y.data as Float32Array));
});

test.each(['test_dynamicquantizelinear', 'test_dynamicquantizelinear_max_adjusted', 'test_dynamicquantizelinear_min_adjusted'])('%s', (name) => {
  const { inputs: [x], outputs: [y, scale, zp] } = load(name);
  const out = dynamicQuantizeLinear(x.data as Float32Array);
  expect(out.scale).toBe((scale.data as Float32Array)[0]);
  expect(out.zeroPoint).toBe((zp.data as Uint8Array)[0]);
  expect(ints(out.y)).toEqual(ints(y.data));
});

test('test_matmulinteger (native u8 x s8 -> s32 GEMM)', () => {
  const { inputs: [a, b, azp, bzp], outputs: [y] } = load('test_matmulinteger');
  const out = matmulInteger(a.data as Uint8Array, a.dims, b.data as Uint8Array, b.dims, azp.data as Uint8Array, bzp.data as Uint8Array);
  expect(out.shape).toEqual(y.dims);
  expect(ints(out.data)).toEqual(ints(y.data));
});

test.each(['test_qlinearmatmul_2D_uint8_float32', 'test_qlinearmatmul_2D_int8_float32', 'test_qlinearmatmul_3D_uint8_float32', 'test_qlinearmatmul_3D_int8_float32'])(
  '%s (native int8 GEMM)',
  (name) => {
    const { inputs: [a, as, azp, b, bs, bzp, ys, yzp], outputs: [y] } = load(name);
    const out = qlinearMatmul(
      a.data as Uint8Array, a.dims, as.data as Float32Array, azp.data as Uint8Array,
      b.data as Uint8Array, b.dims, bs.data as Float32Array, bzp.data as Uint8Array,
      ys.data as Float32Array, yzp.data as Uint8Array,
    );
    expect(out.shape).toEqual(y.dims);
    expect(out.data.constructor).toBe(y.data.constructor);
    expect(ints(out.data)).toEqual(ints(y.data));
  },
);

test('the decoder refuses truncated or hostile protobuf', () => {
  const good = fs.readFileSync(path.join(ROOT, 'test_matmulinteger', 'test_data_set_0', 'input_0.pb'));
  expect(() => decodeTensor(good.subarray(0, good.length - 3))).toThrow(ModelFileError);
  expect(() => readFields(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/past the end/);
  expect(() => readFields(Uint8Array.from([0x0b]))).toThrow(/wire type/);
});
