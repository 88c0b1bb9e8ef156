// ONNX export: exportOnnx / saveOnnx over a self-contained protobuf encoder.
// ONNX quantization operators (on our int8 GEMM) and a TensorProto decoder for the format
// owner's test data. Not here: ONNX import or running ONNX models (use onnxruntime for that).
export { exportOnnx, saveOnnx } from './export';
export type { OnnxExportOptions, OnnxExportable } from './export';
export { quantizeLinear, dequantizeLinear, dynamicQuantizeLinear, matmulInteger, qlinearMatmul, roundHalfEven } from './quant-ops';
export type { QuantArray, AxisOptions } from './quant-ops';
export { decodeTensor, firstNodeAttributes, readFields, ONNX_DTYPE } from './decode';
export type { DecodedTensor, ProtoField } from './decode';
