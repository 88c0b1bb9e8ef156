// The only module of the CLI that touches @amaas/server: required lazily (so every other command
// works without it) and checked for the API the CLI is written against (startServer, KeyStore).
// Until the server package exports them, `serve`, `keys` and `quickstart` fail here with exit 1.
import type { Registry } from '@amaas/core';
import { CliError } from './errors';

export type Scope = 'infer' | 'read' | 'manage' | 'admin';
export const SCOPES: readonly Scope[] = ['infer', 'read', 'manage', 'admin'];

/** @amaas/server's ServeOptions, as agreed for issue #6. */
export interface ServeOptions {
  dataDir?: string;
  registry?: Registry;
  host?: string;
  port?: number;
  tls?: { keyFile: string; certFile: string };
  manage?: boolean;
  auth?: 'auto' | 'required' | 'off';
  batching?: { enabled?: boolean; maxBatchSize?: number; maxQueueDelayMs?: number; maxQueueRows?: number; maxQueueBytes?: number };
  bodyLimitBytes?: number;
  rateLimit?: { requestsPerSecond: number; burst?: number };
  cors?: string[] | false;
  models?: string[];
  log?: (line: Record<string, unknown>) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface CreatedKey {
  id: string;
  key: string;
  name: string;
  scopes: Scope[];
  models: string[];
  createdAt: string;
}
export interface KeyInfo {
  id: string;
  name: string;
  scopes: Scope[];
  models: string[];
  createdAt: string;
  revokedAt?: string | null;
}
export interface KeyStoreApi {
  create(o: { name: string; scopes: Scope[]; models?: string[] }): CreatedKey;
  list(): KeyInfo[];
  revoke(idOrName: string): void;
  close(): void;
}

interface ServerModule {
  startServer(options: ServeOptions): Promise<RunningServer>;
  KeyStore: { open(dataDir: string): KeyStoreApi };
}

const NOT_BUILT_HINT = 'build it with `npm run build` at the repository root (the server package lands with issue #6)';

/** Loads @amaas/server and checks it has the API; CliError "the server package is not built" otherwise. */
export function serverModule(require_: (id: string) => unknown = require): ServerModule {
  let mod: Partial<ServerModule>;
  try {
    mod = require_('@amaas/server') as Partial<ServerModule>;
  } catch (err) {
    throw new CliError(`the server package is not built: cannot load @amaas/server (${(err as Error).message.split('\n')[0]})`, NOT_BUILT_HINT);
  }
  const missing = (['startServer', 'KeyStore'] as const).filter((k) => !mod || typeof mod[k] !== 'function');
  if (missing.length)
    throw new CliError(`the server package is not built: @amaas/server does not export ${missing.join(' or ')}`, NOT_BUILT_HINT);
  if (typeof mod.KeyStore!.open !== 'function') throw new CliError('the server package is not built: @amaas/server KeyStore has no open()', NOT_BUILT_HINT);
  return mod as ServerModule;
}

/** Whether the server API is there (for notes, never for control flow that hides failures). */
export function serverAvailable(): boolean {
  try {
    serverModule();
    return true;
  } catch {
    return false;
  }
}

export function startServer(options: ServeOptions): Promise<RunningServer> {
  return serverModule().startServer(options);
}

export function openKeyStore(dataDir: string): KeyStoreApi {
  return serverModule().KeyStore.open(dataDir);
}
