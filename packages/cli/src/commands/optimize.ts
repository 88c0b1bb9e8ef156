// Shared by `quantize`, `prune` and `distill`: the --out/--push flags and the one routine that
// saves and/or registers the new model (with its parent version when it comes from the same
// registry model) and reports it. Not here: the operations themselves (@amaas/core).
import * as path from 'node:path';
import { Mlp, saveModel, serializeModel, type SavableModel } from '@amaas/core';
import type { Context } from '../context';
import { CliError } from '../errors';
import type { ModelRef } from '../models';
import { pushModel } from './models';

export const OUTPUT_OPTIONS = {
  out: { type: 'string', short: 'o', value: 'FILE', description: 'write the new model file here' },
  push: { type: 'string', value: 'NAME', description: 'register the new model as a version of NAME (parent: the source version)' },
} as const;

/** The source model as an Mlp, or a clear error naming what it is. */
export function requireMlp(model: SavableModel, command: string): Mlp {
  if (!(model instanceof Mlp))
    throw new CliError(`amaas ${command} works on fp32 MLP models, and this is a ${model.constructor.name}`, 'train one with amaas train --model mlp');
  return model;
}

export interface Stored {
  bytes: number;
  saved: string | null;
  pushed: { name: string; version: number } | null;
}

/** Writes `model` to --out and/or registers it under --push; prints what happened. */
export async function storeResult(
  ctx: Context,
  o: { model: SavableModel; out?: string; push?: string; source: ModelRef; createdBy: string; metrics?: Record<string, number> },
): Promise<Stored> {
  const bytes = serializeModel(o.model, o.metrics ? { metrics: o.metrics } : {});
  let saved: string | null = null;
  if (o.out) {
    await saveModel(o.model, o.out, o.metrics ? { metrics: o.metrics } : {});
    saved = path.resolve(o.out);
  }
  let pushed: Stored['pushed'] = null;
  const sameModel = o.source.source === 'registry' && o.source.name === o.push;
  if (o.push) {
    const v = await pushModel(ctx, o.push, bytes, {
      metrics: { ...(o.metrics ?? {}), bytes: bytes.length }, parent: sameModel ? o.source.version : undefined, createdBy: o.createdBy,
    });
    pushed = { name: o.push, version: v.version };
  }
  if (saved) ctx.print(`${ctx.c.green('saved')} ${saved}`);
  if (pushed) ctx.print(`${ctx.c.green('registered')} ${pushed.name} version ${pushed.version}${sameModel ? ` (parent v${o.source.version})` : ''}`);
  return { bytes: bytes.length, saved, pushed };
}
