// Making models cheaper to serve: post-training quantization (int8 / int4 kernels), pruning
// (magnitude with masks, structured neuron removal) and knowledge distillation.
export { QuantizedMlp } from './quantized-mlp';
export type { QuantizedLayer, QuantizedMlpJson, QuantScheme, LayerScheme } from './quantized-mlp';
export { quantize } from './quantize';
export type { QuantizeOptions, QuantizeResult, QuantizationReport, LayerQuantReport } from './quantize';
export { prune, magnitudePrune, pruneNeurons } from './prune';
export type { PruneOptions, MagnitudePruneOptions, MagnitudePruneResult, NeuronPruneOptions, NeuronPruneResult, FineTune } from './prune';
export { distill, softenProbabilities } from './distill';
export type { DistillOptions, DistillResult } from './distill';
