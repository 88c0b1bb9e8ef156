// ONNX export: exportOnnx / saveOnnx over a self-contained protobuf encoder.
// Not here: ONNX import or running ONNX models (use onnxruntime for that).
export { exportOnnx, saveOnnx } from './export';
export type { OnnxExportOptions, OnnxExportable } from './export';
