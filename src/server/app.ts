/**
 * The HTTP app: one express 5 application over a `ServerContext`. In order: a request id, metrics, CORS, the public
 * routes (the web page, health, metrics, OpenAPI), API-key auth, body parsing with a size limit, the API routes, a
 * JSON 404, and the one error handler that turns every failure into `{ error: { code, message, details } }`.
 */

import express, { type Express } from 'express';
import { Quiver } from '../store/quiver.js';
import type { ServerContext } from './context.js';
import { errorHandler, HttpError } from './http-errors.js';
import { PrometheusMetrics } from './metrics.js';
import { type ApiKey, bearerAuth } from './middleware/auth.js';
import { type CorsSetting, cors } from './middleware/cors.js';
import { jsonBody } from './middleware/json-body.js';
import { requestId } from './middleware/request-id.js';
import { milvusRouter } from './milvus/router.js';
import { askRoutes } from './routes/ask.js';
import { collectionRoutes } from './routes/collections.js';
import { entityRoutes } from './routes/entities.js';
import { ingestRoutes } from './routes/ingest.js';
import { opsRoutes, type ServerState } from './routes/ops.js';
import { searchRoutes } from './routes/search.js';
import { webRoutes } from './routes/web.js';

export interface AppOptions {
  /** Largest JSON body, in bytes. Default 10 MiB. */
  bodyLimit?: number;
  /** Largest `/ingest` upload, in bytes. Default 100 MiB. */
  uploadLimit?: number;
  cors?: CorsSetting;
  /** With none, every route is open. */
  apiKeys?: readonly ApiKey[];
  /** Where 5xx errors are logged. Default console.error. */
  log?: (message: string, err: unknown) => void;
  /** Shared with `startServer`, which sets `draining` when shutdown begins. */
  state?: ServerState;
  /** A metrics registry to use; by default the app makes its own and feeds `ctx.metrics` into it. */
  metrics?: PrometheusMetrics;
}

export interface QuiverApp extends Express {
  quiver: { state: ServerState; metrics: PrometheusMetrics };
}

export function createApp(ctx: ServerContext, options: AppOptions = {}): QuiverApp {
  const state = options.state ?? { draining: false, startedAt: Date.now() };
  const metrics = options.metrics ?? new PrometheusMetrics(ctx.db);
  // Routes report search and ingest timings through the context.
  const routeCtx: ServerContext = { ...ctx, metrics };

  const app = express() as unknown as QuiverApp;
  app.quiver = { state, metrics };
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId());
  app.use(metrics.middleware());
  app.use((_req, res, next) => {
    // While draining, no connection is kept alive for another request.
    if (state.draining) res.set('Connection', 'close');
    next();
  });
  app.use(cors(options.cors));
  app.use(webRoutes());
  app.use(opsRoutes(routeCtx, metrics, state));
  app.use(bearerAuth(options.apiKeys ?? []));
  // Milvus clients send JSON without a JSON content type, so that API parses its own bodies, before the 415 check.
  // The Milvus REST surface is embedded mode's (it manages partitions and flushes, which a cluster proxy does not yet).
  if (ctx.db instanceof Quiver) {
    app.use(
      '/v2/vectordb',
      milvusRouter({ ...routeCtx, db: ctx.db }, { bodyLimit: options.bodyLimit, log: options.log }),
    );
  }
  app.use(jsonBody(options.bodyLimit ?? 10 * 1024 * 1024));
  app.use(askRoutes(routeCtx, { log: options.log }));
  app.use(searchRoutes(routeCtx));
  app.use(collectionRoutes(routeCtx));
  app.use(entityRoutes(routeCtx));
  app.use(ingestRoutes(routeCtx, { uploadLimit: options.uploadLimit ?? 100 * 1024 * 1024 }));
  app.use((req, _res, next) => next(new HttpError('ROUTE_NOT_FOUND', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(options.log));
  return app;
}
