// `amaas prune`: magnitude pruning to a target sparsity, optionally fine-tuned on data. Waits for
// @amaas/core's prune() (issue #4): exits 1 while it is missing; runPrune's body is filled in once
// its API is settled.
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import { notWired, OUTPUT_OPTIONS, requireCoreFunction } from './optimize';
import { DATA_OPTIONS } from './shared';

export const pruneCommand: CommandSpec = {
  name: 'prune',
  summary: 'Prune a model\'s smallest weights to a target sparsity, optionally fine-tuning on data.',
  usage: 'amaas prune --model MODEL --sparsity F [--structured] [--fine-tune-epochs N (--data PATH | --dataset NAME)] (--out FILE | --push NAME)',
  description: 'Needs prune() from @amaas/core (issue #4); this build says so when it is missing.',
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

async function runPrune(args: Args, _ctx: Context): Promise<number> {
  args.need('model', 'a model file or a registry NAME[:VERSION|:ALIAS]');
  args.num('sparsity', { min: 0, max: 0.999, exclusiveMin: true });
  args.int('fine-tune-epochs', { min: 0 });
  if (!args.str('out') && !args.str('push')) throw args.usage('give --out FILE and/or --push NAME: where the pruned model goes');
  requireCoreFunction('prune');
  // INTEGRATOR: load the model (loadModelRef), call core's prune(), fine-tune, save/push (see train.ts).
  throw notWired('prune');
}
