// `amaas prune`: magnitude pruning to a target sparsity (weights held at zero through
// fine-tuning), or --structured removal of whole hidden neurons (the layers shrink), optionally
// fine-tuned on data; accuracy before/after on that data.
import { magnitudePrune, pruneNeurons, type Dataset } from '@amaas/core';
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import { CliError } from '../errors';
import { describeModel, evaluate, headlineMetrics, loadModelRef } from '../models';
import { OUTPUT_OPTIONS, requireMlp, storeResult } from './optimize';
import { DATA_OPTIONS, metricsText, readData } from './shared';

export const pruneCommand: CommandSpec = {
  name: 'prune',
  summary: 'Prune a model\'s smallest weights to a target sparsity, optionally fine-tuning on data.',
  usage: 'amaas prune --model MODEL --sparsity F [--structured] [--fine-tune-epochs N (--data PATH | --dataset NAME)] (--out FILE | --push NAME)',
  description: 'MLP models. Magnitude pruning zeroes the smallest weights (one global threshold) in 3 stages, each\nfollowed by the fine-tuning epochs; --structured removes that fraction of every hidden layer\'s neurons so\nthe network really gets smaller and faster.',
  options: {
    model: { type: 'string', short: 'm', value: 'MODEL', description: 'model file or registry NAME[:VERSION|:ALIAS]' },
    sparsity: { type: 'string', value: 'F', description: 'fraction of weights set to zero, in (0, 1) (default 0.5)' },
    structured: { type: 'boolean', description: 'remove whole neurons instead of single weights' },
    'fine-tune-epochs': { type: 'string', value: 'N', description: 'epochs of fine-tuning on --data/--dataset after pruning (default 0)' },
    ...DATA_OPTIONS,
    ...OUTPUT_OPTIONS,
  },
  examples: ['amaas prune --model digits:production --sparsity 0.7 --dataset mnist --fine-tune-epochs 2 --push digits', 'amaas prune --model iris.safetensors --sparsity 0.5 --out iris-pruned.safetensors'],
  run: runPrune,
};

async function runPrune(args: Args, ctx: Context): Promise<number> {
  const ref = args.need('model', 'a model file or a registry NAME[:VERSION|:ALIAS]');
  const sparsity = args.num('sparsity', { min: 0, max: 0.999, exclusiveMin: true }) ?? 0.5;
  const epochs = args.int('fine-tune-epochs', { min: 0 }) ?? 0;
  const structured = args.bool('structured');
  const out = args.str('out');
  const push = args.modelName('push');
  if (!out && !push) throw args.usage('give --out FILE and/or --push NAME: where the pruned model goes');
  const data = args.str('data') || args.str('dataset') ? readData(args, ctx) : null;
  if (epochs > 0 && !data) throw args.usage('--fine-tune-epochs needs --data PATH or --dataset NAME');
  if (data && data.kind !== 'tabular') throw new CliError('pruning fine-tunes MLPs on numeric features, and this data is text');
  const { model, ref: source } = await loadModelRef(ref, ctx, 'prune');
  const mlp = requireMlp(model, 'prune');
  const d = data?.dataset as Dataset | undefined;
  const fineTune = d && epochs > 0 ? { x: d.x, y: d.y, epochs, batchSize: 64, optimizer: { type: 'adam' as const, lr: 3e-4 }, seed: 1 } : undefined;
  const pruned = structured
    ? (await pruneNeurons(mlp, { fraction: sparsity, fineTune })).model
    : (await magnitudePrune(mlp, { sparsity, scope: 'global', stages: fineTune ? 3 : 1, fineTune })).model;
  ctx.print(`${describeModel(mlp)} -> ${describeModel(pruned)}${structured ? '' : `, ${(100 * sparsity).toFixed(0)}% of weights zero`}`);
  const before = data ? await evaluate(mlp, data) : null;
  const after = data ? await evaluate(pruned, data) : null;
  if (before && after) ctx.print(metricsText(after, { confusion: false }) + `(before: ${before.task === 'classification' ? `accuracy ${(100 * before.accuracy).toFixed(2)}%` : `r2 ${before.r2.toFixed(4)}`})`);
  const createdBy = `amaas prune ${structured ? '--structured ' : ''}--sparsity ${sparsity}${epochs ? ` --fine-tune-epochs ${epochs}` : ''}`;
  const stored = await storeResult(ctx, { model: pruned, out, push, source, createdBy, metrics: after ? headlineMetrics(after) : undefined });
  ctx.emit({ structured, sparsity, layers: pruned.layers, parameters: { before: mlp.parameterCount, after: pruned.parameterCount }, before, after, ...stored });
  return 0;
}
