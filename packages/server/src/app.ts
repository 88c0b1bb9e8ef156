// createApp: the whole server as a request handler, with no socket of its own (start.ts listens).
// The handler tries the inference fast path first (fast-path.ts) and hands everything else to an
// Express 5 app (status, metadata, health, management, metrics, OpenAPI), whose one error
// middleware answers `{ "error": "..." }` through the same writer as the fast path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Auth } from './auth';
import { DEFAULT_BATCHING } from './batching';
import { corsHeaders, respondError, routeFamily, type AppContext } from './context';
import { HttpError } from './errors';
import { createFastPath } from './fast-path';
import { createLogger, requestId } from './log';
import { createServerMetrics, type ServerMetrics } from './metrics';
import { ModelManager } from './models/manager';
import { openApiDocument } from './openapi';
import { DEFAULT_BODY_LIMIT, type AppDeps } from './options';
import { inferenceRoutes } from './routes/inference';
import { manageRoutes, repositoryRoutes } from './routes/manage';
import { need } from './routes/util';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../package.json') as { version: string }).version;

export interface AmaasApp {
  /** node:http request listener: fast path, then Express */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  express: express.Express;
  models: ModelManager;
  metrics: ServerMetrics;
  context: AppContext;
  /** Stops routing changes and unloads every model (after in-flight requests; see start.ts). */
  close(): Promise<void>;
}

/** Builds the app and loads the initial models (resolves once they are warm). */
export async function createApp(deps: AppDeps): Promise<AmaasApp> {
  const log = createLogger(deps.log);
  const metrics = createServerMetrics();
  const batching = { ...DEFAULT_BATCHING, ...deps.batching };
  const models = new ModelManager(deps.registry, { batching, metrics, log, models: deps.models, pollMs: deps.pollMs });
  const ctx: AppContext = {
    registry: deps.registry,
    models,
    auth: new Auth(deps.keys ?? null, deps.auth ?? 'auto', deps.rateLimit),
    keys: deps.keys ?? null,
    metrics,
    log,
    bodyLimitBytes: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    cors: deps.cors ?? false,
    manage: deps.manage ?? false,
    closing: false,
  };
  if (deps.auth === 'required' && !deps.keys) throw new HttpError(500, "auth 'required' needs a key store");
  metrics.memory.collect = () => {
    const m = process.memoryUsage();
    metrics.memory.set({ type: 'rss' }, m.rss);
    metrics.memory.set({ type: 'heapUsed' }, m.heapUsed);
    metrics.memory.set({ type: 'external' }, m.external);
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Request id, CORS, access log and the request counter for everything Express serves.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const rid = requestId(req.headers['x-request-id']);
    res.locals.requestId = rid;
    res.setHeader('x-request-id', rid);
    for (const [k, v] of Object.entries(corsHeaders(ctx, req))) res.setHeader(k, v);
    if (ctx.closing) res.setHeader('connection', 'close');
    const t0 = performance.now();
    res.on('finish', () => {
      metrics.requests.inc({ route: routeFamily(req.method, req.path), code: res.statusCode });
      log.info('request', { requestId: rid, method: req.method, path: req.path, status: res.statusCode, ms: +(performance.now() - t0).toFixed(2) });
    });
    if (req.method === 'OPTIONS') {
      res.status(ctx.cors ? 204 : 405).end();
      return;
    }
    next();
  });
  app.get('/openapi.json', (_req, res) => void res.json(openApiDocument(VERSION, ctx.manage)));
  app.get('/metrics', need(ctx, 'read'), (_req, res) => {
    res.type('text/plain; version=0.0.4').send(metrics.registry.render());
  });
  app.use(inferenceRoutes(ctx, VERSION));
  if (ctx.manage) {
    app.use(repositoryRoutes(ctx));
    app.use(manageRoutes(ctx));
  } else
    app.all(/^\/(manage|v2\/repository\/models)(\/.*)?$/, () => {
      throw new HttpError(404, 'the management API is disabled (start the server with manage enabled)');
    });
  app.use((req: Request) => {
    throw new HttpError(404, `no route for ${req.method} ${req.path.slice(0, 200)}`);
  });
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    respondError(ctx, req, res, err, String(res.locals.requestId ?? requestId(undefined)));
  });

  await models.start();
  const fast = createFastPath(ctx);
  return {
    handler: (req, res) => {
      if (!fast(req, res)) app(req, res);
    },
    express: app,
    models,
    metrics,
    context: ctx,
    close: async () => {
      ctx.closing = true;
      await models.close();
    },
  };
}
