// Structured logs: one JSON object per line, with a request id that is echoed to the client
// (`x-request-id`). Not here: log shipping, levels beyond what an operator filters with jq.
import { randomBytes } from 'node:crypto';

export type LogSink = (line: Record<string, unknown>) => void;

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(JSON.stringify(line) + '\n');
};

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(sink: LogSink = stdoutSink): Logger {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>) => {
    try {
      sink({ time: new Date().toISOString(), level, msg, ...fields });
    } catch {
      /* a failing sink must never take a request down */
    }
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

// Request ids: a per-process random prefix plus a counter. Unique enough to correlate logs and
// far cheaper than a UUID per request on the hot path.
const PREFIX = randomBytes(4).toString('hex');
let counter = 0;

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `x-request-id` when it is sane, else a fresh one. */
export function requestId(header: string | string[] | undefined): string {
  if (typeof header === 'string' && CLIENT_ID.test(header)) return header;
  counter = (counter + 1) % 0x7fffffff;
  return `${PREFIX}-${counter.toString(36)}`;
}
