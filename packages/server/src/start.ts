// startServer: opens the registry (or takes one), builds the app, listens over HTTP or HTTPS, and
// shuts down gracefully: stop accepting, let in-flight requests finish (idle keep-alive sockets
// are closed, busy ones are told `connection: close`), unload models, close what it opened.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Registry } from '@amaas/core';
import { createApp, type AmaasApp } from './app';
import { KeyStore } from './keys';
import type { ServeOptions } from './options';

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  app: AmaasApp;
  /** Graceful: resolves when in-flight requests have finished and models are unloaded. */
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const dataDir = path.resolve(options.dataDir ?? process.env.AMAAS_HOME ?? './.amaas');
  const ownRegistry = !options.registry;
  const registry = options.registry ?? new Registry({ dir: path.join(dataDir, 'registry') });
  const keys = options.auth === 'off' ? null : KeyStore.open(dataDir);
  let app: AmaasApp;
  try {
    app = await createApp({ ...options, registry, keys });
  } catch (err) {
    keys?.close();
    if (ownRegistry) await registry.close();
    throw err;
  }
  const server = options.tls
    ? https.createServer({ key: fs.readFileSync(options.tls.keyFile), cert: fs.readFileSync(options.tls.certFile) }, app.handler)
    : http.createServer(app.handler);
  server.keepAliveTimeout = 65000; // longer than common load balancers' idle timeouts
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8501, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  app.context.log.info('listening', { url, models: app.models.names(), manage: app.context.manage, auth: app.context.auth.enforced ? 'on' : 'off' });
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      app.context.closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Connections that turn idle after their last response are closed as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      await closed;
      clearInterval(sweep);
      await app.close();
      keys?.close();
      if (ownRegistry) await registry.close();
      app.context.log.info('stopped', { url });
    })());
  return { url, host, port, app, close };
}
