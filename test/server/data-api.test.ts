/**
 * The data API over real HTTP on a real store: collections created, described, listed and dropped; rows inserted,
 * upserted, read, queried, counted, searched and deleted, with string and int keys; and the store's own errors
 * (duplicate keys, dimensions, filters with their position) arriving as JSON with their codes.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext } from '../../src/server/context.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { Quiver } from '../../src/store/quiver.js';

let dir: string;
let db: Quiver;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-data-api-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  server = await startServer({ ctx: createServerContext({ db, config: pipelineSchema.parse({}) }), port: 0 });
});
afterAll(async () => {
  await server?.close();
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const schema = {
  fields: [
    { name: 'id', type: 'string', primary: true },
    { name: 'vec', type: 'vector', dim: 3, metric: 'cosine' },
    { name: 'year', type: 'int' },
    { name: 'tags', type: 'string[]', nullable: true },
  ],
  dynamic: true,
};
const rows = [
  { id: 'a', vec: [1, 0, 0], year: 2019, tags: ['db'] },
  { id: 'b', vec: [0.9, 0.1, 0], year: 2021, tags: ['db', 'ann'] },
  { id: 'c', vec: [0, 1, 0], year: 2023, color: 'red' },
];

describe('collections', () => {
  test('create, describe, list with counts, drop', async () => {
    const created = await call('POST', '/collections', { name: 'papers', schema });
    expect(created.status).toBe(201);
    expect(created.json.name).toBe('papers');
    expect(created.json.fields.map((f: { name: string }) => f.name)).toEqual(['id', 'vec', 'year', 'tags']);
    expect((await call('POST', '/collections', { name: 'papers', schema })).json.error.code).toBe('COLLECTION_EXISTS');
    const again = await call('POST', '/collections', { name: 'papers', schema, ifNotExists: true });
    expect(again.status).toBe(200);
    expect(again.json.created).toBe(false);

    await call('POST', '/collections/papers/insert', { rows });
    const list = await call('GET', '/collections');
    expect(list.json.collections).toContainEqual({ name: 'papers', rows: 3 });
    const described = await call('GET', '/collections/papers');
    expect(described.json.stats.rows).toBe(3);
    expect(described.json.partitions).toEqual(['_default']);

    await call('POST', '/collections', { name: 'scratch', schema });
    expect((await call('DELETE', '/collections/scratch')).json).toEqual({ dropped: 'scratch' });
    expect((await call('GET', '/collections/scratch')).status).toBe(404);
    expect((await call('DELETE', '/collections/scratch')).json.error.code).toBe('COLLECTION_NOT_FOUND');
  });

  test('a bad schema is SCHEMA_INVALID, a bad name INVALID_ARGUMENT', async () => {
    const bad = await call('POST', '/collections', {
      name: 'broken',
      schema: { fields: [{ name: 'v', type: 'vector', dim: 0, metric: 'cosine' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('SCHEMA_INVALID');
    const name = await call('POST', '/collections', { name: '../x', schema });
    expect(name.json.error.code).toBe('INVALID_ARGUMENT');
    expect(name.json.error.details.issues[0].path).toBe('body.name');
  });
});

describe('entities', () => {
  test('get, query with a filter and params, count, vector search with output fields', async () => {
    const got = await call('POST', '/collections/papers/get', { ids: ['c', 'zz', 'a'], outputFields: ['year', 'vec'] });
    expect(got.json.rows).toEqual([
      { id: 'c', year: 2023, vec: [0, 1, 0] },
      { id: 'a', year: 2019, vec: [1, 0, 0] },
    ]);
    const queried = await call('POST', '/collections/papers/query', {
      filter: 'year >= {y} and array_contains(tags, "db")',
      params: { y: 2020 },
      outputFields: ['year'],
    });
    expect(queried.json.rows).toEqual([{ id: 'b', year: 2021 }]);
    const dynamic = await call('POST', '/collections/papers/query', {
      filter: 'color == "red"',
      outputFields: ['color'],
    });
    expect(dynamic.json.rows).toEqual([{ id: 'c', color: 'red' }]);
    expect((await call('POST', '/collections/papers/count', { filter: 'year < 2022' })).json).toEqual({ count: 2 });
    const found = await call('POST', '/collections/papers/search', { vector: [1, 0, 0], k: 2, outputFields: ['year'] });
    expect(found.json.hits.map((h: { id: string }) => h.id)).toEqual(['a', 'b']);
    expect(found.json.hits[0].fields).toEqual({ year: 2019 });
    expect(found.json.hits[0].score).toBeCloseTo(1, 5);
    const batch = await call('POST', '/collections/papers/search', {
      vectors: [
        [0, 1, 0],
        [1, 0, 0],
      ],
      k: 1,
    });
    expect(batch.json.results.map((r: { hits: { id: string }[] }) => r.hits[0]!.id)).toEqual(['c', 'a']);
  });

  test('upsert replaces, insert refuses a duplicate, delete by ids and by filter', async () => {
    expect((await call('POST', '/collections/papers/insert', { rows: [rows[0]] })).json.error.code).toBe(
      'DUPLICATE_KEY',
    );
    const up = await call('POST', '/collections/papers/upsert', { rows: [{ ...rows[0], year: 2000 }] });
    expect(up.json).toEqual({ upsertCount: 1, ids: ['a'] });
    expect((await call('POST', '/collections/papers/get', { ids: ['a'], outputFields: ['year'] })).json.rows).toEqual([
      { id: 'a', year: 2000 },
    ]);
    await call('POST', '/collections', {
      name: 'numbers',
      schema: {
        fields: [
          { name: 'n', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
        ],
      },
    });
    await call('POST', '/collections/numbers/insert', {
      rows: [
        { n: 1, v: [0, 0] },
        { n: 9007199254740991, v: [1, 1] },
      ],
    });
    expect(
      (await call('POST', '/collections/numbers/get', { ids: [9007199254740991], outputFields: ['v'] })).json.rows,
    ).toEqual([{ n: 9007199254740991, v: [1, 1] }]);
    expect((await call('POST', '/collections/numbers/delete', { ids: [1] })).json).toEqual({ deleted: 1 });
    expect((await call('POST', '/collections/papers/delete', { filter: 'year > 2022' })).json).toEqual({ deleted: 1 });
    expect((await call('POST', '/collections/papers/count', {})).json.count).toBe(2);
  });

  test.each([
    ['a wrong dimension', 'insert', { rows: [{ id: 'x', vec: [1, 0], year: 1 }] }, 400, 'DIMENSION_MISMATCH'],
    ['a wrong type', 'insert', { rows: [{ id: 'x', vec: [1, 0, 0], year: 'old' }] }, 400, 'TYPE_MISMATCH'],
    ['a missing field', 'insert', { rows: [{ id: 'x', vec: [1, 0, 0] }] }, 400, 'MISSING_FIELD'],
    ['no rows', 'insert', { rows: [] }, 400, 'INVALID_ARGUMENT'],
    ['rows not objects', 'upsert', { rows: [1, 2] }, 400, 'INVALID_ARGUMENT'],
    ['delete with neither ids nor filter', 'delete', {}, 400, 'INVALID_ARGUMENT'],
    [
      'an unknown field in a filter (no dynamic fields)',
      'query',
      { filter: 'n > 1 and nope > 1' },
      400,
      'FIELD_NOT_FOUND',
    ],
    ['vector and vectors both', 'search', { vector: [1, 0, 0], vectors: [[1, 0, 0]] }, 400, 'INVALID_ARGUMENT'],
    ['an unknown collection', 'query', {}, 404, 'COLLECTION_NOT_FOUND'],
  ])('%s: %s answers %i %s', async (name, op, body, status, code) => {
    const target =
      code === 'COLLECTION_NOT_FOUND' ? 'nothing_here' : name.includes('no dynamic') ? 'numbers' : 'papers';
    const res = await call('POST', `/collections/${target}/${op}`, body);
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
  });

  test('a filter syntax error carries its position and a caret excerpt', async () => {
    const res = await call('POST', '/collections/papers/query', { filter: 'year >= 2020 and and' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('FILTER_SYNTAX');
    expect(res.json.error.details.position).toBe(17);
    expect(res.json.error.details.excerpt).toMatch(/\n {17}\^/);
  });

  test('more than 10,000 rows in one request is BATCH_TOO_LARGE', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ id: `r${i}`, vec: [1, 0, 0], year: i }));
    const res = await call('POST', '/collections/papers/insert', { rows: many });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('BATCH_TOO_LARGE');
    expect((await call('POST', '/collections/papers/count', {})).json.count).toBe(2);
  });
});
