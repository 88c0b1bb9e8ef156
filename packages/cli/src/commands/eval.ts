// `amaas eval`: metrics of a model (file or registry) on labelled data, with per-class scores and
// the confusion matrix, or k-fold cross-validation of a model kind's settings (--cv K).
import { crossValidate, Mlp, type Scoring } from '@amaas/core';
import { type Args, type CommandSpec } from '../args';
import { checkConfigKeys, loadConfig } from '../config';
import type { Context } from '../context';
import { describeData } from '../data';
import { crossValidateText, describeModel, estimatorFor, evaluate, kindOf, loadModelRef, readTrainSettings, TRAIN_OPTIONS, type FoldScores, type Kind } from '../models';
import { renderTable } from '../ui/table';
import { ProgressBar } from '../ui/progress';
import { DATA_OPTIONS, metricsText, readData } from './shared';

export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: 'Evaluate a model on labelled data (metrics, per-class scores, confusion matrix), or cross-validate.',
  usage: 'amaas eval --model MODEL (--data PATH | --dataset NAME) [--confusion]\n       amaas eval --cv K (--data PATH | --dataset NAME) [--model MODEL | --kind KIND] [hyper-parameters]',
  description: [
    'MODEL is a model file, or a registry name: NAME (its production alias, else its latest version),',
    'NAME:VERSION or NAME:ALIAS. Classification prints accuracy, macro/weighted F1, precision, recall',
    'and F1 per class, and with --confusion the confusion matrix; regression prints R², MSE, RMSE, MAE.',
    '--cv K trains a fresh model per fold (stratified for classification) with the settings of --model',
    "(its kind and layers) or of the training flags (as for 'amaas train'), and reports each fold's",
    'score and their mean and standard deviation.',
  ].join('\n'),
  options: {
    model: { type: 'string', short: 'm', value: 'MODEL', description: 'model file or registry NAME[:VERSION|:ALIAS]' },
    ...DATA_OPTIONS,
    confusion: { type: 'boolean', description: 'print the confusion matrix (always in --json)' },
    cv: { type: 'string', value: 'K', description: 'k-fold cross-validation with K folds instead of evaluating one model' },
    config: { type: 'string', value: 'FILE', description: '--cv: JSON or YAML file of training settings' },
    ...TRAIN_OPTIONS,
  },
  examples: [
    'amaas eval --model iris.safetensors --dataset iris --confusion',
    'amaas eval --model digits:production --dataset mnist --json',
    'amaas eval --cv 5 --dataset iris --kind logistic',
    'amaas eval --cv 5 --dataset wine --model wine:2 --epochs 30',
  ],
  run: runEval,
};

async function runEval(args0: Args, ctx: Context): Promise<number> {
  let args = args0;
  const cv = args.int('cv', { min: 2 });
  const modelRef = args.str('model');
  const configFile = args.str('config');
  if (configFile) {
    if (!cv) throw args.usage('--config holds training settings and applies to --cv only');
    const config = loadConfig(configFile);
    checkConfigKeys(config, Object.keys(TRAIN_OPTIONS), 'eval', configFile);
    args = args.withDefaults(config);
  }
  if (!cv) {
    const trainFlags = Object.keys(TRAIN_OPTIONS).filter((k) => args.given(k));
    if (trainFlags.length) throw args.usage(`--${trainFlags[0]} is a training setting: it applies to --cv K only`);
    if (!modelRef) throw args.usage('--model is required (a model file or a registry NAME[:VERSION|:ALIAS]), or --cv K to cross-validate');
  }
  const data = readData(args, ctx);
  const info = describeData(data);

  if (cv) {
    let kind: Kind | undefined;
    let defaults: Record<string, unknown> = {};
    if (modelRef) {
      const { model } = await loadModelRef(modelRef, ctx, 'eval');
      kind = kindOf(model);
      if (model instanceof Mlp) defaults = { hidden: model.layers.slice(1, -1).join(','), activation: model.activation, dropout: model.dropout };
      if (!args.given('kind')) defaults.kind = kind;
      args = args.withDefaults(defaults);
    }
    const settings = readTrainSettings(args, data, { kind });
    const classification = info.task === 'classification';
    const scoring: Scoring[] = classification ? ['accuracy', 'f1_macro'] : ['r2', 'neg_mse'];
    const bar = new ProgressBar({ total: cv, label: 'cv', unit: 'fold', stream: ctx.streams.stderr, color: ctx.stderrColor });
    bar.update(0);
    const onFold = (f: number) => {
      if (f > 0) bar.update(f, `fold ${f + 1}/${cv}`);
    };
    let folds: FoldScores[];
    if (data.kind === 'text') folds = await crossValidateText(settings, data, cv, onFold);
    else {
      // crossValidate runs the folds in order: count them as each model is built.
      let started = 0;
      const make = estimatorFor(settings, data);
      const d = data.dataset;
      const result = await crossValidate(() => {
        onFold(started++);
        return make();
      }, d.x, d.y, { folds: cv, seed: settings.seed, shuffle: true, scoring });
      folds = result.folds.map((f) => ({ fold: f.fold, trainSize: f.trainSize, testSize: f.testSize, fitTimeMs: f.fitTimeMs, scores: f.scores as Record<string, number> }));
    }
    bar.update(cv);
    bar.finish();
    const summary = Object.fromEntries(scoring.map((s) => {
      const values = folds.map((f) => f.scores[s]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      return [s, { mean, std, values }];
    }));
    ctx.emit({ crossValidation: { folds: cv, kind: settings.kind, settings, data: info, scores: summary, perFold: folds } });
    ctx.print(`${ctx.c.bold(`${cv}-fold cross-validation`)} of ${settings.kind} on ${info.name} (${info.rows} rows${classification ? ', stratified' : ''})\n`);
    ctx.print(renderTable(['fold', 'train rows', 'test rows', ...scoring, 'fit ms'], folds.map((f) => [f.fold + 1, f.trainSize, f.testSize, ...scoring.map((s) => f.scores[s]), Math.round(f.fitTimeMs)])));
    ctx.print(scoring.map((s) => `${s}: ${summary[s].mean.toFixed(4)} ± ${summary[s].std.toFixed(4)}  (population std over folds)`).join('\n'));
    return 0;
  }

  const { model, ref } = await loadModelRef(modelRef!, ctx, 'eval');
  const metrics = await evaluate(model, data);
  const what = ref.source === 'file' ? ref.file! : `${ref.name} version ${ref.version}`;
  ctx.emit({ model: { ...ref, kind: kindOf(model), description: describeModel(model) }, data: info, ...metrics });
  ctx.print(`${ctx.c.bold(what)}: ${describeModel(model)}, on ${info.name} (${info.rows} rows)\n`);
  ctx.print(metricsText(metrics, { confusion: args.bool('confusion') }));
  if (metrics.task === 'classification' && !args.bool('confusion') && !ctx.json) ctx.note('tip: --confusion prints the confusion matrix');
  return 0;
}

