// The inference hot path: POST /v2/models/{m}[/versions/{v}]/infer and POST /v1/models/...:predict
// answered by a plain node:http handler that runs before Express. Express costs ~140 µs of CPU
// per request here against ~19 µs for node:http, more than a batch-1 forward pass, so the
// requests that carry the load pay only for: body read (with the limit), auth, JSON.parse or the
// binary split, decode, the batcher, encode. Everything else falls through to Express.
// Not here: the protocols' rules (protocols/), routing of versions (models/manager.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { corsHeaders, respondError, type AppContext } from './context';
import { HttpError } from './errors';
import { requestId } from './log';
import type { LoadedVersion, Selector } from './models/manager';
import { decodePredict, encodePredict, parseTfPath } from './protocols/tfserving';
import { decodeV2, encodeV2, parseV2Request } from './protocols/v2';
import { binaryBody, HEADER_LENGTH, splitBinaryBody } from './protocols/v2-binary';

const SMALL_BODY = 16 * 1024;
const V2_INFER = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/;

interface Target {
  protocol: 'v2' | 'v1';
  model: string;
  selector: Selector;
}

/** The inference target of a request, or null when Express should handle it. */
function match(req: IncomingMessage): Target | null {
  if (req.method !== 'POST') return null;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path.startsWith('/v2/models/')) {
    const m = V2_INFER.exec(path);
    if (!m) return null;
    try {
      const selector: Selector = m[2] === undefined ? {} : { version: decodeURIComponent(m[2]) };
      return { protocol: 'v2', model: decodeURIComponent(m[1]), selector };
    } catch {
      return null;
    }
  }
  if (path.startsWith('/v1/models/') && path.endsWith(':predict')) {
    const p = parseTfPath(path);
    return p ? { protocol: 'v1', model: p.model, selector: p.selector } : null;
  }
  return null;
}

function readBody(req: IncomingMessage, limit: number, done: (err: HttpError | null, body: Buffer | null) => void): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`, { connection: 'close' }), null);
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (c: Buffer) => {
    if (failed) return;
    size += c.length;
    if (size > limit) {
      failed = true;
      done(new HttpError(413, `request body exceeds the limit of ${limit} bytes`, { connection: 'close' }), null);
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (!failed) done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  });
  req.on('error', () => {
    failed = true;
  });
}

export function createFastPath(ctx: AppContext): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { metrics } = ctx;
  // request counter series by route and status, bound on first use
  const counters = new Map<string, { inc(by?: number): void }>();
  const requestCounter = (route: string, code: number) => {
    const k = `${route} ${code}`;
    let c = counters.get(k);
    if (!c) counters.set(k, (c = metrics.requests.bind({ route, code })));
    return c;
  };

  return function fastPath(req, res) {
    const target = match(req);
    if (!target) return false;
    const t0 = performance.now();
    const rid = requestId(req.headers['x-request-id']);
    const route = target.protocol === 'v2' ? 'v2_infer' : 'v1_predict';
    metrics.inflight.inc();
    let lv: LoadedVersion | null = null;
    let finished = false;

    const finish = (status: number) => {
      if (finished) return;
      finished = true;
      metrics.inflight.dec();
      requestCounter(route, status).inc();
      if (lv) {
        const s = (performance.now() - t0) / 1e3;
        lv.latency[target.protocol].observe(s);
        if (status < 300) {
          lv.stats.success++;
          lv.stats.successNs += s * 1e9;
        } else lv.stats.fail++;
        ctx.models.release(lv);
        lv = null;
      }
    };
    const fail = (err: unknown) => {
      const e = respondError(ctx, req, res, err, rid);
      if (e.status >= 500 || e.status === 429) ctx.log.warn('inference request refused', { requestId: rid, status: e.status, error: e.message, model: target.model });
      finish(e.status);
    };
    // The answer's common headers as a flat [name, value, ...] list, which writeHead takes as is.
    const headerList = (): string[] => {
      const h = ['x-request-id', rid];
      if (ctx.cors) for (const [k, v] of Object.entries(corsHeaders(ctx, req))) h.push(k, v);
      if (ctx.closing) h.push('connection', 'close');
      return h;
    };

    // A client that goes away mid-request still ends the request's accounting (499, nginx's code).
    res.once('close', () => finish(499));

    try {
      ctx.auth.check(req.headers.authorization, 'infer', target.model);
    } catch (err) {
      req.resume();
      fail(err);
      return true;
    }
    readBody(req, ctx.bodyLimitBytes, (bodyErr, body) => {
      if (bodyErr || !body) {
        fail(bodyErr);
        return;
      }
      try {
        const session = req.headers['x-amaas-session'];
        if (typeof session === 'string') target.selector.session = session;
        const version = ctx.models.resolve(target.model, target.selector);
        lv = version;
        ctx.models.acquire(version);
        if (target.protocol === 'v2') {
          const hl = req.headers[HEADER_LENGTH];
          let json: Buffer = body, binary: Buffer | null = null;
          if (typeof hl === 'string') ({ json, binary } = splitBinaryBody(body, hl));
          const decoded = decodeV2(parseV2Request(parseJson(json)), binary, version);
          const respond = (out: Float32Array) => {
            const small = decoded.binaryOutput && decoded.id === undefined ? smallBinaryAnswer(version, out, decoded.input.n) : null;
            if (small) {
              const h = headerList();
              h.push('content-type', 'application/octet-stream', HEADER_LENGTH, small.headerLength, 'content-length', String(small.body.length));
              res.writeHead(200, h);
              res.end(small.body, 'latin1');
              finish(200);
              return;
            }
            const { header, binary: bin } = encodeV2(version, out, decoded.input.n, decoded);
            if (bin) {
              const { body: b, headerLength } = binaryBody(header, [bin]);
              res.writeHead(200, [...headerList(), 'content-type', 'application/octet-stream', HEADER_LENGTH, String(headerLength), 'content-length', String(b.length)]);
              // A small body as a latin1 string (byte for byte) lets node send head and body in
              // one write instead of a two-buffer writev (measured: about half the system time).
              if (b.length <= SMALL_BODY) res.end(b.toString('latin1'), 'latin1');
              else res.end(b);
            } else send(res, header, headerList());
            finish(200);
          };
          const out = version.infer(decoded.input);
          if (out instanceof Float32Array) respond(out);
          else out.then(respond).catch(fail);
        } else {
          const decoded = decodePredict(parseJson(body), version.adapter);
          const respond = (out: Float32Array) => {
            send(res, encodePredict(out, decoded.input.n, version.adapter, decoded.columnar), headerList());
            finish(200);
          };
          const out = version.infer(decoded.input);
          if (out instanceof Float32Array) respond(out);
          else out.then(respond).catch(fail);
        }
      } catch (err) {
        fail(err);
      }
    });
    return true;
  };
}

// The JSON header of a binary V2 answer depends only on the version and the row count when the
// request has no id: kept per version and row count (ASCII only, so that latin1 carries it byte
// for byte), it saves building and serializing the document on every request.
const answerHeaders = new WeakMap<LoadedVersion, Map<number, string | null>>();
const MAX_CACHED_ROW_COUNTS = 256;

/** A small binary answer as one latin1 string (JSON header + raw floats), so node writes head
 *  and body in one syscall; null when the header is not plain ASCII or the body is large. */
function smallBinaryAnswer(version: LoadedVersion, out: Float32Array, n: number): { body: string; headerLength: string } | null {
  if (out.byteLength > SMALL_BODY) return null;
  let byRows = answerHeaders.get(version);
  if (!byRows) answerHeaders.set(version, (byRows = new Map()));
  let json = byRows.get(n);
  if (json === undefined) {
    json = JSON.stringify(encodeV2(version, out, n, { binaryOutput: true }).header);
    if (!/^[\x20-\x7e]*$/.test(json)) json = null;
    if (byRows.size < MAX_CACHED_ROW_COUNTS) byRows.set(n, json);
  }
  if (json === null) return null;
  return { body: json + Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('latin1'), headerLength: String(json.length) };
}

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `malformed JSON body: ${(err as Error).message.slice(0, 200)}`);
  }
}

function send(res: ServerResponse, value: unknown, headers: string[]): void {
  const body = JSON.stringify(value);
  headers.push('content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)));
  res.writeHead(200, headers);
  res.end(body);
}
