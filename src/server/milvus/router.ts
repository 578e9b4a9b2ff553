/**
 * The Milvus REST API v2 under `/v2/vectordb`: `collections/*`, `partitions/*` and `entities/*`, each a POST with
 * a JSON body, answered in Milvus's envelope (see responses.ts). Bodies are parsed as JSON whatever their
 * Content-Type says (the official Node SDK sends none that express would recognize), unless the app already
 * parsed them. Writes need the `write` scope, reads `read`. Headers read: `Accept-Type-Allow-Int64` (false: Int64
 * values go out as strings), `Request-Timeout` (seconds), `DB-Name`. Quiver serves one database, `default`;
 * another `dbName` is Milvus's "database not found". See docs/milvus-rest.md for what maps to what.
 */

import express, { type ErrorRequestHandler, type Request, Router } from 'express';
import type { Quiver } from '../../store/quiver.js';
import type { ServerContext } from '../context.js';
import { documentRoute } from '../openapi.js';
import { requireScope } from '../scopes.js';
import { collectionRoutes } from './collections.js';
import { entityRoutes } from './entities.js';
import { hybridSearchRoutes } from './hybrid-search.js';
import { partitionRoutes } from './partitions.js';
import { MilvusCode, MilvusError, sendFailure, sendOk } from './responses.js';
import { searchRoutes } from './search.js';
import { requestTimeout, withTimeout } from './timeout.js';
import type { MilvusRoute } from './types.js';

export const MILVUS_ROUTES: readonly MilvusRoute[] = [
  ...collectionRoutes,
  ...partitionRoutes,
  ...entityRoutes,
  ...searchRoutes,
  ...hybridSearchRoutes,
];

/** Operations whose timings go to the metrics as search-like (`milvus_search`, ...). */
const READS = new Set(['entities/search', 'entities/hybrid_search', 'entities/advanced_search', 'entities/query']);

const envelope = {
  type: 'object',
  required: ['code'],
  properties: {
    code: { type: 'integer', description: '0 on success, else a Milvus error number (100: collection not found, ...)' },
    data: {},
    message: { type: 'string' },
    cost: { type: 'integer' },
    topks: { type: 'array', items: { type: 'integer' } },
  },
};

for (const route of MILVUS_ROUTES) {
  documentRoute({
    method: 'post',
    path: `/v2/vectordb/${route.path}`,
    summary: route.summary,
    tag: 'milvus',
    scope: route.scope,
    body: route.body as Parameters<typeof documentRoute>[0]['body'],
    response: envelope,
  });
}

export interface MilvusRouterOptions {
  /** Largest JSON body, in bytes, when this router parses it. Default 10 MiB. */
  bodyLimit?: number;
  /** Where failures on Quiver's side are logged. Default console.error. */
  log?: (message: string, err: unknown) => void;
}

/** Go's strconv.ParseBool, which Milvus reads its boolean headers with. */
function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

const DATABASES = new Set(['', 'default', '_default']);

function bodyOf(req: Request): Record<string, unknown> {
  const raw: unknown = req.body ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new MilvusError(
      MilvusCode.INCORRECT_PARAMETER_FORMAT,
      'can only accept json format request, error: the body must be a JSON object',
    );
  }
  // Go's decoder leaves a key that is null at its zero value: read null as absent.
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
}

function checkDatabase(body: Record<string, unknown>, req: Request): void {
  const name = body.dbName ?? req.get('db-name') ?? '';
  if (typeof name === 'string' && DATABASES.has(name)) return;
  throw new MilvusError(
    MilvusCode.DATABASE_NOT_FOUND,
    `database not found[database=${String(name)}]: Quiver serves one database, "default"`,
  );
}

export function milvusRouter(ctx: ServerContext & { db: Quiver }, options: MilvusRouterOptions = {}): Router {
  const log = options.log ?? console.error;
  const router = Router();
  const parseJson = express.json({ limit: options.bodyLimit ?? 10 * 1024 * 1024, type: () => true });
  router.use((req, res, next) => (req.body === undefined ? parseJson(req, res, next) : next()));

  for (const route of MILVUS_ROUTES) {
    router.post(
      `/${route.path}`,
      requireScope(route.scope),
      ctx.inFlight.track(async (req, res) => {
        try {
          const began = performance.now();
          const body = bodyOf(req);
          checkDatabase(body, req);
          const seconds = requestTimeout(req.get('request-timeout'));
          // Milvus's default (proxy.http.acceptTypeAllowInt64) is true: only an explicit false asks for strings.
          const int64AsString = parseBool(req.get('accept-type-allow-int64')) === false;
          const work = route.op({ db: ctx.db, body, int64AsString });
          const reply = seconds === undefined ? await work : await withTimeout(work, seconds, ctx.inFlight);
          sendOk(res, reply.data, reply.extra);
          if (READS.has(route.path)) {
            ctx.metrics.observeSearch(
              `milvus_${route.path.slice('entities/'.length)}`,
              (performance.now() - began) / 1000,
            );
          }
        } catch (err) {
          sendFailure(res, err, route.path, log);
        }
      }),
    );
  }

  router.use((req, res) => {
    const err = new MilvusError(
      MilvusCode.SERVICE_UNIMPLEMENTED,
      `service unimplemented: Quiver's Milvus API has no ${req.method} ${req.baseUrl}${req.path}`,
      404,
    );
    sendFailure(res, err, 'route', log);
  });
  // Bodies that are not JSON, or too large, and keys without the scope: answered in the envelope too.
  router.use(((err, req, res, next) => {
    if (res.headersSent) return next(err);
    sendFailure(res, err, req.path.replace(/^\//, ''), log);
  }) as ErrorRequestHandler);
  return router;
}
