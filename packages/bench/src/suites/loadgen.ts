// The serve suite's load generators behind one call: wrk (C, epoll; Debian's `wrk` package) when
// it is on PATH, autocannon (JavaScript, an npm dependency) otherwise. On a 2-core machine the load
// generator shares the cores with the server, so its own cost per request decides how much CPU
// is left to the server: measured here, autocannon saturated a core at ~5,000 req/s where wrk
// used ~20 % of one at 7,500.
// wrk gets a generated Lua script holding the exact request body (binary-safe) and a done()
// hook that prints one JSON line with the counts and latency percentiles.
// Not here: which servers and requests are measured (serve.ts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type LoadGenName = 'wrk' | 'autocannon';

export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: Buffer | string;
  headers?: Record<string, string>;
  connections: number;
  /** whole seconds (wrk takes no fractions) */
  seconds: number;
}

export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** responses with a status outside 2xx/3xx */
  non2xx: number;
  /** connect/read/write errors and timeouts */
  errors: number;
}

/** The first `wrk` executable on PATH, or null. */
export function findWrk(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'wrk');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** A Lua string literal holding `bytes` exactly: printable ASCII as is, every other byte as \ddd. */
export function luaString(bytes: Buffer): string {
  let s = '"';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) s += String.fromCharCode(b);
    else s += `\\${String(b).padStart(3, '0')}`;
  }
  return s + '"';
}

const DONE_MARK = 'AMAAS_WRK ';

/** The wrk script of one request: method, headers, body, and a done() that prints JSON. */
export function wrkScript(req: Pick<LoadRequest, 'method' | 'body' | 'headers'>): string {
  const lines = [`wrk.method = ${luaString(Buffer.from(req.method))}`];
  if (req.body !== undefined) lines.push(`wrk.body = ${luaString(Buffer.from(req.body))}`);
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`wrk.headers[${luaString(Buffer.from(k))}] = ${luaString(Buffer.from(v))}`);
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    `  io.write(string.format('${DONE_MARK}{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',`,
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout))',
    'end',
    '',
  );
  return lines.join('\n');
}

interface WrkDone {
  requests: number;
  duration_us: number;
  p50_us: number;
  p99_us: number;
  status: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

function runWrk(wrk: string, scriptDir: string, req: LoadRequest): Promise<LoadResult> {
  const script = path.join(scriptDir, `wrk-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.lua`);
  fs.writeFileSync(script, wrkScript(req));
  const args = ['-t1', `-c${req.connections}`, `-d${Math.max(1, Math.round(req.seconds))}s`, '--timeout', '10s', '-s', script, req.url];
  return new Promise<LoadResult>((resolve, reject) => {
    const proc = spawn(wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      fs.rmSync(script, { force: true });
      const line = out.split('\n').find((l) => l.startsWith(DONE_MARK));
      if (code !== 0 || !line) {
        reject(new Error(`wrk ${args.join(' ')} exited with ${code}: ${(err || out).trim().slice(-500)}`));
        return;
      }
      const d = JSON.parse(line.slice(DONE_MARK.length)) as WrkDone;
      resolve({
        rps: d.requests / (d.duration_us / 1e6),
        p50_ms: d.p50_us / 1e3,
        p99_ms: d.p99_us / 1e3,
        requests: d.requests,
        non2xx: d.status,
        errors: d.connect + d.read + d.write + d.timeout,
      });
    });
  });
}

type Autocannon = (o: Record<string, unknown>) => Promise<{
  requests: { total: number };
  duration: number;
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}>;

async function runAutocannon(req: LoadRequest): Promise<LoadResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  const r = await autocannon({ url: req.url, method: req.method, headers: req.headers, body: req.body, connections: req.connections, duration: req.seconds, pipelining: 1 });
  return { rps: r.requests.total / r.duration, p50_ms: r.latency.p50, p99_ms: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

export interface LoadGen {
  name: LoadGenName;
  /** name and version for the report, e.g. 'wrk 4.1.0' */
  describe: string;
  run(req: LoadRequest): Promise<LoadResult>;
}

/** The requested load generator (default: wrk when found, else autocannon); wrk's scripts go to
 *  `scriptDir`. Throws when wrk is asked for and not installed. */
export function createLoadGen(wanted: LoadGenName | undefined, scriptDir: string): LoadGen {
  const wrk = wanted === 'autocannon' ? null : findWrk();
  if (wanted === 'wrk' && !wrk) throw new Error("--loadgen wrk: no 'wrk' executable on PATH (Debian: apt-get install wrk)");
  if (wrk) return { name: 'wrk', describe: `wrk (${wrk}, 1 thread)`, run: (req) => runWrk(wrk, scriptDir, req) };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('autocannon/package.json') as { version: string }).version;
  return { name: 'autocannon', describe: `autocannon ${version} (in the bench process)`, run: runAutocannon };
}
