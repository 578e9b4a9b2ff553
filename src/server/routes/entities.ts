/**
 * Rows over HTTP, on one collection: insert, upsert, delete (by ids or filter), get, query, count and vector search.
 * Bodies are validated here for shape; the store validates the rows against the schema (types, dimensions, keys)
 * and the filters against the fields, so those errors come back with the store's own codes and positions.
 */

import { Router } from 'express';
import { z } from 'zod';
import type { CollectionApi } from '../../store/collection/collection-api.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../http-errors.js';
import { type KeyField, keysFromJson, rowsFromJson, toJson } from '../json-rows.js';
import { documentRoute } from '../openapi.js';
import { requireScope } from '../scopes.js';
import { parseRequest } from '../validate.js';

/** Most rows one request may write; larger loads go in several requests (or through /ingest). */
export const MAX_ROWS_PER_REQUEST = 10_000;

// Keys are checked against the collection's key type after it is opened (see json-rows.ts).
const key = z.union([z.string(), z.number()]);
const filter = z.string().max(65_536);
const params = z.record(z.string(), z.unknown());
const partitions = z.array(z.string().min(1)).max(1024);
const outputFields = z.array(z.string().min(1)).max(1024);
const vector = z.array(z.number()).min(1).max(65_536);
const consistency = z.enum(['strong', 'bounded', 'session', 'eventually']);

export const writeBody = z.strictObject({
  rows: z.array(z.record(z.string(), z.unknown())).min(1),
  partition: z.string().min(1).optional(),
});
export const deleteBody = z
  .strictObject({
    ids: z.array(key).min(1).optional(),
    filter: filter.optional(),
    params: params.optional(),
    partitions: partitions.optional(),
  })
  .refine((b) => b.ids !== undefined || b.filter !== undefined, { message: 'give "ids" or "filter"' });
export const getBody = z.strictObject({ ids: z.array(key).min(1).max(16_384), outputFields: outputFields.optional() });
export const queryBody = z.strictObject({
  filter: filter.optional(),
  params: params.optional(),
  outputFields: outputFields.optional(),
  limit: z.int().min(0).max(16_384).optional(),
  offset: z.int().min(0).optional(),
  partitions: partitions.optional(),
  consistency: consistency.optional(),
});
export const countBody = z.strictObject({
  filter: filter.optional(),
  params: params.optional(),
  partitions: partitions.optional(),
});
export const vectorSearchBody = z
  .strictObject({
    vector: vector.optional(),
    vectors: z.array(vector).min(1).max(1024).optional(),
    field: z.string().min(1).optional(),
    k: z.int().min(1).max(16_384).optional(),
    offset: z.int().min(0).optional(),
    filter: filter.optional(),
    params: params.optional(),
    ef: z.int().min(1).max(32_768).optional(),
    nprobe: z.int().min(1).max(65_536).optional(),
    rerank: z.int().min(1).max(64).optional(),
    exact: z.boolean().optional(),
    outputFields: outputFields.optional(),
    partitions: partitions.optional(),
    radius: z.number().optional(),
    rangeFilter: z.number().optional(),
    consistency: consistency.optional(),
  })
  .refine((b) => (b.vector === undefined) !== (b.vectors === undefined), {
    message: 'give exactly one of "vector" or "vectors"',
  });

const routes = [
  ['insert', writeBody, 'write', 'Insert rows; an existing or repeated key fails the whole batch (DUPLICATE_KEY)'],
  ['upsert', writeBody, 'write', 'Insert rows, replacing rows with the same key; atomic per request'],
  ['delete', deleteBody, 'write', 'Delete rows by ids and/or a filter expression'],
  ['get', getBody, 'read', 'Rows by primary key, in the order given; missing keys are skipped'],
  ['query', queryBody, 'read', 'Rows matching a filter, with output fields, limit and offset'],
  ['count', countBody, 'read', 'How many rows match a filter'],
  ['search', vectorSearchBody, 'read', 'Vector search: k nearest rows to one vector (or several), with a filter'],
] as const;
for (const [op, body, scope, summary] of routes) {
  documentRoute({
    method: 'post',
    path: `/collections/:name/${op}`,
    summary,
    tag: 'entities',
    scope,
    body,
    pathParams: ['name'],
  });
}

export function entityRoutes(ctx: ServerContext): Router {
  const router = Router();
  const open = (name: string | string[] | undefined) => ctx.db.collection(String(name));

  // Insert and upsert differ only in the store call and the name of the count they answer with.
  for (const op of ['insert', 'upsert'] as const) {
    router.post(
      `/collections/:name/${op}`,
      requireScope('write'),
      ctx.inFlight.track(async (req, res) => {
        const body = parseRequest(writeBody, req.body);
        tooMany(body.rows.length);
        const collection = await open(req.params.name);
        const rows = rowsFromJson(body.rows, keyField(collection));
        const result = await collection[op](rows, { partition: body.partition });
        res.json({ [`${op}Count`]: result.count, ids: result.ids });
      }),
    );
  }
  router.post(
    '/collections/:name/delete',
    requireScope('write'),
    ctx.inFlight.track(async (req, res) => {
      const { ids, ...body } = parseRequest(deleteBody, req.body);
      const collection = await open(req.params.name);
      const keys = ids === undefined ? undefined : keysFromJson(ids, keyField(collection));
      res.json(await collection.delete({ ...body, ids: keys }));
    }),
  );
  router.post(
    '/collections/:name/get',
    requireScope('read'),
    ctx.inFlight.track(async (req, res) => {
      const body = parseRequest(getBody, req.body);
      const collection = await open(req.params.name);
      const keys = keysFromJson(body.ids, keyField(collection));
      res.json({ rows: toJson(await collection.get(keys, { outputFields: body.outputFields })) });
    }),
  );
  router.post(
    '/collections/:name/query',
    requireScope('read'),
    ctx.inFlight.track(async (req, res) => {
      const body = parseRequest(queryBody, req.body);
      res.json({ rows: toJson(await (await open(req.params.name)).query(body)) });
    }),
  );
  router.post(
    '/collections/:name/count',
    requireScope('read'),
    ctx.inFlight.track(async (req, res) => {
      const body = parseRequest(countBody, req.body);
      res.json({ count: await (await open(req.params.name)).count(body) });
    }),
  );
  router.post(
    '/collections/:name/search',
    requireScope('read'),
    ctx.inFlight.track(async (req, res) => {
      const { vector, vectors, ...options } = parseRequest(vectorSearchBody, req.body);
      const collection = await open(req.params.name);
      const began = performance.now();
      if (vector) {
        const result = await collection.search({ ...options, vector });
        ctx.metrics.observeSearch('vector_search', (performance.now() - began) / 1000);
        res.json(toJson(result));
        return;
      }
      const results = await collection.searchBatch({ ...options, vectors: vectors! });
      ctx.metrics.observeSearch('vector_search_batch', (performance.now() - began) / 1000);
      res.json({ results: toJson(results) });
    }),
  );
  return router;
}

/** The collection's primary key field: every schema has exactly one. */
function keyField(collection: CollectionApi): KeyField {
  return collection.describe().fields.find((f) => 'primary' in f && f.primary)!;
}

function tooMany(rows: number): void {
  if (rows > MAX_ROWS_PER_REQUEST) {
    throw new HttpError('BATCH_TOO_LARGE', `at most ${MAX_ROWS_PER_REQUEST} rows per request; got ${rows}`, {
      limit: MAX_ROWS_PER_REQUEST,
      received: rows,
    });
  }
}
