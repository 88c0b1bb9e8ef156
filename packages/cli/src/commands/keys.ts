// `amaas keys create|list|revoke`: API keys of the server (hashed in <data dir>/keys.db, by
// @amaas/server's KeyStore). The secret is shown once, at creation.
import type { CommandSpec, GroupSpec } from '../args';
import { openKeyStore, SCOPES, type KeyStoreApi, type Scope } from '../server-api';
import { renderTable, timeText } from '../ui/table';
import * as fs from 'node:fs';

function withStore<T>(dataDir: string, fn: (s: KeyStoreApi) => T): T {
  fs.mkdirSync(dataDir, { recursive: true });
  const store = openKeyStore(dataDir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

const create: CommandSpec = {
  name: 'keys create',
  summary: 'Create an API key (shown once) with scopes and optional model patterns.',
  usage: 'amaas keys create --name NAME [--scopes infer,read,manage,admin] [--models PATTERN,...]',
  options: {
    name: { type: 'string', short: 'n', value: 'NAME', description: 'a label for the key (who or what uses it)' },
    scopes: { type: 'string', value: 'LIST', description: `comma-separated among ${SCOPES.join(', ')} (default infer)` },
    models: { type: 'string', value: 'PATTERNS', description: 'models the key may use, comma-separated, * wildcards (default: all)' },
  },
  examples: ['amaas keys create --name web-frontend --scopes infer --models iris,digits', 'amaas keys create --name ci --scopes read,manage --json'],
  async run(args, ctx) {
    const name = args.need('name', 'a label for the key, e.g. --name web-frontend');
    const scopes = (args.list('scopes') ?? ['infer']) as Scope[];
    for (const s of scopes) if (!SCOPES.includes(s)) throw args.usage(`Expected scopes among ${SCOPES.join(', ')} for --scopes but received '${s}'`);
    const models = args.list('models');
    const key = withStore(ctx.dataDir, (s) => s.create({ name, scopes, models }));
    ctx.emit(key);
    ctx.print(`${ctx.c.green('created')} key ${key.id} (${key.name}; scopes ${key.scopes.join(', ')}; models ${key.models.length ? key.models.join(', ') : 'all'})`);
    ctx.print(`\n  ${ctx.c.bold(key.key)}\n`);
    ctx.note('this is the only time the key is shown: store it now. Clients send it as "Authorization: Bearer <key>".');
    return 0;
  },
};

const list: CommandSpec = {
  name: 'keys list',
  summary: 'List API keys (never their secrets).',
  usage: 'amaas keys list',
  options: {},
  examples: ['amaas keys list', 'amaas keys list --json'],
  async run(_args, ctx) {
    const keys = withStore(ctx.dataDir, (s) => s.list());
    ctx.emit({ keys });
    ctx.print(renderTable(['id', 'name', 'scopes', 'models', 'created', 'revoked'], keys.map((k) => [
      k.id, k.name, k.scopes.join(','), k.models.length ? k.models.join(',') : '*', timeText(k.createdAt), k.revokedAt ? timeText(k.revokedAt) : '-',
    ])));
    return 0;
  },
};

const revoke: CommandSpec = {
  name: 'keys revoke',
  summary: 'Revoke an API key by id or name; a running server refuses it from then on.',
  usage: 'amaas keys revoke ID|NAME',
  options: {},
  positionals: { min: 1, max: 1 },
  examples: ['amaas keys revoke web-frontend'],
  async run(args, ctx) {
    const id = args.positionals[0];
    withStore(ctx.dataDir, (s) => s.revoke(id));
    ctx.emit({ revoked: id });
    ctx.print(`revoked key ${id}`);
    return 0;
  },
};

export const keysGroup: GroupSpec = {
  name: 'keys',
  summary: 'API keys for the server (stored hashed in <data dir>/keys.db).',
  subcommands: [create, list, revoke],
  examples: ['amaas keys create --name app --scopes infer', 'amaas keys list', 'amaas keys revoke app'],
};
