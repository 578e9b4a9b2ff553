/**
 * The Milvus REST v2 surface under `/v2/vectordb`: `collections/<op>` and `entities/<op>`, each a POST with a JSON
 * body (parsed whatever the Content-Type says, since Milvus clients do not always send one), answered in Milvus's
 * envelope. Writes need the `write` scope, reads `read`. See docs/milvus-rest.md for what maps to what.
 */

import express, { Router } from 'express';
import type { ServerContext } from '../context.js';
import { HttpError } from '../http-errors.js';
import { documentRoute } from '../openapi.js';
import type { Scope } from '../scopes.js';
import { COLLECTION_WRITES, collectionOps } from './collections.js';
import { ENTITY_WRITES, entityOps } from './entities.js';
import { fail, ok } from './envelope.js';

for (const op of Object.keys(collectionOps)) {
  documentRoute({
    method: 'post',
    path: `/v2/vectordb/collections/${op}`,
    summary: `Milvus REST v2: collections/${op}`,
    tag: 'milvus',
    scope: COLLECTION_WRITES.has(op) ? 'write' : 'read',
    body: { type: 'object', properties: { collectionName: { type: 'string' } } },
  });
}
for (const op of Object.keys(entityOps)) {
  documentRoute({
    method: 'post',
    path: `/v2/vectordb/entities/${op}`,
    summary: `Milvus REST v2: entities/${op}`,
    tag: 'milvus',
    scope: ENTITY_WRITES.has(op) ? 'write' : 'read',
    body: { type: 'object', required: ['collectionName'], properties: { collectionName: { type: 'string' } } },
  });
}

export function milvusRouter(ctx: ServerContext, options: { bodyLimit?: number } = {}): Router {
  const router = Router();
  router.use(express.json({ limit: options.bodyLimit ?? 10 * 1024 * 1024, type: () => true }));
  const allowed = (scope: Scope, granted: readonly Scope[] | undefined) =>
    granted === undefined || granted.includes(scope);

  router.post(
    '/:area/:op',
    ctx.inFlight.track(async (req, res) => {
      try {
        const area = String(req.params.area);
        const op = String(req.params.op);
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (typeof body !== 'object' || Array.isArray(body))
          throw new HttpError('INVALID_ARGUMENT', 'the body must be a JSON object');
        const granted = res.locals.scopes as readonly Scope[] | undefined;
        if (area === 'collections' && Object.hasOwn(collectionOps, op)) {
          if (!allowed(COLLECTION_WRITES.has(op) ? 'write' : 'read', granted)) throw forbidden(op);
          const began = performance.now();
          ok(res, await collectionOps[op]!(ctx.db, body));
          ctx.metrics.observeSearch(`milvus_${op}`, (performance.now() - began) / 1000);
          return;
        }
        if (area === 'entities' && Object.hasOwn(entityOps, op)) {
          if (!allowed(ENTITY_WRITES.has(op) ? 'write' : 'read', granted)) throw forbidden(op);
          const began = performance.now();
          const { data, extra } = await entityOps[op]!(ctx.db, body);
          if (op === 'search' || op === 'hybrid_search' || op === 'query') {
            ctx.metrics.observeSearch(`milvus_${op}`, (performance.now() - began) / 1000);
          }
          ok(res, data, extra);
          return;
        }
        throw new HttpError('ROUTE_NOT_FOUND', `Quiver does not implement /v2/vectordb/${area}/${op}`);
      } catch (err) {
        fail(
          res,
          (err as { milvusInvalid?: boolean }).milvusInvalid
            ? new HttpError('INVALID_ARGUMENT', (err as Error).message)
            : err,
        );
      }
    }),
  );
  // A body that is not JSON at all fails in the parser, before the route: answer in the envelope too.
  router.use(((err, _req, res, _next) => fail(res, err)) as express.ErrorRequestHandler);
  return router;
}

function forbidden(op: string): HttpError {
  return new HttpError('FORBIDDEN', `this API key lacks the scope for ${op}`);
}
