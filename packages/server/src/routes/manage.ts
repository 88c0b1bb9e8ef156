// The management API (mounted only with `manage: true`): upload versions, move aliases and
// weights, roll back, load/unload, delete, API keys. Registry changes carry the caller as actor,
// so the registry's audit log records who did what; load/unload and key changes, which are not
// registry state, go to the server's audit log (keys.db) and to the JSON log (`audit: true`).
// GET /manage/audit returns both, newest first. Every registry change is applied to routing at
// once (not at the next poll).
import express, { type Request, type Router } from 'express';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { aliasRequest, keyCreateRequest, v2RepositoryLoad } from '../protocols/schemas';
import { zodMessage } from '../protocols/v2';
import { need, param, principal } from './util';

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new HttpError(400, zodMessage(r.error));
  return r.data;
}

function positiveInt(req: Request, name: string): number {
  const v = param(req, name);
  if (!/^[1-9][0-9]{0,15}$/.test(v)) throw new HttpError(400, `Expected a positive integer ${name} but received '${v.slice(0, 20)}'`);
  return Number(v);
}

/** Records a change that is not registry state: server audit log + JSON log line. */
function audit(ctx: AppContext, actor: string, action: string, model: string | null, details: Record<string, unknown> = {}): void {
  ctx.keys?.audit(actor, action, model, details);
  ctx.log.info(action, { audit: true, actor, model, ...details });
}

/** V2 repository load/unload: part of the management surface, so only with `manage`. */
export function repositoryRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const json = express.json({ limit: ctx.bodyLimitBytes, type: () => true });
  r.post('/v2/repository/models/:name/load', need(ctx, 'manage'), json, async (req, res) => {
    const body = parse(v2RepositoryLoad, req.body);
    const v = body.parameters?.version;
    await ctx.models.load(param(req, 'name'), v === undefined ? undefined : Number(v));
    audit(ctx, principal(res).actor, 'load_model', param(req, 'name'), { version: v ?? null });
    res.json({ name: param(req, 'name'), loaded: true });
  });
  r.post('/v2/repository/models/:name/unload', need(ctx, 'manage'), async (req, res) => {
    await ctx.models.unload(param(req, 'name'));
    audit(ctx, principal(res).actor, 'unload_model', param(req, 'name'));
    res.json({ name: param(req, 'name'), unloaded: true });
  });
  return r;
}

export function manageRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const reg = ctx.registry;
  const json = express.json({ limit: ctx.bodyLimitBytes, type: () => true });
  const raw = express.raw({ limit: ctx.bodyLimitBytes, type: () => true });
  const actor = (res: express.Response) => ({ actor: principal(res).actor });

  r.get('/manage/models', need(ctx, 'read'), async (_req, res) => {
    const out = [];
    for (const m of await reg.listModels()) {
      const route = ctx.models.route(m.name);
      out.push({
        ...m,
        versions: (await reg.listVersions(m.name)).map((v) => ({ ...v, state: route?.versions.get(v.version)?.state ?? 'unloaded' })),
        aliases: await reg.listAliases(m.name),
      });
    }
    res.json({ models: out });
  });

  r.post('/manage/models/:name/versions', need(ctx, 'manage'), raw, async (req, res) => {
    const name = param(req, 'name');
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new HttpError(400, 'Expected the model file as the request body (application/octet-stream)');
    const who = actor(res);
    if (!(await reg.listModels()).some((m) => m.name === name)) await reg.createModel(name, who);
    let metrics: Record<string, number> | undefined;
    if (typeof req.query.metrics === 'string') {
      try {
        metrics = JSON.parse(req.query.metrics) as Record<string, number>;
      } catch {
        throw new HttpError(400, 'Expected ?metrics= as a JSON object of numbers, e.g. {"accuracy":0.97}');
      }
    }
    const version = typeof req.query.version === 'string' ? Number(req.query.version) : undefined;
    const record = await reg.pushVersion(name, req.body as Buffer, { ...who, metrics, version });
    await ctx.models.refresh(name);
    res.status(201).json(record);
  });

  r.put('/manage/models/:name/aliases/:alias', need(ctx, 'manage'), json, async (req, res) => {
    const body = parse(aliasRequest, req.body);
    const name = param(req, 'name');
    const rec = await reg.setAlias(name, param(req, 'alias'), 'version' in body ? body.version : body.targets, actor(res));
    await ctx.models.refresh(name);
    res.json(rec);
  });
  r.delete('/manage/models/:name/aliases/:alias', need(ctx, 'manage'), async (req, res) => {
    await reg.deleteAlias(param(req, 'name'), param(req, 'alias'), actor(res));
    await ctx.models.refresh(param(req, 'name'));
    res.status(204).end();
  });
  r.post('/manage/models/:name/aliases/:alias/rollback', need(ctx, 'manage'), async (req, res) => {
    const rec = await reg.rollback(param(req, 'name'), param(req, 'alias'), actor(res));
    await ctx.models.refresh(param(req, 'name'));
    res.json(rec);
  });
  r.delete('/manage/models/:name/versions/:version', need(ctx, 'manage'), async (req, res) => {
    await reg.deleteVersion(param(req, 'name'), positiveInt(req, 'version'), actor(res));
    await ctx.models.refresh(param(req, 'name'));
    res.status(204).end();
  });
  r.delete('/manage/models/:name', need(ctx, 'manage'), async (req, res) => {
    await reg.deleteModel(param(req, 'name'), { force: req.query.force === 'true', ...actor(res) });
    await ctx.models.refresh(param(req, 'name'));
    res.status(204).end();
  });
  r.post('/manage/models/:name/load', need(ctx, 'manage'), async (req, res) => {
    await ctx.models.load(param(req, 'name'));
    audit(ctx, principal(res).actor, 'load_model', param(req, 'name'));
    res.json({ name: param(req, 'name'), loaded: true });
  });
  r.post('/manage/models/:name/unload', need(ctx, 'manage'), async (req, res) => {
    await ctx.models.unload(param(req, 'name'));
    audit(ctx, principal(res).actor, 'unload_model', param(req, 'name'));
    res.json({ name: param(req, 'name'), unloaded: true });
  });
  r.get('/manage/audit', need(ctx, 'read'), async (req, res) => {
    const limit = typeof req.query.limit === 'string' ? Number(req.query.limit) : 100;
    const query = { name: typeof req.query.model === 'string' ? req.query.model : undefined, limit };
    const registry = (await reg.auditLog(query)).map((e) => ({ ...e, source: 'registry' }));
    const server = (ctx.keys?.auditLog(query) ?? []).map((e) => ({ ...e, source: 'server' }));
    const entries = [...registry, ...server].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
    res.json({ entries });
  });

  // ---- API keys (admin) ----
  const keys = () => {
    if (!ctx.keys) throw new HttpError(404, 'this server has no key store');
    return ctx.keys;
  };
  r.get('/manage/keys', need(ctx, 'admin'), (_req, res) => void res.json({ keys: keys().list() }));
  r.post('/manage/keys', need(ctx, 'admin'), json, (req, res) => {
    const created = keys().create(parse(keyCreateRequest, req.body), principal(res).actor);
    ctx.auth.invalidate();
    ctx.log.info('create_key', { audit: true, ...actor(res), key: created.name, scopes: created.scopes, models: created.models });
    res.status(201).json(created);
  });
  r.delete('/manage/keys/:id', need(ctx, 'admin'), (req, res) => {
    keys().revoke(param(req, 'id'), principal(res).actor);
    ctx.auth.invalidate();
    ctx.log.info('revoke_key', { audit: true, ...actor(res), key: param(req, 'id') });
    res.status(204).end();
  });
  return r;
}
