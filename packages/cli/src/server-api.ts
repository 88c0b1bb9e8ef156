// The only module of the CLI that touches @amaas/server: required lazily (so every other command
// starts without loading it) and checked for the API the CLI is written against (startServer,
// KeyStore); a broken or missing server build makes `serve`, `keys` and `quickstart` exit 1.
// The types come from @amaas/server (type-only: nothing is loaded until serverModule() runs).
import type { CreatedKey, KeyRecord, RunningServer, Scope, ServeOptions } from '@amaas/server';
import { CliError } from './errors';

export type { CreatedKey, RunningServer, Scope, ServeOptions };
export type KeyInfo = KeyRecord;
export const SCOPES: readonly Scope[] = ['infer', 'read', 'manage', 'admin'];

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

const NOT_BUILT_HINT = 'build it with `npm run build` at the repository root';

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
