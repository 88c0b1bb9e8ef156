// `amaas models list|show|push|alias|rollback|rm`: the registry under the data directory, from a
// terminal. Every change goes through @amaas/core's Registry (validated, audited as 'cli').
import { readModelInfo, type AliasRecord, type VersionRecord } from '@amaas/core';
import * as fs from 'node:fs';
import type { Args, CommandSpec, GroupSpec } from '../args';
import type { Context } from '../context';
import { CliError } from '../errors';
import { renderPairs, renderTable, timeText } from '../ui/table';

const ACTOR = 'cli';

/** Registers bytes as a new version of `name`, creating the model first when it does not exist. */
export async function pushModel(
  ctx: Context,
  name: string,
  bytes: Uint8Array,
  o: { metrics?: Record<string, number>; parent?: number; dataFingerprint?: string; createdBy?: string; description?: string } = {},
): Promise<VersionRecord> {
  const reg = ctx.registry();
  const exists = (await reg.listModels()).some((m) => m.name === name);
  if (!exists) await reg.createModel(name, { description: o.description ?? '', actor: ACTOR });
  return reg.pushVersion(name, bytes, {
    metrics: o.metrics, parent: o.parent, dataFingerprint: o.dataFingerprint, createdBy: o.createdBy ?? 'amaas models push', actor: ACTOR,
  });
}

const targetsText = (a: AliasRecord) => a.targets.map((t) => (a.targets.length === 1 ? `v${t.version}` : `v${t.version} (${Math.round(t.weight * 100)}%)`)).join(', ');
const metricsText = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' ');
const sizeText = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

async function requireModel(ctx: Context, name: string) {
  const models = await ctx.registry().listModels();
  const m = models.find((x) => x.name === name);
  if (!m) throw new CliError(`no model '${name}' in the registry at ${ctx.registryDir}`, models.length ? `known models: ${models.map((x) => x.name).join(', ')}` : "register one with 'amaas models push FILE --name NAME' or 'amaas train ... --push NAME'");
  return m;
}

const list: CommandSpec = {
  name: 'models list',
  summary: 'List registered models with their versions and aliases.',
  usage: 'amaas models list',
  options: {},
  examples: ['amaas models list', 'amaas models list --json', 'AMAAS_HOME=/srv/amaas amaas models list'],
  async run(_args, ctx) {
    const reg = ctx.registry();
    const models = await reg.listModels();
    const rows = [];
    for (const m of models) {
      const versions = await reg.listVersions(m.name);
      const aliases = await reg.listAliases(m.name);
      rows.push({ ...m, versions: versions.map((v) => v.version), latest: versions.length ? Math.max(...versions.map((v) => v.version)) : null, aliases: aliases.map((a) => ({ alias: a.alias, targets: a.targets })) });
    }
    ctx.emit({ registry: ctx.registryDir, models: rows });
    if (rows.length === 0) {
      ctx.print(`no models in ${ctx.registryDir}`);
      ctx.note("register one with 'amaas train --dataset iris --push iris' or 'amaas models push FILE --name NAME'");
      return 0;
    }
    ctx.print(renderTable(['model', 'versions', 'latest', 'aliases', 'updated', 'description'], rows.map((r) => [
      r.name, r.versions.length, r.latest, r.aliases.map((a) => `${a.alias}->${a.targets.map((t) => `v${t.version}`).join('+')}`).join(' ') || '-', timeText(r.updatedAt), r.description || '-',
    ])));
    return 0;
  },
};

const show: CommandSpec = {
  name: 'models show',
  summary: 'Show one model: its versions (kind, size, metrics, lineage) and aliases.',
  usage: 'amaas models show NAME',
  options: {},
  positionals: { min: 1, max: 1 },
  examples: ['amaas models show iris', 'amaas models show iris --json'],
  async run(args, ctx) {
    const name = args.positionals[0];
    const reg = ctx.registry();
    const m = await requireModel(ctx, name);
    const versions = await reg.listVersions(name);
    const aliases = await reg.listAliases(name);
    ctx.emit({ model: m, versions, aliases });
    ctx.print(renderPairs([['model', m.name], ['description', m.description || '-'], ['tags', m.tags.join(', ') || '-'], ['created', m.createdAt], ['registry', ctx.registryDir]]));
    ctx.print(`\n${ctx.c.bold('versions')}\n` + renderTable(['version', 'kind', 'size', 'metrics', 'parent', 'created by', 'created', 'sha256'], versions.map((v) => [
      v.version, v.kind, sizeText(v.size), metricsText(v.metrics) || '-', v.parent, v.createdBy, timeText(v.createdAt), v.sha256.slice(0, 12),
    ])));
    ctx.print(`\n${ctx.c.bold('aliases')}\n` + renderTable(['alias', 'targets', 'updated', 'by'], aliases.map((a) => [a.alias, targetsText(a), timeText(a.updatedAt), a.updatedBy])));
    return 0;
  },
};

const push: CommandSpec = {
  name: 'models push',
  summary: 'Register a model file as a new version (the model is created if needed).',
  usage: 'amaas models push FILE --name NAME [--alias ALIAS] [--metric KEY=VALUE ...] [--parent VERSION]',
  description: 'The file is validated before anything is written; versions are immutable and numbered 1, 2, ...',
  options: {
    name: { type: 'string', short: 'n', value: 'NAME', description: 'model name ([A-Za-z0-9][A-Za-z0-9_.-]*)' },
    alias: { type: 'string', value: 'ALIAS', description: 'point this alias at the new version' },
    metric: { type: 'string', value: 'KEY=VALUE', multiple: true, description: 'a metric to record (repeatable), e.g. --metric accuracy=0.97' },
    parent: { type: 'string', value: 'VERSION', description: 'the version this one was derived from (quantized, pruned, fine-tuned)' },
    description: { type: 'string', value: 'TEXT', description: 'description for a model created by this push' },
  },
  positionals: { min: 1, max: 1 },
  examples: ['amaas models push iris.safetensors --name iris', 'amaas models push iris-int8.safetensors --name iris --parent 1 --metric accuracy=0.96 --alias staging'],
  async run(args, ctx) {
    const file = args.positionals[0];
    args.need('name', 'the model name to register under, e.g. --name iris');
    const name = args.modelName('name')!;
    const metrics: Record<string, number> = {};
    for (const m of (args.raw('metric') as string[] | undefined) ?? []) {
      const match = /^([^=]+)=(.+)$/.exec(m);
      const v = match ? Number(match[2]) : NaN;
      if (!match || !Number.isFinite(v)) throw args.usage(`Expected KEY=NUMBER for --metric but received '${m}'`);
      metrics[match[1]] = v;
    }
    const parent = args.int('parent', { min: 1 });
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      throw new CliError(`no such model file: ${file}`, "check the path; 'amaas train --out FILE' writes one");
    }
    const info = readModelInfo(bytes);
    const v = await pushModel(ctx, name, bytes, { metrics, parent, description: args.str('description') });
    const alias = args.aliasName('alias');
    if (alias) await ctx.registry().setAlias(name, alias, v.version, { actor: ACTOR });
    ctx.emit({ ...v, alias: alias ?? null });
    ctx.print(`${ctx.c.green('registered')} ${name} version ${v.version} (${info.kind}, ${sizeText(v.size)}, sha256 ${v.sha256.slice(0, 12)})${alias ? `; ${alias} -> v${v.version}` : ''}`);
    if (!alias) ctx.note(`next: amaas models alias ${name} production ${v.version}`);
    return 0;
  },
};

/** '3' -> 3; '1=0.9,2=0.1' -> a weighted split. */
export function parseAliasTarget(text: string, args: Args): number | { version: number; weight: number }[] {
  if (/^\d+$/.test(text)) return Number(text);
  const arms = text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*[=:]\s*([0-9.]+)\s*$/.exec(part);
    if (!m || !(Number(m[2]) > 0)) throw args.usage(`Expected a version (3) or weighted versions (1=0.9,2=0.1) but received '${text}'`);
    return { version: Number(m[1]), weight: Number(m[2]) };
  });
  return arms;
}

const alias: CommandSpec = {
  name: 'models alias',
  summary: 'Point an alias (production, staging, ...) at a version, or split it between versions by weight.',
  usage: 'amaas models alias NAME ALIAS VERSION[=WEIGHT,...]',
  description: "The previous target is kept in the alias history: 'amaas models rollback NAME ALIAS' moves it back.",
  options: {},
  positionals: { min: 3, max: 3 },
  examples: ['amaas models alias iris production 2', 'amaas models alias iris production 1=0.9,2=0.1   # canary: 10 % to version 2'],
  async run(args, ctx) {
    const [name, aliasName, target] = args.positionals;
    await requireModel(ctx, name);
    const reg = ctx.registry();
    const before = (await reg.listAliases(name)).find((a) => a.alias === aliasName);
    const a = await reg.setAlias(name, aliasName, parseAliasTarget(target, args), { actor: ACTOR });
    ctx.emit({ ...a, previous: before?.targets ?? null });
    ctx.print(`${name}:${aliasName} -> ${targetsText(a)}${before ? ` (was ${targetsText(before)})` : ''}`);
    if (before) ctx.note(`undo with: amaas models rollback ${name} ${aliasName}`);
    return 0;
  },
};

const rollback: CommandSpec = {
  name: 'models rollback',
  summary: 'Move an alias back to the target it had before its current one.',
  usage: 'amaas models rollback NAME ALIAS',
  description: 'Repeated rollbacks walk further back through the alias history.',
  options: {},
  positionals: { min: 2, max: 2 },
  examples: ['amaas models rollback iris production'],
  async run(args, ctx) {
    const [name, aliasName] = args.positionals;
    await requireModel(ctx, name);
    const reg = ctx.registry();
    const before = (await reg.listAliases(name)).find((a) => a.alias === aliasName);
    if (!before) throw new CliError(`model '${name}' has no alias '${aliasName}'`, `set it first: amaas models alias ${name} ${aliasName} VERSION`);
    const a = await reg.rollback(name, aliasName, { actor: ACTOR });
    ctx.emit({ ...a, previous: before.targets });
    ctx.print(`${name}:${aliasName} rolled back to ${targetsText(a)} (was ${targetsText(before)})`);
    return 0;
  },
};

const rm: CommandSpec = {
  name: 'models rm',
  summary: 'Delete a version, an alias, or (with --force) a whole model.',
  usage: 'amaas models rm NAME VERSION | amaas models rm NAME --alias ALIAS | amaas models rm NAME --force',
  description: 'A version an alias points at cannot be deleted: move or delete the alias first.',
  options: {
    alias: { type: 'string', value: 'ALIAS', description: 'delete this alias instead of a version' },
    force: { type: 'boolean', description: 'without VERSION: delete the model with all its versions and aliases' },
  },
  positionals: { min: 1, max: 2 },
  examples: ['amaas models rm iris 1', 'amaas models rm iris --alias staging', 'amaas models rm iris --force'],
  async run(args, ctx) {
    const [name, versionText] = args.positionals;
    await requireModel(ctx, name);
    const reg = ctx.registry();
    const aliasName = args.str('alias');
    if (aliasName) {
      if (versionText) throw args.usage('give either VERSION or --alias ALIAS, not both');
      await reg.deleteAlias(name, aliasName, { actor: ACTOR });
      ctx.emit({ deleted: { model: name, alias: aliasName } });
      ctx.print(`deleted alias ${name}:${aliasName}`);
      return 0;
    }
    if (versionText) {
      if (!/^\d+$/.test(versionText)) throw args.usage(`Expected a version number but received '${versionText}'`);
      await reg.deleteVersion(name, Number(versionText), { actor: ACTOR });
      ctx.emit({ deleted: { model: name, version: Number(versionText) } });
      ctx.print(`deleted ${name} version ${versionText}`);
      return 0;
    }
    if (!args.bool('force')) throw args.usage(`deleting the whole model '${name}' needs --force (or give a VERSION to delete one version)`);
    await reg.deleteModel(name, { force: true, actor: ACTOR });
    ctx.emit({ deleted: { model: name } });
    ctx.print(`deleted model ${name} with all its versions and aliases`);
    return 0;
  },
};

export const modelsGroup: GroupSpec = {
  name: 'models',
  summary: 'The model registry: versions, aliases, rollback (under <data dir>/registry).',
  subcommands: [list, show, push, alias, rollback, rm],
  examples: ['amaas models list', 'amaas models push iris.safetensors --name iris --alias production', 'amaas models alias iris production 2', 'amaas models rollback iris production'],
};
