// `amaas distill`: trains a smaller student MLP on a teacher model's soft labels. Waits for
// @amaas/core's distill() (issue #4): exits 1 while it is missing; runDistill's body is filled in
// once its API is settled.
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import { notWired, OUTPUT_OPTIONS, requireCoreFunction } from './optimize';
import { DATA_OPTIONS } from './shared';

export const distillCommand: CommandSpec = {
  name: 'distill',
  summary: 'Distill a teacher model into a smaller student MLP trained on its soft labels.',
  usage: 'amaas distill --teacher MODEL --hidden SIZES (--data PATH | --dataset NAME) [--epochs N] [--temperature T] (--out FILE | --push NAME)',
  description: 'Needs distill() from @amaas/core (issue #4); this build says so when it is missing.',
  options: {
    teacher: { type: 'string', value: 'MODEL', description: 'teacher model file or registry NAME[:VERSION|:ALIAS]' },
    hidden: { type: 'string', value: 'SIZES', description: 'student hidden layer sizes, comma-separated (e.g. 32)' },
    epochs: { type: 'string', value: 'N', description: 'student training epochs (default 20)' },
    temperature: { type: 'string', value: 'T', description: 'softmax temperature of the soft labels (default 2)' },
    alpha: { type: 'string', value: 'A', description: 'weight of the soft-label loss against the true labels, in [0, 1] (default 0.5)' },
    ...DATA_OPTIONS,
    ...OUTPUT_OPTIONS,
  },
  examples: ['amaas distill --teacher digits:production --hidden 32 --dataset mnist --push digits-small', 'amaas distill --teacher big.safetensors --hidden 16 --data train.csv --out small.safetensors'],
  run: runDistill,
};

async function runDistill(args: Args, _ctx: Context): Promise<number> {
  args.need('teacher', 'the teacher model: a file or a registry NAME[:VERSION|:ALIAS]');
  args.intList('hidden');
  args.int('epochs', { min: 1 });
  args.num('temperature', { min: 0, exclusiveMin: true });
  args.num('alpha', { min: 0, max: 1 });
  if (!args.str('out') && !args.str('push')) throw args.usage('give --out FILE and/or --push NAME: where the student model goes');
  requireCoreFunction('distill');
  // INTEGRATOR: load the teacher (loadModelRef), readData(args, ctx), call core's distill(), save/push (see train.ts).
  throw notWired('distill');
}
