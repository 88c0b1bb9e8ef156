// `amaas quantize`: int8 / int4 weights for a model, with its accuracy before and after on
// calibration/evaluation data, saved (--out) and/or registered with its parent (--push).
import { quantize, type QuantizedMlp, type SavableModel } from '@amaas/core';
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import type { LoadedData } from '../data';
import { describeModel, evaluate, headlineMetrics, loadModelRef } from '../models';
import { OUTPUT_OPTIONS, requireMlp, storeResult } from './optimize';
import { DATA_OPTIONS, metricsText, readData } from './shared';

export interface QuantizeSettings {
  scheme: 'int8' | 'int4';
  /** Rows that calibrate activation ranges and measure accuracy before/after. */
  calibration: LoadedData | null;
}

/** The quantized model: int8 (per-channel weights, dynamic activations) or int4 (groups of 32). */
export async function quantizeModel(model: SavableModel, settings: QuantizeSettings): Promise<QuantizedMlp> {
  const mlp = requireMlp(model, 'quantize');
  const calibration = settings.calibration?.kind === 'tabular' ? settings.calibration.dataset.x.slice(0, Math.min(1024, settings.calibration.dataset.x.shape[0])) : undefined;
  return quantize(mlp, { scheme: settings.scheme, calibration }).model;
}

export const quantizeCommand: CommandSpec = {
  name: 'quantize',
  summary: 'Quantize a model\'s weights to int8 (per-channel) or int4 (group-wise) and compare accuracy.',
  usage: 'amaas quantize --model MODEL [--scheme int8|int4] [--data PATH | --dataset NAME] (--out FILE | --push NAME)',
  description: 'MLP models only. Data given with --data/--dataset measures accuracy before and after (and its first\n1,024 rows feed the per-layer error report). int8 runs on the VNNI/AVX2 integer kernels; int4 keeps\nweights in 4 bits with fp16 scales per group of 32.',
  options: {
    model: { type: 'string', short: 'm', value: 'MODEL', description: 'model file or registry NAME[:VERSION|:ALIAS]' },
    scheme: { type: 'string', value: 'SCHEME', description: 'int8 (default) or int4' },
    ...DATA_OPTIONS,
    ...OUTPUT_OPTIONS,
  },
  examples: ['amaas quantize --model iris.safetensors --dataset iris --out iris-int8.safetensors', 'amaas quantize --model digits:production --scheme int8 --dataset mnist --push digits'],
  run: runQuantize,
};

async function runQuantize(args: Args, ctx: Context): Promise<number> {
  const ref = args.need('model', 'a model file or a registry NAME[:VERSION|:ALIAS]');
  const scheme = args.oneOf('scheme', ['int8', 'int4'] as const) ?? 'int8';
  const out = args.str('out');
  const push = args.modelName('push');
  if (!out && !push) throw args.usage('give --out FILE and/or --push NAME: where the quantized model goes');
  const calibration = args.str('data') || args.str('dataset') ? readData(args, ctx) : null;
  const { model, bytes, ref: source } = await loadModelRef(ref, ctx, 'quantize');
  const quantized = await quantizeModel(model, { scheme, calibration });
  const before = calibration ? await evaluate(model, calibration) : null;
  const after = calibration ? await evaluate(quantized, calibration) : null;
  ctx.print(`${describeModel(model)} -> ${scheme}`);
  if (before && after) ctx.print(metricsText(after, { confusion: false }) + `(before: ${before.task === 'classification' ? `accuracy ${(100 * before.accuracy).toFixed(2)}%` : `r2 ${before.r2.toFixed(4)}`})`);
  const stored = await storeResult(ctx, { model: quantized, out, push, source, createdBy: `amaas quantize --scheme ${scheme}`, metrics: after ? headlineMetrics(after) : undefined });
  ctx.print(`${bytes.length} -> ${stored.bytes} bytes (x${(bytes.length / stored.bytes).toFixed(2)} smaller)`);
  ctx.emit({ scheme, source, bytes: { before: bytes.length, after: stored.bytes }, before, after, saved: stored.saved, pushed: stored.pushed });
  return 0;
}
