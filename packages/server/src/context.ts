// What every request handler shares: the model manager, auth, metrics, logger and limits.
// Built once by createApp; the fast path and the Express routes read the same object, so there
// is one auth check, one error writer and one set of metrics for both.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from '@amaas/core';
import type { Auth } from './auth';
import { toHttpError, writeError, type HttpError } from './errors';
import type { KeyStore } from './keys';
import type { Logger } from './log';
import type { ServerMetrics } from './metrics';
import type { ModelManager } from './models/manager';

export interface AppContext {
  registry: Registry;
  models: ModelManager;
  auth: Auth;
  keys: KeyStore | null;
  metrics: ServerMetrics;
  log: Logger;
  bodyLimitBytes: number;
  cors: string[] | false;
  manage: boolean;
  /** set when shutdown began: responses ask clients to close their connection */
  closing: boolean;
}

/** Bounded label values for the request counter. */
export function routeFamily(method: string, path: string): string {
  if (path.startsWith('/v2/models/') && path.endsWith('/infer')) return 'v2_infer';
  if (path.startsWith('/v1/models/') && path.includes(':')) return `v1_${path.slice(path.lastIndexOf(':') + 1).replace(/[^a-z]/g, '').slice(0, 10) || 'other'}`;
  if (path.startsWith('/v1/')) return 'v1_read';
  if (path.startsWith('/v2/repository')) return 'v2_repository';
  if (path.startsWith('/v2')) return 'v2_read';
  if (path.startsWith('/manage')) return method === 'GET' ? 'manage_read' : 'manage_write';
  if (path === '/metrics' || path === '/openapi.json') return path.slice(1);
  return 'other';
}

/** CORS headers for an allowed Origin (none when CORS is off or the origin is not listed). */
export function corsHeaders(ctx: AppContext, req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (!ctx.cors || !origin) return {};
  if (!ctx.cors.includes('*') && !ctx.cors.includes(origin)) return {};
  return {
    'access-control-allow-origin': ctx.cors.includes('*') ? '*' : origin,
    'access-control-allow-headers': 'authorization, content-type, inference-header-content-length, x-amaas-session, x-request-id',
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-expose-headers': 'inference-header-content-length, x-request-id',
    vary: 'Origin',
  };
}

/** Answers an error (never a stack trace) and logs it; server faults log the real cause. */
export function respondError(ctx: AppContext, req: IncomingMessage, res: ServerResponse, err: unknown, requestId: string): HttpError {
  const { error, internal } = toHttpError(err);
  if (internal) ctx.log.error('request failed', { requestId, method: req.method, path: req.url, error: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
  const headers: Record<string, string> = { 'x-request-id': requestId, ...corsHeaders(ctx, req) };
  if (ctx.closing) headers.connection = 'close';
  writeError(res, error, headers);
  return error;
}
