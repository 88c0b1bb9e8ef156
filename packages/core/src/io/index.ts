// Model files: the safetensors container and the AMaaS model file built on it.
// Not here: model registries, remote storage, formats other than safetensors.
export {
  writeSafetensors,
  readSafetensors,
  typedView,
  float32Entry,
  float64Entry,
  toFloat32,
  toFloat64,
  DTYPE_BYTES,
  DEFAULT_MAX_HEADER_BYTES,
} from './safetensors';
export type { SafetensorsDtype, TensorEntry, ReadTensor, SafetensorsFile, ReadSafetensorsOptions, TypedArrayOf } from './safetensors';
export { serializeModel, deserializeModel, saveModel, loadModel, readModelInfo, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './model-file';
export type { SavableModel, ModelKind, ModelSignature, SignatureTensor, ModelFileInfo, SerializeOptions, LoadOptions, Preprocessing } from './model-file';
