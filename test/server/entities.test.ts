/**
 * The row routes on a bare express app over a real store: insert, upsert, delete, get, query, count and raw
 * vector search, with string keys, int keys (as JSON numbers or decimal strings, never rounded) and auto ids;
 * vectors back as number arrays; the store's errors (dimension, type, filter syntax with its position) as 4xx
 * JSON with their codes; the 10,000-row cap; and the scopes (a read-only key cannot write).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext } from '../../src/server/context.js';
import { errorHandler } from '../../src/server/http-errors.js';
import { entityRoutes, MAX_ROWS_PER_REQUEST } from '../../src/server/routes/entities.js';
import { Quiver } from '../../src/store/quiver.js';

let dir: string;
let db: Quiver;
let server: Server;
let url: string;

// l2 vectors whose components float32 holds exactly, so they must come back unchanged.
const papers = [
  { id: 'a', vec: [1, 0, 0], year: 2019, tags: ['db'] },
  { id: 'b', vec: [0.5, 0.25, 0], year: 2021, tags: ['db', 'ann'] },
  { id: 'c', vec: [0, 1, -0.5], year: 2023, color: 'red' },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-entities-api-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  await db.createCollection('papers', {
    fields: [
      { name: 'id', type: 'string', primary: true },
      { name: 'vec', type: 'vector', dim: 3, metric: 'l2' },
      { name: 'year', type: 'int' },
      { name: 'tags', type: 'string[]', nullable: true },
    ],
    dynamic: true,
  });
  await db.createCollection('numbers', {
    fields: [
      { name: 'n', type: 'int', primary: true },
      { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
    ],
  });
  await db.createCollection('auto', {
    fields: [
      { name: 'pk', type: 'int', primary: true, autoId: true },
      { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
    ],
  });
  const split = await db.createCollection('split', {
    fields: [
      { name: 'id', type: 'string', primary: true },
      { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
    ],
  });
  await split.createPartition('archive');

  const ctx = createServerContext({ db, config: pipelineSchema.parse({}) });
  const app = express();
  app.use(express.json({ limit: '10mb' }));
  // Stands in for the auth middleware: the scopes of the caller's key, when the test names them.
  app.use((req, res, next) => {
    const scopes = req.get('x-test-scopes');
    if (scopes !== undefined) res.locals.scopes = scopes.split(',').filter(Boolean);
    next();
  });
  app.use(entityRoutes(ctx));
  app.use(errorHandler(() => {}));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
type Json = any;

/** POSTs to `/collections/<collection>/<op>`; a string body is sent as it is (for numbers JSON.stringify would round). */
async function post(
  collection: string,
  op: string,
  body: unknown,
  scopes?: string,
): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (scopes !== undefined) headers['x-test-scopes'] = scopes;
  const res = await fetch(`${url}/collections/${collection}/${op}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const count = async (collection: string) => (await post(collection, 'count', {})).json.count as number;

describe('string keys', () => {
  test('insert, then get returns the rows in the order asked, vectors as number arrays', async () => {
    const inserted = await post('papers', 'insert', { rows: papers });
    expect(inserted.status).toBe(200);
    expect(inserted.json).toEqual({ insertCount: 3, ids: ['a', 'b', 'c'] });

    const got = await post('papers', 'get', { ids: ['c', 'missing', 'b'], outputFields: ['vec', 'year', 'color'] });
    expect(got.status).toBe(200);
    expect(got.json.rows).toEqual([
      { id: 'c', vec: [0, 1, -0.5], year: 2023, color: 'red' },
      { id: 'b', vec: [0.5, 0.25, 0], year: 2021 },
    ]);
  });

  test('insert of an existing key is 409 DUPLICATE_KEY; upsert replaces it', async () => {
    const dup = await post('papers', 'insert', { rows: [{ ...papers[0], year: 1 }] });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('DUPLICATE_KEY');
    const up = await post('papers', 'upsert', { rows: [{ ...papers[0], year: 2000 }] });
    expect(up.status).toBe(200);
    expect(up.json).toEqual({ upsertCount: 1, ids: ['a'] });
    expect((await post('papers', 'get', { ids: ['a'], outputFields: ['year'] })).json.rows).toEqual([
      { id: 'a', year: 2000 },
    ]);
    expect(await count('papers')).toBe(3);
  });

  test('a number given for a string key is TYPE_MISMATCH, not a silent miss', async () => {
    const res = await post('papers', 'get', { ids: ['a', 7] });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('TYPE_MISMATCH');
    expect(res.json.error.details).toMatchObject({ index: 1, field: 'id' });
  });
});

describe('int keys', () => {
  test('travel as JSON numbers; requests may also give decimal strings', async () => {
    const inserted = await post('numbers', 'insert', {
      rows: [
        { n: 1, v: [0, 0] },
        { n: '2', v: [1, 0] },
        { n: '-5', v: [0, 1] },
        { n: 9007199254740991, v: [1, 1] },
      ],
    });
    expect(inserted.status).toBe(200);
    expect(inserted.json).toEqual({ insertCount: 4, ids: [1, 2, -5, 9007199254740991] });

    const got = await post('numbers', 'get', { ids: ['9007199254740991', 2, '-5'], outputFields: ['v'] });
    expect(got.status).toBe(200);
    expect(got.json.rows).toEqual([
      { n: 9007199254740991, v: [1, 1] },
      { n: 2, v: [1, 0] },
      { n: -5, v: [0, 1] },
    ]);
    const queried = await post('numbers', 'query', { filter: 'n > {x}', params: { x: 1 }, outputFields: [] });
    expect(queried.json.rows.map((r: { n: number }) => r.n).sort((x: number, y: number) => x - y)).toEqual([
      2, 9007199254740991,
    ]);
    const up = await post('numbers', 'upsert', { rows: [{ n: '2', v: [2, 2] }] });
    expect(up.json).toEqual({ upsertCount: 1, ids: [2] });
    expect((await post('numbers', 'delete', { ids: ['1', 2] })).json).toEqual({ deleted: 2 });
    expect(await count('numbers')).toBe(2);
  });

  test.each([
    ['a decimal string past 2^53', 'insert', { rows: [{ n: '9007199254740993', v: [0, 0] }] }],
    ['a string that is not canonical decimal', 'insert', { rows: [{ n: '007', v: [0, 0] }] }],
    ['a fraction', 'upsert', { rows: [{ n: '1.5', v: [0, 0] }] }],
    // Sent as raw text: the number would round to 2^53 in JSON.parse, which the key check must still refuse.
    ['a JSON number past 2^53', 'insert', '{"rows":[{"n":9007199254740993,"v":[0,0]}]}'],
    ['a word as a key to get', 'get', { ids: ['abc'] }],
    ['a JSON number past 2^53 to delete', 'delete', '{"ids":[9007199254740993]}'],
  ])('%s is 400 TYPE_MISMATCH and changes nothing', async (_name, op, body) => {
    const before = await count('numbers');
    const res = await post('numbers', op, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('TYPE_MISMATCH');
    expect(res.json.error.details.field).toBe('n');
    expect(await count('numbers')).toBe(before);
  });

  test('auto ids come back as numbers; upsert into an auto-id collection is refused', async () => {
    const inserted = await post('auto', 'insert', { rows: [{ v: [0, 0] }, { v: [1, 0] }] });
    expect(inserted.status).toBe(200);
    expect(inserted.json.insertCount).toBe(2);
    expect(inserted.json.ids).toHaveLength(2);
    for (const id of inserted.json.ids) expect(Number.isSafeInteger(id)).toBe(true);
    const got = await post('auto', 'get', { ids: inserted.json.ids, outputFields: ['v'] });
    expect(got.json.rows.map((r: { pk: number }) => r.pk)).toEqual(inserted.json.ids);
    const up = await post('auto', 'upsert', { rows: [{ pk: 1, v: [0, 0] }] });
    expect(up.status).toBe(400);
    expect(up.json.error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('query, count, delete', () => {
  test('query with a templated filter, output fields, limit and offset; dynamic fields are reachable', async () => {
    const all = await post('papers', 'query', { filter: 'year >= {y}', params: { y: 2000 }, outputFields: ['year'] });
    expect(all.json.rows).toHaveLength(3);
    const page = await post('papers', 'query', { filter: 'year >= 2000', outputFields: ['year'], limit: 1, offset: 1 });
    expect(page.json.rows).toEqual([all.json.rows[1]]);
    const tagged = await post('papers', 'query', { filter: 'array_contains(tags, "ann")', outputFields: ['tags'] });
    expect(tagged.json.rows).toEqual([{ id: 'b', tags: ['db', 'ann'] }]);
    const dynamic = await post('papers', 'query', { filter: 'color == "red"', outputFields: ['color'] });
    expect(dynamic.json.rows).toEqual([{ id: 'c', color: 'red' }]);
    expect((await post('papers', 'count', { filter: 'year < {y}', params: { y: 2022 } })).json).toEqual({ count: 2 });
  });

  test('partitions: write into one, read and count only it', async () => {
    await post('split', 'insert', { rows: [{ id: 'new', v: [0, 0] }] });
    const archived = await post('split', 'insert', { rows: [{ id: 'old', v: [1, 1] }], partition: 'archive' });
    expect(archived.status).toBe(200);
    const rows = await post('split', 'query', { partitions: ['archive'], outputFields: [] });
    expect(rows.json.rows).toEqual([{ id: 'old' }]);
    expect((await post('split', 'count', { partitions: ['archive'] })).json.count).toBe(1);
    const missing = await post('split', 'insert', { rows: [{ id: 'x', v: [0, 0] }], partition: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('PARTITION_NOT_FOUND');
  });

  test('delete by ids (missing ones ignored) and by a templated filter', async () => {
    await post('split', 'insert', {
      rows: [
        { id: 'd1', v: [0, 0] },
        { id: 'd2', v: [0, 0] },
        { id: 'd3', v: [0, 0] },
      ],
    });
    expect((await post('split', 'delete', { ids: ['d1', 'ghost'] })).json).toEqual({ deleted: 1 });
    const byFilter = await post('split', 'delete', { filter: 'id in {ids}', params: { ids: ['d2', 'd3'] } });
    expect(byFilter.json).toEqual({ deleted: 2 });
    expect((await post('split', 'get', { ids: ['d1', 'd2', 'd3'] })).json.rows).toEqual([]);
  });
});

describe('vector search', () => {
  test('one vector: nearest first, l2 scores, output fields, a filter and an offset', async () => {
    const found = await post('papers', 'search', { vector: [1, 0, 0], k: 2, outputFields: ['year'] });
    expect(found.status).toBe(200);
    expect(found.json.hits.map((h: { id: string }) => h.id)).toEqual(['a', 'b']);
    expect(found.json.hits[0]).toEqual({ id: 'a', score: 0, fields: { year: 2000 } });
    expect(found.json.hits[1].score).toBeCloseTo(0.25 + 0.0625, 6);

    const filtered = await post('papers', 'search', { vector: [1, 0, 0], k: 2, filter: 'year > 2020', exact: true });
    expect(filtered.json.hits.map((h: { id: string }) => h.id)).toEqual(['b', 'c']);
    const skipped = await post('papers', 'search', { vector: [1, 0, 0], k: 1, offset: 1 });
    expect(skipped.json.hits.map((h: { id: string }) => h.id)).toEqual(['b']);
    const near = await post('papers', 'search', { vector: [1, 0, 0], k: 3, radius: 0.5 });
    expect(near.json.hits.map((h: { id: string }) => h.id)).toEqual(['a', 'b']);
    // IVF search parameters pass through (other index kinds ignore them), and are checked.
    const probed = await post('papers', 'search', { vector: [1, 0, 0], k: 2, nprobe: 4, rerank: 2 });
    expect(probed.json.hits.map((h: { id: string }) => h.id)).toEqual(['a', 'b']);
    expect((await post('papers', 'search', { vector: [1, 0, 0], nprobe: 0 })).status).toBe(400);
  });

  test('several vectors answer in query order; stored vectors come back as arrays', async () => {
    const batch = await post('papers', 'search', {
      vectors: [
        [0, 1, -0.5],
        [1, 0, 0],
      ],
      k: 1,
      outputFields: ['vec'],
    });
    expect(batch.status).toBe(200);
    expect(batch.json.results.map((r: { hits: { id: string }[] }) => r.hits[0]!.id)).toEqual(['c', 'a']);
    expect(batch.json.results[0].hits[0].fields.vec).toEqual([0, 1, -0.5]);
  });
});

describe('errors', () => {
  test('a row of the wrong dimension is 400 DIMENSION_MISMATCH with expected and received', async () => {
    const res = await post('papers', 'insert', { rows: [{ id: 'x', vec: [1, 0], year: 1 }] });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('DIMENSION_MISMATCH');
    expect(res.json.error.details).toMatchObject({ row: 0, field: 'vec', expected: 3, received: 2 });
    const search = await post('papers', 'search', { vector: [1, 0] });
    expect(search.status).toBe(400);
    expect(search.json.error.code).toBe('DIMENSION_MISMATCH');
    expect(search.json.error.details).toMatchObject({ expected: 3, received: 2 });
  });

  test.each(['query', 'count', 'delete', 'search'])('a filter syntax error in %s carries its position', async (op) => {
    const body: Record<string, unknown> = { filter: 'year >= 2020 and and' };
    if (op === 'search') body.vector = [1, 0, 0];
    const res = await post('papers', op, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('FILTER_SYNTAX');
    expect(res.json.error.details.position).toBe(17);
    expect(res.json.error.details.excerpt).toMatch(/\n {17}\^/);
    expect(await count('papers')).toBe(3);
  });

  test.each([
    ['a wrong type', 'insert', 400, 'TYPE_MISMATCH', { rows: [{ id: 'x', vec: [1, 0, 0], year: 'old' }] }],
    ['a missing field', 'insert', 400, 'MISSING_FIELD', { rows: [{ id: 'x', vec: [1, 0, 0] }] }],
    ['a vector that is not an array', 'insert', 400, 'TYPE_MISMATCH', { rows: [{ id: 'x', vec: 'abc', year: 1 }] }],
    ['no rows', 'insert', 400, 'INVALID_ARGUMENT', { rows: [] }],
    ['rows that are not objects', 'upsert', 400, 'INVALID_ARGUMENT', { rows: [1, 2] }],
    ['rows that are arrays', 'insert', 400, 'INVALID_ARGUMENT', { rows: [['a']] }],
    ['rows missing', 'insert', 400, 'INVALID_ARGUMENT', {}],
    ['empty ids', 'get', 400, 'INVALID_ARGUMENT', { ids: [] }],
    ['delete with neither ids nor filter', 'delete', 400, 'INVALID_ARGUMENT', {}],
    ['vector and vectors both', 'search', 400, 'INVALID_ARGUMENT', { vector: [1, 0, 0], vectors: [[1, 0, 0]] }],
    ['neither vector nor vectors', 'search', 400, 'INVALID_ARGUMENT', { k: 3 }],
    ['a filter over a field the dynamic column lacks', 'query', 400, 'FILTER_TYPE', { filter: 'year > "x"' }],
    ['a filter comparing a string[] field to a number', 'query', 400, 'FILTER_TYPE', { filter: 'tags > 3' }],
    ['a missing filter param', 'count', 400, 'FILTER_PARAM', { filter: 'year > {y}' }],
    ['an unknown body key', 'query', 400, 'INVALID_ARGUMENT', { filter: 'year > 1', size: 3 }],
    ['a limit over the cap', 'query', 400, 'INVALID_ARGUMENT', { limit: 100_000 }],
  ])('%s: %s is %i %s and changes nothing', async (_name, op, status, code, body) => {
    const res = await post('papers', op, body);
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(await count('papers')).toBe(3);
  });

  test('an output field a non-dynamic schema lacks is 400 FIELD_NOT_FOUND naming it', async () => {
    const res = await post('numbers', 'query', { outputFields: ['nope'] });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('FIELD_NOT_FOUND');
    expect(res.json.error.details.field).toBe('nope');
  });

  test('an unknown collection is 404 COLLECTION_NOT_FOUND for every operation', async () => {
    for (const [op, body] of [
      ['insert', { rows: [{ id: 'x' }] }],
      ['query', {}],
      ['search', { vector: [1] }],
    ] as const) {
      const res = await post('nothing_here', op, body);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('COLLECTION_NOT_FOUND');
    }
  });

  test(`more than ${MAX_ROWS_PER_REQUEST} rows is 413 BATCH_TOO_LARGE and nothing is written; the cap itself is fine`, async () => {
    const rows = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, v: [i % 7, i % 3] }));
    const res = await post('split', 'insert', { rows: rows(MAX_ROWS_PER_REQUEST + 1, 'over') });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('BATCH_TOO_LARGE');
    expect(res.json.error.details).toEqual({ limit: MAX_ROWS_PER_REQUEST, received: MAX_ROWS_PER_REQUEST + 1 });
    expect((await post('split', 'count', { filter: 'id like "over%"' })).json.count).toBe(0);
    const ok = await post('split', 'insert', { rows: rows(MAX_ROWS_PER_REQUEST, 'cap') });
    expect(ok.json.insertCount).toBe(MAX_ROWS_PER_REQUEST);
  });
});

describe('scopes', () => {
  test.each([
    ['insert', { rows: [{ id: 'z', vec: [0, 0, 1], year: 1 }] }],
    ['upsert', { rows: [{ ...papers[1], year: 1 }] }],
    ['delete', { ids: ['a', 'b', 'c'] }],
  ])('a read-only key cannot %s: 403 FORBIDDEN and nothing changes', async (op, body) => {
    const res = await post('papers', op, body, 'read');
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('FORBIDDEN');
    expect(res.json.error.details).toEqual({ required: 'write' });
    const rows = await post('papers', 'get', { ids: ['a', 'b', 'c', 'z'], outputFields: ['year'] });
    expect(rows.json.rows).toEqual([
      { id: 'a', year: 2000 },
      { id: 'b', year: 2021 },
      { id: 'c', year: 2023 },
    ]);
  });

  test.each([
    ['get', { ids: ['a'] }],
    ['query', {}],
    ['count', {}],
    ['search', { vector: [1, 0, 0] }],
  ])('a read-only key can %s; a write-only key cannot', async (op, body) => {
    expect((await post('papers', op, body, 'read')).status).toBe(200);
    const denied = await post('papers', op, body, 'write');
    expect(denied.status).toBe(403);
    expect(denied.json.error.details).toEqual({ required: 'read' });
  });
});
