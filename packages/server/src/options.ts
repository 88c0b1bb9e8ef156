// The options of the server, as `amaas serve` and embedding applications pass them.
import type { Registry } from '@amaas/core';
import type { AuthMode, RateLimit } from './auth';
import type { BatchingOptions } from './batching';
import type { KeyStore } from './keys';
import type { LogSink } from './log';

export interface ServeOptions {
  /** registry data dir; default process.env.AMAAS_HOME ?? './.amaas' */
  dataDir?: string;
  /** an already-open registry instead of dataDir */
  registry?: Registry;
  /** default '127.0.0.1' */
  host?: string;
  /** default 8501 (TF Serving's REST port); 0 = any free port */
  port?: number;
  /** HTTPS when both files are given */
  tls?: { keyFile: string; certFile: string };
  /** management API, default false */
  manage?: boolean;
  /** default 'auto' = required as soon as any active key exists */
  auth?: AuthMode;
  batching?: Partial<BatchingOptions>;
  /** default 32 MiB */
  bodyLimitBytes?: number;
  /** per key */
  rateLimit?: RateLimit;
  /** allowed origins, default false */
  cors?: string[] | false;
  /** models to load at start; default: every model in the registry that has versions */
  models?: string[];
  /** default: JSON lines to stdout; tests pass a sink */
  log?: LogSink;
  /** Engine threads per native call (startServer only; process-wide). Default: $AMAAS_THREADS,
   *  else 1: a server gets its parallelism from concurrent batches, and the pool's spinning
   *  workers would take cores from request handling (measured: at 2 threads the batch-1 path ran
   *  at 0.6-0.9x the Express + onnxruntime baseline instead of 2-3x). */
  threads?: number;
}

/** What createApp needs: an open registry, the key store (null: no keys, auth off unless
 *  'required'), and the rest of the options. */
export interface AppDeps extends Omit<ServeOptions, 'registry' | 'dataDir' | 'host' | 'port' | 'tls' | 'threads'> {
  registry: Registry;
  keys?: KeyStore | null;
  /** registry poll interval (ms), default 250; 0 disables polling */
  pollMs?: number;
}

export const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024;
