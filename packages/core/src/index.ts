// @amaas/core: the library applications import. Tensors and dense ops over the native engine,
// engine settings, and the error hierarchy. Models, training and serving build on these.
export { Tensor, isTensor } from './tensor';
export type { Shape } from './tensor';
export {
  matmul,
  matmulSync,
  linear,
  linearSync,
  softmax,
  softmaxSync,
  PackedLinear,
  packLinear,
  ACTIVATIONS,
  ASYNC_MIN_FLOPS,
} from './ops';
export type { Activation, MatmulOptions, LinearOptions } from './ops';
export { engineInfo, setIsa, setThreads, fmaPeak } from './engine';
export { cudaInfo, requireCuda, resolveDevice, cudaMatmul, cudaQmatmul, quantizeWeightsInt8, predictProbaOn, DEVICES } from './cuda';
export type { Device, CudaPrecision, CudaMatmulOptions, Int8Weights } from './cuda';
export * from './data';
export * from './eval';
export * from './text';
export * from './io';
export * from './onnx';
export * from './registry';
export * from './optimize';
export { Mlp } from './models/mlp';
export { LinearRegression, LogisticRegression } from './models/linear';
export type { LinearRegressionOptions, LinearRegressionJson, LogisticRegressionOptions, LogisticRegressionJson } from './models/linear';
export type { MlpOptions, MlpJson, FitOptions, TrainHistory, TrainProgress, OptimizerOptions, ScheduleOptions } from './models/mlp';
export type { EngineInfo, IsaName } from './engine';
export {
  AmaasError,
  ArgumentError,
  ShapeError,
  TypeMismatchError,
  BusyError,
  DisposedError,
  UnavailableError,
  OutOfMemoryError,
  InternalError,
  DataError,
  DatasetMissingError,
  NotFittedError,
  CancelledError,
  ModelFileError,
  NotFoundError,
  ConflictError,
} from './errors';
export type { ErrorCode } from './errors';
