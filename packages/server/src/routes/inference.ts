// The Express side of the inference protocols: TF Serving status/metadata/:classify/:regress/
// :explain and KServe V2 health, metadata, readiness, statistics and the repository index.
// :predict and /infer are answered by the fast path before a request gets here.
import express, { type Request, type Response, type Router } from 'express';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import type { BatchInput } from '../models/adapter';
import type { LoadedVersion, Selector } from '../models/manager';
import {
  decodeExamples, decodeExplain, decodePredict, encodeClassify, encodePredict, encodeRegress, parseTfPath, tfMetadata, tfStatus,
} from '../protocols/tfserving';
import { v2Metadata } from '../protocols/v2';
import { need, param } from './util';

/** Runs `fn` with the version resolved and held (so a swap drains it only after we finish). */
async function withVersion<T>(ctx: AppContext, req: Request, name: string, sel: Selector, fn: (lv: LoadedVersion) => Promise<T> | T): Promise<T> {
  const session = req.headers['x-amaas-session'];
  const lv = ctx.models.resolve(name, typeof session === 'string' ? { ...sel, session } : sel);
  ctx.models.acquire(lv);
  try {
    return await fn(lv);
  } finally {
    ctx.models.release(lv);
  }
}

function loaded(ctx: AppContext, name: string): LoadedVersion[] {
  const route = ctx.models.route(name);
  if (!route) throw new HttpError(404, `model '${name}' is not loaded`);
  return [...route.versions.values()];
}

export function inferenceRoutes(ctx: AppContext, version: string): Router {
  const r = express.Router();
  const json = express.json({ limit: ctx.bodyLimitBytes, type: () => true });

  // ---- TF Serving ----
  r.all(/^\/v1\/models\/.+/, (req, res, next) => {
    const p = parseTfPath(req.path);
    if (!p) return next();
    ctx.auth.check(req.headers.authorization, p.verb === 'status' || p.verb === 'metadata' ? 'read' : 'infer', p.model);
    if (req.method === 'GET' && p.verb === 'status') {
      const versions = loaded(ctx, p.model);
      const pick = p.selector.version !== undefined || p.selector.label !== undefined ? [ctx.models.resolve(p.model, p.selector)] : versions;
      return res.json(tfStatus(pick));
    }
    if (req.method === 'GET' && p.verb === 'metadata') return res.json(tfMetadata(ctx.models.resolve(p.model, p.selector)));
    if (req.method !== 'POST' || p.verb === 'status' || p.verb === 'metadata') throw new HttpError(405, `${req.method} is not allowed on ${req.path}`);
    json(req, res, (err?: unknown) => {
      if (err) return next(err);
      withVersion(ctx, req, p.model, p.selector, async (lv) => {
        if (p.verb === 'explain') {
          const e = decodeExplain(req.body, lv.adapter);
          return { explanations: lv.adapter.explain(e.x, e.n, e) };
        }
        let input: BatchInput, encode: (out: Float32Array) => Record<string, unknown>;
        if (p.verb === 'predict') {
          const d = decodePredict(req.body, lv.adapter);
          input = d.input;
          encode = (out) => encodePredict(out, input.n, lv.adapter, d.columnar);
        } else {
          input = decodeExamples(req.body, lv.adapter);
          encode = (out) => (p.verb === 'classify' ? encodeClassify : encodeRegress)(out, input.n, lv.adapter);
        }
        return encode(await lv.infer(input));
      })
        .then((body) => void res.json(body))
        .catch(next);
    });
  });

  // ---- KServe V2 ----
  const serverMeta = { name: 'amaas', version, extensions: ['binary_tensor_data', 'model_repository', 'statistics'] };
  r.get(['/v2', '/v2/'], need(ctx, 'read'), (_req, res) => void res.json(serverMeta));
  r.get('/v2/health/live', (_req, res) => void res.json({ live: true }));
  r.get('/v2/health/ready', (_req, res) => {
    if (ctx.models.ready && !ctx.closing) res.json({ ready: true });
    else res.status(400).json({ error: 'not ready: models are loading or the server is shutting down' });
  });
  const meta = (req: Request, res: Response) => {
    const name = param(req, 'name');
    const lv = ctx.models.resolve(name, req.params.version === undefined ? {} : { version: param(req, 'version') });
    res.json(v2Metadata(name, loaded(ctx, name).map((v) => v.version), lv));
  };
  r.get('/v2/models/:name', need(ctx, 'read'), meta);
  r.get('/v2/models/:name/versions/:version', need(ctx, 'read'), meta);
  const ready = (req: Request, res: Response) => {
    const name = param(req, 'name');
    const lv = ctx.models.resolve(name, req.params.version === undefined ? {} : { version: param(req, 'version') });
    if (lv.state === 'ready' && !ctx.closing) res.json({ name, ready: true });
    else res.status(400).json({ error: `model '${name}' version ${lv.version} is ${lv.state}` });
  };
  r.get('/v2/models/:name/ready', need(ctx, 'read'), ready);
  r.get('/v2/models/:name/versions/:version/ready', need(ctx, 'read'), ready);
  const stats = (req: Request, res: Response) => {
    const name = param(req, 'name');
    const versions = req.params.version === undefined ? loaded(ctx, name) : [ctx.models.resolve(name, { version: param(req, 'version') })];
    const c = (count: number, ns: number) => ({ count, ns: Math.round(ns) });
    res.json({
      model_stats: versions.map((lv) => ({
        name,
        version: String(lv.version),
        state: lv.state,
        last_inference: lv.stats.lastInference,
        inference_count: lv.stats.rows,
        execution_count: lv.stats.executions,
        inference_stats: {
          success: c(lv.stats.success, lv.stats.successNs),
          fail: c(lv.stats.fail, 0),
          queue: c(lv.stats.queueCount, lv.stats.queueNs),
          compute_infer: c(lv.stats.executions, lv.stats.computeNs),
        },
        batch_stats: [...lv.stats.batches].sort((a, b) => a[0] - b[0]).map(([size, b]) => ({ batch_size: size, compute_infer: c(b.count, b.ns) })),
        memory_bytes: lv.adapter.bytes,
      })),
    });
  };
  r.get('/v2/models/:name/stats', need(ctx, 'read'), stats);
  r.get('/v2/models/:name/versions/:version/stats', need(ctx, 'read'), stats);
  r.post('/v2/repository/index', need(ctx, 'read'), async (_req, res) => {
    const out: { name: string; version: string; state: string; reason: string }[] = [];
    for (const m of await ctx.registry.listModels()) {
      const route = ctx.models.route(m.name);
      for (const v of await ctx.registry.listVersions(m.name)) {
        const lv = route?.versions.get(v.version);
        out.push({ name: m.name, version: String(v.version), state: lv ? lv.state.toUpperCase() : 'UNAVAILABLE', reason: lv ? '' : 'not loaded' });
      }
    }
    res.json(out);
  });
  return r;
}
