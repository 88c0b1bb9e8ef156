// `amaas serve`: @amaas/server in the foreground (TF Serving + KServe V2 REST) on the registry of
// the data directory, until Ctrl-C / SIGTERM, which closes it cleanly.
import * as fs from 'node:fs';
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import { CliError } from '../errors';
import { onInterrupt } from '../interrupt';
import { startServer, type RunningServer, type ServeOptions } from '../server-api';

export const SERVER_OPTIONS = {
  port: { type: 'string', short: 'p', value: 'PORT', description: 'port (default 8501; 0 picks a free one)' },
  host: { type: 'string', value: 'HOST', description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)' },
} as const;

export function readAddress(args: Args): { host: string; port: number } {
  return { host: args.str('host') ?? '127.0.0.1', port: args.int('port', { min: 0, max: 65535 }) ?? 8501 };
}

/** Runs until SIGINT/SIGTERM, then closes the server; resolves with the signal's name. */
export function serveUntilInterrupted(server: RunningServer, ctx: Context): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = onInterrupt((signal) => {
      ctx.note(`${signal}: closing the server (waiting for requests in flight)`);
      stop();
      server.close().then(() => {
        ctx.note('server closed');
        resolve();
      }, reject);
    }, (s) => ctx.note(s));
  });
}

export function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return new CliError(`port ${port} on ${host} is already in use`, `stop the other server, or pick another port with --port (0 = any free port)`);
  if (code === 'EACCES') return new CliError(`no permission to listen on ${host}:${port}`, 'use a port above 1023');
  if (code === 'EADDRNOTAVAIL') return new CliError(`${host} is not an address of this machine`, 'use 127.0.0.1, 0.0.0.0 or one of its addresses with --host');
  return err;
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Serve the registry\'s models over TF Serving and KServe V2 REST until interrupted.',
  usage: 'amaas serve [--port PORT] [--host HOST] [--tls-key FILE --tls-cert FILE] [--max-batch-size N] [--data-dir DIR]',
  description: [
    'Endpoints: POST /v1/models/NAME[:VERSION]:predict (TF Serving), POST /v2/models/NAME/infer',
    '(KServe V2), GET /v2/health/ready, GET /metrics. Aliases route as /v1/models/NAME/labels/ALIAS.',
    "Auth 'auto' (default) requires a key once any exists ('amaas keys create'). Ctrl-C closes it cleanly.",
  ].join('\n'),
  options: {
    ...SERVER_OPTIONS,
    'tls-key': { type: 'string', value: 'FILE', description: 'TLS private key (PEM); with --tls-cert serves HTTPS' },
    'tls-cert': { type: 'string', value: 'FILE', description: 'TLS certificate chain (PEM)' },
    'no-batching': { type: 'boolean', description: 'run each request on its own (no dynamic batching)' },
    'max-batch-size': { type: 'string', value: 'N', description: 'largest batch of rows run together (dynamic batching)' },
    'max-queue-delay-ms': { type: 'string', value: 'MS', description: 'longest a request waits for others to batch with' },
    'max-queue-rows': { type: 'string', value: 'N', description: 'rows queued per model before requests get 503 + Retry-After' },
    'max-queue-bytes': { type: 'string', value: 'N', description: 'bytes queued per model before requests get 503' },
    'body-limit': { type: 'string', value: 'BYTES', description: 'largest request body (413 beyond it)' },
    models: { type: 'string', value: 'LIST', description: 'serve only these models (comma-separated; default all)' },
    manage: { type: 'boolean', description: 'enable the management API (upload, aliases, load/unload)' },
    auth: { type: 'string', value: 'MODE', description: 'auto (default) | required | off' },
    'rate-limit': { type: 'string', value: 'RPS', description: 'requests per second per key' },
    log: { type: 'boolean', description: 'print structured JSON request logs on stderr' },
  },
  examples: ['amaas serve', 'amaas serve --port 9000 --host 0.0.0.0 --max-batch-size 64 --max-queue-delay-ms 2', 'amaas serve --tls-key key.pem --tls-cert cert.pem --auth required', 'AMAAS_HOME=/srv/amaas amaas serve --models iris,digits'],
  run: runServe,
};

export function readServeOptions(args: Args, ctx: Context): ServeOptions {
  const { host, port } = readAddress(args);
  const keyFile = args.str('tls-key'), certFile = args.str('tls-cert');
  if (!!keyFile !== !!certFile) throw args.usage('TLS needs both --tls-key FILE and --tls-cert FILE');
  for (const f of [keyFile, certFile]) if (f && !fs.existsSync(f)) throw new CliError(`no such file: ${f}`, 'give the PEM files of the key and the certificate');
  const maxBatchSize = args.int('max-batch-size', { min: 1 });
  const maxQueueDelayMs = args.num('max-queue-delay-ms', { min: 0 });
  const maxQueueRows = args.int('max-queue-rows', { min: 1 });
  const maxQueueBytes = args.int('max-queue-bytes', { min: 1 });
  const rps = args.num('rate-limit', { min: 0, exclusiveMin: true });
  const opts: ServeOptions = {
    dataDir: ctx.dataDir, registry: ctx.registry(), host, port,
    batching: { enabled: !args.bool('no-batching'), maxBatchSize, maxQueueDelayMs, maxQueueRows, maxQueueBytes },
    manage: args.bool('manage'), auth: args.oneOf('auth', ['auto', 'required', 'off'] as const) ?? 'auto',
    bodyLimitBytes: args.int('body-limit', { min: 1 }), models: args.list('models'),
  };
  if (keyFile && certFile) opts.tls = { keyFile, certFile };
  if (rps) opts.rateLimit = { requestsPerSecond: rps };
  opts.log = serverLogSink(ctx, args.bool('log'));
  return opts;
}

async function runServe(args: Args, ctx: Context): Promise<number> {
  const opts = readServeOptions(args, ctx);
  const models = await ctx.registry().listModels();
  let server: RunningServer;
  try {
    server = await startServer(opts);
  } catch (err) {
    throw listenError(err, opts.host!, opts.port!);
  }
  ctx.emit({ url: server.url, host: server.host, port: server.port, dataDir: ctx.dataDir, models: models.map((m) => m.name) });
  ctx.print(`${ctx.c.green('serving')} ${models.length} model${models.length === 1 ? '' : 's'} from ${ctx.registryDir} at ${ctx.c.bold(server.url)}`);
  if (models.length === 0) ctx.note("no models yet: register one with 'amaas train --dataset iris --push iris --alias production'");
  else ctx.print(`try: curl -s ${server.url}/v2/health/ready   (models: ${models.map((m) => m.name).join(', ')})`);
  ctx.note('press Ctrl-C to stop');
  await serveUntilInterrupted(server, ctx);
  return 0;
}

/**
 * Where the server's JSON log lines go: stderr, never stdout (stdout carries the one --json
 * document or the human output). All of them with --log; otherwise only warnings and errors.
 */
export function serverLogSink(ctx: Context, all: boolean): (line: Record<string, unknown>) => void {
  return (line) => {
    if (all || line.level === 'warn' || line.level === 'error') ctx.note(JSON.stringify(line));
  };
}
