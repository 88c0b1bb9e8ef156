// startServer: opens the registry (or takes one), builds the app, listens over HTTP or HTTPS, and
// shuts down gracefully: stop accepting connections, let in-flight requests finish (their
// responses carry `connection: close`), serve requests that were already on the wire during a
// short grace period, then close idle sockets, unload models and close what it opened. Node's own
// server.close() would destroy idle sockets at once, resetting a request that is in transit on
// one; that is the dropped request this avoids.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Registry, setThreads } from '@amaas/core';
import { createApp, type AmaasApp } from './app';
import { KeyStore } from './keys';
import type { ServeOptions } from './options';

/** How long shutdown keeps idle sockets open for requests already in transit. */
const SHUTDOWN_GRACE_MS = 200;
/** Sockets still busy after this are destroyed. */
const SHUTDOWN_TIMEOUT_MS = 30000;

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
  const threads = options.threads ?? (process.env.AMAAS_THREADS ? undefined : 1);
  if (threads !== undefined) setThreads(threads);
  const ownRegistry = !options.registry;
  const registry = options.registry ?? new Registry({ dir: path.join(dataDir, 'registry') });
  // Opened even with auth 'off': it also holds the server's audit log.
  const keys = KeyStore.open(dataDir);
  let app: AmaasApp;
  try {
    app = await createApp({ ...options, registry, keys });
  } catch (err) {
    keys.close();
    if (ownRegistry) await registry.close();
    throw err;
  }
  const server = options.tls
    ? https.createServer({ key: fs.readFileSync(options.tls.keyFile), cert: fs.readFileSync(options.tls.certFile) }, app.handler)
    : http.createServer(app.handler);
  server.keepAliveTimeout = 65000; // longer than common load balancers' idle timeouts
  // Active requests per socket, so shutdown can tell idle sockets from busy ones.
  const sockets = new Map<net.Socket, number>();
  let closingSockets = false;
  server.on(options.tls ? 'secureConnection' : 'connection', (s: net.Socket) => {
    sockets.set(s, 0);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const s = req.socket;
    sockets.set(s, (sockets.get(s) ?? 0) + 1);
    res.on('close', () => {
      const n = (sockets.get(s) ?? 1) - 1;
      sockets.set(s, n);
      if (closingSockets && n === 0) s.end();
    });
  });
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
      closingSockets = true;
      // net.Server's close: stop accepting, without http.Server's immediate idle-socket reset.
      const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
      // Grace for requests already sent on idle sockets; then close the sockets still idle.
      await new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS));
      for (const [s, n] of sockets) if (n === 0) s.end();
      const force = setTimeout(() => {
        for (const s of sockets.keys()) s.destroy();
      }, SHUTDOWN_TIMEOUT_MS);
      await closed;
      clearTimeout(force);
      await app.close();
      keys.close();
      if (ownRegistry) await registry.close();
      app.context.log.info('stopped', { url });
    })());
  return { url, host, port, app, close };
}
