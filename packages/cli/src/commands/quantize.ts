// `amaas quantize`: int8 / int4 weights for a model, with its accuracy before and after on
// calibration/evaluation data. Waits for @amaas/core's quantize() (issue #4): the command checks
// for it and exits 1 when it is missing; runQuantize's body is filled in once its API is settled.
import type { SavableModel } from '@amaas/core';
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import type { LoadedData } from '../data';
import { loadModelRef } from '../models';
import { DATA_OPTIONS, readData } from './shared';
import { notWired, OUTPUT_OPTIONS, requireCoreFunction } from './optimize';

export interface QuantizeSettings {
  scheme: 'int8' | 'int4';
  /** Rows that calibrate activation ranges and measure accuracy before/after. */
  calibration: LoadedData | null;
}

/**
 * The quantized model. Throws CliError "not available in this build of @amaas/core" while core has
 * no quantize(). INTEGRATOR: replace the notWired() line with the call to core's quantize(model,
 * settings) once its signature is settled; quickstart's quantizeAndRegister() uses this function too.
 */
export async function quantizeModel(model: SavableModel, settings: QuantizeSettings): Promise<SavableModel> {
  const quantize = requireCoreFunction('quantize');
  void quantize;
  void model;
  void settings;
  throw notWired('quantize');
}

export const quantizeCommand: CommandSpec = {
  name: 'quantize',
  summary: 'Quantize a model\'s weights to int8 (per-channel) or int4 (group-wise) and compare accuracy.',
  usage: 'amaas quantize --model MODEL [--scheme int8|int4] [--data PATH | --dataset NAME] (--out FILE | --push NAME)',
  description: 'Data given with --data/--dataset calibrates activation ranges and measures accuracy before and\nafter. Needs quantize() from @amaas/core (issue #4); this build says so when it is missing.',
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
  if (!args.str('out') && !args.str('push')) throw args.usage('give --out FILE and/or --push NAME: where the quantized model goes');
  requireCoreFunction('quantize');
  const calibration = args.str('data') || args.str('dataset') ? readData(args, ctx) : null;
  const { model } = await loadModelRef(ref, ctx, 'quantize');
  await quantizeModel(model, { scheme, calibration });
  return 0;
}
