// `amaas quantize`: int8 / int4 weights for a model, with its accuracy before and after on
// calibration/evaluation data, saved (--out) and/or registered with its parent (--push). Waits for
// @amaas/core's quantize() (issue #4): exits 1 while it is missing; quantizeModel() is the one
// function to fill in once that API is settled (the rest of the command is written).
import * as path from 'node:path';
import { saveModel, serializeModel, type SavableModel } from '@amaas/core';
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import type { LoadedData } from '../data';
import { describeModel, evaluate, headlineMetrics, loadModelRef } from '../models';
import { pushModel } from './models';
import { notWired, OUTPUT_OPTIONS, requireCoreFunction } from './optimize';
import { DATA_OPTIONS, metricsText, readData } from './shared';

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
  const out = args.str('out');
  const push = args.modelName('push');
  if (!out && !push) throw args.usage('give --out FILE and/or --push NAME: where the quantized model goes');
  requireCoreFunction('quantize');
  const calibration = args.str('data') || args.str('dataset') ? readData(args, ctx) : null;
  const { model, bytes, ref: source } = await loadModelRef(ref, ctx, 'quantize');
  const quantized = await quantizeModel(model, { scheme, calibration });
  const qBytes = serializeModel(quantized);
  const before = calibration ? await evaluate(model, calibration) : null;
  const after = calibration ? await evaluate(quantized, calibration) : null;
  let saved: string | null = null;
  if (out) {
    await saveModel(quantized, out);
    saved = path.resolve(out);
  }
  let pushed: { name: string; version: number } | null = null;
  if (push) {
    const parent = source.source === 'registry' && source.name === push ? source.version : undefined;
    const v = await pushModel(ctx, push, qBytes, { metrics: after ? { ...headlineMetrics(after), bytes: qBytes.length } : { bytes: qBytes.length }, parent, createdBy: `amaas quantize --scheme ${scheme}` });
    pushed = { name: push, version: v.version };
  }
  ctx.emit({ scheme, source, bytes: { before: bytes.length, after: qBytes.length }, before, after, saved, pushed });
  ctx.print(`${describeModel(model)}: ${bytes.length} -> ${qBytes.length} bytes (${scheme})`);
  if (before && after) ctx.print(metricsText(after, { confusion: false }) + `(before: ${before.task === 'classification' ? `accuracy ${(100 * before.accuracy).toFixed(2)}%` : `r2 ${before.r2.toFixed(4)}`})`);
  if (saved) ctx.print(`${ctx.c.green('saved')} ${saved}`);
  if (pushed) ctx.print(`${ctx.c.green('registered')} ${pushed.name} version ${pushed.version}${parentNote(source, push)}`);
  return 0;
}

const parentNote = (source: { source: string; name?: string; version?: number }, push: string | undefined) =>
  source.source === 'registry' && source.name === push ? ` (parent v${source.version})` : '';
