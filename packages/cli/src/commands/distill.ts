// `amaas distill`: trains a smaller student MLP on a teacher's temperature-softened outputs plus
// the labels (core's distill(), inside the native training loop).
import { distill, QuantizedMlp, type Dataset } from '@amaas/core';
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import { CliError } from '../errors';
import { describeModel, evaluate, headlineMetrics, loadModelRef } from '../models';
import { OUTPUT_OPTIONS, requireMlp, storeResult } from './optimize';
import { DATA_OPTIONS, metricsText, readData } from './shared';

export const distillCommand: CommandSpec = {
  name: 'distill',
  summary: 'Distill a teacher model into a smaller student MLP trained on its soft labels.',
  usage: 'amaas distill --teacher MODEL --hidden SIZES (--data PATH | --dataset NAME) [--epochs N] [--temperature T] (--out FILE | --push NAME)',
  description: 'Teacher: an MLP classifier (fp32 or quantized). The student has the teacher\'s inputs, outputs and\nactivation and the given hidden sizes; loss = (1 - alpha) CE(labels) + alpha T^2 KL(teacher_T || student_T).',
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

async function runDistill(args: Args, ctx: Context): Promise<number> {
  const ref = args.need('teacher', 'the teacher model: a file or a registry NAME[:VERSION|:ALIAS]');
  const hidden = args.intList('hidden');
  if (!hidden || hidden.length === 0) throw args.usage('give --hidden SIZES: the student\'s hidden layer sizes, e.g. 64,32');
  const epochs = args.int('epochs', { min: 1 }) ?? 20;
  const temperature = args.num('temperature', { min: 0, exclusiveMin: true }) ?? 2;
  const alpha = args.num('alpha', { min: 0, max: 1 }) ?? 0.5;
  const out = args.str('out');
  const push = args.modelName('push');
  if (!out && !push) throw args.usage('give --out FILE and/or --push NAME: where the student model goes');
  if (!args.str('data') && !args.str('dataset')) throw args.usage('give --data PATH or --dataset NAME: the rows the student learns from');
  const data = readData(args, ctx);
  if (data.kind !== 'tabular') throw new CliError('distillation trains an MLP student on numeric features, and this data is text');
  const { model, ref: source } = await loadModelRef(ref, ctx, 'distill');
  const teacher = model instanceof QuantizedMlp ? model : requireMlp(model, 'distill');
  if (teacher.output !== 'softmax') throw new CliError('distillation needs a classifier teacher (softmax output)');
  const d = data.dataset as Dataset;
  const r = await distill(teacher, d.x, d.y, {
    student: { layers: [teacher.inputs, ...hidden, teacher.outputs], activation: teacher.activation, seed: 1 },
    temperature, alpha, epochs, batchSize: 64, optimizer: { type: 'adam', lr: 1e-3 }, schedule: 'cosine', seed: 1,
  });
  ctx.print(`${describeModel(model)} -> ${describeModel(r.student)} (${(100 * r.parameters.ratio).toFixed(1)}% of the parameters)`);
  const before = await evaluate(model, data);
  const after = await evaluate(r.student, data);
  ctx.print(metricsText(after, { confusion: false }) + `(teacher: ${before.task === 'classification' ? `accuracy ${(100 * before.accuracy).toFixed(2)}%` : ''})`);
  const createdBy = `amaas distill --hidden ${hidden.join(',')} --temperature ${temperature} --alpha ${alpha}`;
  const stored = await storeResult(ctx, { model: r.student, out, push, source, createdBy, metrics: headlineMetrics(after) });
  ctx.emit({ layers: r.student.layers, parameters: r.parameters, teacher: before, student: after, ...stored });
  return 0;
}
