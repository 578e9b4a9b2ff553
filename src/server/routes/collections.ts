/**
 * Collections over HTTP: list (with row counts), create from a schema, describe (schema, partitions, stats) and
 * drop. The store validates schemas itself, so a bad one comes back as SCHEMA_INVALID naming the field.
 */

import { Router } from 'express';
import { z } from 'zod';
import { QuiverError } from '../../errors.js';
import { Collection } from '../../store/collection/collection.js';
import type { ServerContext } from '../context.js';
import { documentRoute } from '../openapi.js';
import { requireScope } from '../scopes.js';
import { parseRequest } from '../validate.js';

const name = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,254}$/, 'letters, digits, _ and -, starting with a letter or _');

export const createCollectionBody = z.strictObject({
  name,
  schema: z.looseObject({ fields: z.array(z.looseObject({ name: z.string(), type: z.string() })).min(1) }),
  ifNotExists: z.boolean().optional(),
});

const collectionPath = '/collections/:name';

documentRoute({
  method: 'get',
  path: '/collections',
  summary: 'List collections with their row counts',
  tag: 'collections',
  scope: 'read',
  response: {
    type: 'object',
    properties: {
      collections: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, rows: { type: 'integer' } } },
      },
    },
  },
});
documentRoute({
  method: 'post',
  path: '/collections',
  summary: 'Create a collection from a schema (fields, dynamic, properties)',
  tag: 'collections',
  scope: 'write',
  body: createCollectionBody,
  status: 201,
});
documentRoute({
  method: 'get',
  path: collectionPath,
  summary: 'Describe a collection: schema, partitions and storage stats',
  tag: 'collections',
  scope: 'read',
  pathParams: ['name'],
});
documentRoute({
  method: 'delete',
  path: collectionPath,
  summary: 'Drop a collection and all its data',
  tag: 'collections',
  scope: 'write',
  pathParams: ['name'],
});

export function collectionRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get(
    '/collections',
    requireScope('read'),
    ctx.inFlight.track(async (_req, res) => {
      const collections = [];
      for (const n of await ctx.db.listCollections()) {
        // One dropped while the list is read is left out rather than failing the whole list.
        const collection = await ctx.db.collection(n).catch((err: unknown) => {
          if (err instanceof QuiverError && err.code === 'COLLECTION_NOT_FOUND') return undefined;
          throw err;
        });
        if (collection) collections.push({ name: n, rows: await collection.count() });
      }
      res.json({ collections });
    }),
  );
  router.post(
    '/collections',
    requireScope('write'),
    ctx.inFlight.track(async (req, res) => {
      const body = parseRequest(createCollectionBody, req.body);
      const existed = body.ifNotExists === true && (await ctx.db.hasCollection(body.name));
      const collection = await ctx.db.createCollection(body.name, body.schema as never, {
        ifNotExists: body.ifNotExists,
      });
      res.status(existed ? 200 : 201).json({ created: !existed, ...collection.describe() });
    }),
  );
  router.get(
    collectionPath,
    requireScope('read'),
    ctx.inFlight.track(async (req, res) => {
      const collection = await ctx.db.collection(String(req.params.name));
      if (collection instanceof Collection) {
        const { activity, backgroundError, rows, segments } = collection.stats();
        res.json({ ...collection.describe(), stats: { rows, segments, activity, backgroundError } });
      } else {
        // A cluster collection: segments live on the query nodes; the row count is a query.
        res.json({ ...collection.describe(), stats: { rows: await collection.count() } });
      }
    }),
  );
  router.delete(
    collectionPath,
    requireScope('write'),
    ctx.inFlight.track(async (req, res) => {
      await ctx.db.dropCollection(String(req.params.name));
      res.json({ dropped: String(req.params.name) });
    }),
  );
  return router;
}
