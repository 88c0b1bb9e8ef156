// `amaas train`: data from --data/--dataset, a model kind and hyper-parameters from flags or a
// JSON/YAML --config, a progress bar with ETA, a held-out evaluation, then --out and/or --push.
// Ctrl-C stops training after the current batch and says what was kept.
import * as path from 'node:path';
import { CancelledError, saveModel, serializeModel, trainTestSplit, type SavableModel, type TrainHistory } from '@amaas/core';
import { COMMON_OPTIONS, type Args, type CommandSpec } from '../args';
import { checkConfigKeys, loadConfig } from '../config';
import type { Context } from '../context';
import { describeData, featureScale, fingerprint, type LoadedData } from '../data';
import { onInterrupt } from '../interrupt';
import {
  createModel, describeModel, evaluate, fitModel, headlineMetrics, kindOf, mlpSteps, readTrainSettings, TRAIN_OPTIONS, type Metrics,
} from '../models';
import { ProgressBar } from '../ui/progress';
import { DATA_OPTIONS, metricsText, readData } from './shared';
import { pushModel } from './models';

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'Train a model (mlp, logistic, linear or text) on a file or a packaged dataset.',
  usage: 'amaas train (--data PATH | --dataset NAME) [--kind KIND] [hyper-parameters] [--out FILE] [--push NAME]',
  description: [
    'Holds out --test-size of the rows (stratified for classification) and prints the model\'s',
    'evaluation on them. Settings may come from a JSON or YAML --config file whose keys are the long',
    'flag names (kebab-case or camelCase); flags given on the command line win over the file.',
    'Ctrl-C stops training after the current batch: with --out, the weights of the last completed',
    'step are saved there; without it nothing is kept. A second Ctrl-C exits at once.',
    'Features are used as given (no scaling is stored in the model file): scale them beforehand.',
  ].join('\n'),
  options: {
    ...DATA_OPTIONS,
    ...TRAIN_OPTIONS,
    'test-size': { type: 'string', value: 'F', description: 'fraction of rows held out for evaluation, 0 for none (default 0.2)' },
    config: { type: 'string', value: 'FILE', description: 'JSON or YAML file of settings (keys = long flag names)' },
    out: { type: 'string', short: 'o', value: 'FILE', description: 'write the model file (safetensors) here' },
    push: { type: 'string', value: 'NAME', description: 'register the model as a new version of NAME' },
    alias: { type: 'string', value: 'ALIAS', description: 'with --push: point this alias (e.g. production) at the new version' },
  },
  examples: [
    'amaas train --dataset iris --out iris.safetensors',
    'amaas train --dataset mnist --hidden 128 --epochs 10 --push digits --alias production',
    'amaas train --data houses.csv --target price --kind linear --out price.safetensors',
    'amaas train --data mail/ --kind text --tfidf --push spam        # mail/spam/*.txt, mail/ham/*.txt',
    'amaas train --config train.yaml --dataset wine --json',
  ],
  run: runTrain,
};

async function runTrain(args0: Args, ctx: Context): Promise<number> {
  let args = args0;
  const configFile = args.str('config');
  if (configFile) {
    const config = loadConfig(configFile);
    checkConfigKeys(config, Object.keys(trainCommand.options).filter((k) => k !== 'config' && !(k in COMMON_OPTIONS)), 'train', configFile);
    args = args.withDefaults(config);
  }
  const data = readData(args, ctx);
  const settings = readTrainSettings(args, data);
  const testSize = args.num('test-size', { min: 0, max: 0.9 }) ?? 0.2;
  const out = args.str('out');
  const push = args.modelName('push');
  const alias = args.aliasName('alias');
  if (alias && !push) throw args.usage('--alias needs --push NAME (the model to register the new version under)');

  const info = describeData(data);
  const classification = info.task === 'classification';
  let train: LoadedData = data, test: LoadedData | null = null;
  if (testSize > 0) {
    const split = trainTestSplit(data.dataset, { testSize, stratify: classification, seed: settings.seed });
    train = { ...data, dataset: split.train } as LoadedData;
    test = { ...data, dataset: split.test } as LoadedData;
  }
  const model = createModel(settings, data);
  ctx.note(
    `training ${describeModel(model)} on ${info.name}: ${train.dataset.y.length} rows${info.features !== null ? ` x ${info.features} features` : ''}` +
      `${test ? `, ${test.dataset.y.length} held out` : ''}`,
  );

  if (data.kind === 'tabular' && settings.kind === 'mlp') {
    const scale = featureScale(data.dataset.x);
    if (scale.maxAbs > 100)
      ctx.note(
        `warning: feature '${data.dataset.featureNames[scale.column]}' reaches ${scale.maxAbs.toPrecision(4)}; an MLP trains poorly on unscaled features ` +
          '(the model file stores no scaler): scale the columns beforehand, or try --kind linear / --kind logistic',
      );
  }
  const controller = new AbortController();
  const { epochs, totalSteps } = mlpSteps(settings, train.dataset.y.length);
  // Only the Mlp reports progress; the other kinds train in well under a second.
  const bar = kindOf(model) === 'mlp' ? new ProgressBar({ total: totalSteps, label: 'train', unit: 'step', stream: ctx.streams.stderr, color: ctx.stderrColor }) : null;
  const stopListening = onInterrupt(() => {
    bar?.clear();
    ctx.note('interrupted: stopping after the current batch (Ctrl-C again to exit at once)');
    controller.abort();
  }, (s) => ctx.note(s));
  const t0 = performance.now();
  let history: TrainHistory | null = null;
  try {
    history = await fitModel(model, settings, train, {
      signal: controller.signal,
      onProgress: (p) => {
        const acc = p.accuracy !== undefined ? ` acc ${p.accuracy.toFixed(3)}` : '';
        const val = p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : '';
        bar?.update(p.step, `epoch ${p.epoch}/${epochs} loss ${p.loss.toFixed(4)}${acc}${val}`);
      },
    });
  } catch (err) {
    bar?.finish();
    if (err instanceof CancelledError) return interrupted(err, model, out, push, ctx);
    throw err;
  } finally {
    stopListening();
  }
  bar?.finish();
  const seconds = (performance.now() - t0) / 1000;
  if (kindOf(model) === 'mlp' && history)
    ctx.note(`trained ${history.epochsRun} epochs (${history.steps} steps) in ${seconds.toFixed(1)} s${history.stoppedEarly ? `, stopped early (best epoch ${history.bestEpoch})` : ''}`);
  else ctx.note(`trained in ${seconds.toFixed(2)} s`);

  const metrics: Metrics = await evaluate(model, test ?? train);
  const evaluatedOn = test ? 'held-out rows' : 'training rows (--test-size 0: no rows held out)';

  let saved: string | null = null;
  if (out) {
    await saveModel(model, out);
    saved = path.resolve(out);
  }
  let pushed: { name: string; version: number; alias?: string } | null = null;
  if (push) {
    const v = await pushModel(ctx, push, serializeModel(model), {
      metrics: headlineMetrics(metrics), dataFingerprint: fingerprint(data), createdBy: 'amaas train',
      description: `${describeModel(model)} trained on ${info.name}`,
    });
    pushed = { name: push, version: v.version };
    if (alias) {
      await ctx.registry().setAlias(push, alias, v.version, { actor: 'amaas train' });
      pushed.alias = alias;
    }
  }

  ctx.emit({
    model: { kind: kindOf(model), description: describeModel(model), settings },
    data: { ...info, trainRows: train.dataset.y.length, testRows: test?.dataset.y.length ?? 0 },
    training: { seconds, epochs: history?.epochsRun ?? null, steps: history?.steps ?? null, stoppedEarly: history?.stoppedEarly ?? false, final: history?.epochs.at(-1) ?? null },
    evaluation: { on: test ? 'test' : 'train', ...metrics },
    saved,
    pushed,
  });
  ctx.print(`${ctx.c.bold(`evaluation on ${metrics.rows} ${evaluatedOn}`)}\n${metricsText(metrics, { confusion: false })}`);
  if (saved) ctx.print(`${ctx.c.green('saved')} ${saved}`);
  if (pushed) ctx.print(`${ctx.c.green('registered')} ${pushed.name} version ${pushed.version}${pushed.alias ? ` (alias ${pushed.alias})` : ''} in ${ctx.registryDir}`);
  if (!saved && !pushed) ctx.note('note: the model was not kept; add --out FILE or --push NAME to keep it');
  else {
    const ref = pushed ? pushed.name : saved!;
    ctx.note(`next: amaas eval --model ${ref} ${info.source.startsWith('dataset:') ? `--dataset ${info.source.slice(8)}` : `--data ${info.source}`} --confusion` +
      (pushed ? `  |  amaas serve  (then POST /v1/models/${pushed.name}:predict)` : `  |  amaas models push ${out} --name NAME`));
  }
  return 0;
}

/** Ctrl-C during fit: save the last completed step to --out when there is one, and say what was kept. */
async function interrupted(err: CancelledError, model: SavableModel, out: string | undefined, push: string | undefined, ctx: Context): Promise<number> {
  const history = (err as CancelledError & { history?: TrainHistory }).history;
  const steps = history?.steps ?? 0;
  const where = `after ${steps} step${steps === 1 ? '' : 's'} (${history?.epochsRun ?? 0} full epoch${history?.epochsRun === 1 ? '' : 's'})`;
  let kept: string;
  let saved: string | null = null;
  if (steps > 0 && out) {
    await saveModel(model, out);
    saved = path.resolve(out);
    kept = `the weights of the last completed step were saved to ${saved}${push ? `; it was not registered as '${push}' (push it with 'amaas models push ${out} --name ${push}' if it is good enough)` : ''}`;
  } else if (steps === 0) kept = 'no step completed, so there is nothing to keep';
  else kept = `nothing was saved (no --out given)${push ? ` and nothing was registered as '${push}'` : ''}`;
  ctx.emit({ interrupted: true, steps, epochs: history?.epochsRun ?? 0, saved });
  ctx.note(`training interrupted ${where}: ${kept}`);
  return 1;
}
