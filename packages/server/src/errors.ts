// The one place that turns errors into HTTP: core's AmaasError codes, body-parser errors and our
// own HttpError map to a status and a `{ "error": "..." }` body (the shape TF Serving and KServe
// V2 both use). Not here: logging (log.ts) or routing. Never writes a stack trace to a client.
import type { ServerResponse } from 'node:http';
import { AmaasError } from '@amaas/core';

/** An error that already knows its HTTP status (and extra headers such as Retry-After). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Core's stable codes -> HTTP status. Codes not listed are server faults (500, generic message). */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  SHAPE_MISMATCH: 400,
  INVALID_TYPE: 400,
  INVALID_DATA: 400,
  INVALID_MODEL_FILE: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RESOURCE_BUSY: 503,
  UNAVAILABLE: 503,
};

/** Any thrown value as an HttpError; `internal` is true when the message was replaced. */
export function toHttpError(err: unknown): { error: HttpError; internal: boolean } {
  if (err instanceof HttpError) return { error: err, internal: false };
  if (err instanceof AmaasError) {
    const status = STATUS_BY_CODE[err.code];
    if (status !== undefined)
      return { error: new HttpError(status, err.message, status === 503 ? { 'retry-after': '1' } : {}), internal: false };
    return { error: new HttpError(500, `internal error (${err.code})`), internal: true };
  }
  // body-parser (express.json/raw) errors carry `type` and `status`.
  const e = err as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown } | null;
  if (e && typeof e === 'object' && typeof e.status === 'number' && e.expose === true && e.status >= 400 && e.status < 500) {
    if (e.type === 'entity.too.large') return { error: new HttpError(413, 'request body exceeds the configured body limit'), internal: false };
    if (e.type === 'entity.parse.failed') return { error: new HttpError(400, `malformed JSON body: ${String(e.message)}`), internal: false };
    return { error: new HttpError(e.status, String(e.message)), internal: false };
  }
  return { error: new HttpError(500, 'internal error'), internal: true };
}

/** The single JSON error writer used by the fast path and the Express error middleware. */
export function writeError(res: ServerResponse, error: HttpError, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: error.message });
  res.writeHead(error.status, {
    ...extraHeaders,
    ...error.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
