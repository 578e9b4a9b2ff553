/**
 * Milvus REST API v2 compatibility over raw HTTP: every `/v2/vectordb` operation on a real store, its success
 * envelope (`{ code: 0, data }`) and its failures (`{ code: <Milvus number>, message }`): collections in both
 * create forms with every supported data type, unsupported types refused by name, rows written, read, queried,
 * counted, deleted, searched (metrics, ranges, pages, several query vectors) and hybrid-searched with both
 * rerankers, partitions, Int64-as-string output, scopes, databases and malformed requests. The app is a bare
 * express app: JSON parsing, Quiver's API-key auth, the Milvus router, the error handler.
 */

import { once } from 'node:events';
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
import { InFlight } from '../../src/server/in-flight.js';
import { bearerAuth } from '../../src/server/middleware/auth.js';
import { MilvusError } from '../../src/server/milvus/responses.js';
import { milvusRouter } from '../../src/server/milvus/router.js';
import { requestTimeout, withTimeout } from '../../src/server/milvus/timeout.js';
import { Quiver } from '../../src/store/quiver.js';

let dir: string;
let db: Quiver;
let server: Server;
let url: string;
let small: Server;
let smallUrl: string;

const KEYS = [
  { key: 'admin', scopes: ['read', 'write'] as const },
  { key: 'reader', scopes: ['read'] as const },
];

async function listen(bodyLimit?: number): Promise<{ server: Server; url: string }> {
  const ctx = createServerContext({ db, config: pipelineSchema.parse({}) });
  const app = express();
  app.use(express.json());
  app.use(bearerAuth(KEYS.map((k) => ({ key: k.key, scopes: [...k.scopes] }))));
  app.use('/v2/vectordb', milvusRouter({ ...ctx, db }, { bodyLimit }));
  app.use(errorHandler());
  const s = app.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-milvus-rest-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  ({ server, url } = await listen());
  ({ server: small, url: smallUrl } = await listen(512));
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await new Promise((r) => small?.close(r));
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Send the body as it is (not JSON-encoded), with no content type. */
  raw?: string;
  base?: string;
  method?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
async function call(path: string, body?: unknown, o: CallOptions = {}): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${o.token ?? 'admin'}`, ...o.headers };
  if (o.raw === undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${o.base ?? url}/v2/vectordb/${path}`, {
    method: o.method ?? 'POST',
    headers,
    body: o.method === 'GET' ? undefined : (o.raw ?? JSON.stringify(body ?? {})),
  });
  return { status: res.status, json: await res.json() };
}

/** `call`, expecting success: the data. */
async function ok(path: string, body?: unknown, o?: CallOptions) {
  const { status, json } = await call(path, body, o);
  expect(status).toBe(200);
  expect(json).toMatchObject({ code: 0 });
  return json;
}

/** `call`, expecting a Milvus failure with `code` (and HTTP `status`). */
async function fails(path: string, body: unknown, code: number, status = 200, o?: CallOptions) {
  const res = await call(path, body, o);
  expect(res.status).toBe(status);
  expect(res.json.code).toBe(code);
  expect(typeof res.json.message).toBe('string');
  expect(res.json.message.length).toBeGreaterThan(0);
  expect(res.json).not.toHaveProperty('data');
  return res.json;
}

const cosine = (a: number[], b: number[]) => {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  return dot / (Math.hypot(...a) * Math.hypot(...b));
};
const l2 = (a: number[], b: number[]) => a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);

describe('collections', () => {
  test('quick setup: create, has, list, describe, get_stats, load state, drop', async () => {
    expect(await ok('collections/create', { collectionName: 'quick', dimension: 3 })).toEqual({ code: 0, data: {} });
    expect((await ok('collections/has', { collectionName: 'quick' })).data).toEqual({ has: true });
    expect((await ok('collections/list', {})).data).toContain('quick');
    const d = (await ok('collections/describe', { collectionName: 'quick', dbName: 'default' })).data;
    expect(d).toMatchObject({
      collectionName: 'quick',
      autoId: false,
      enableDynamicField: true,
      load: 'LoadStateLoaded',
      partitionsNum: 1,
      indexes: [{ fieldName: 'vector', indexName: 'vector', metricType: 'COSINE' }],
      properties: [],
    });
    expect(d.fields).toEqual([
      expect.objectContaining({ name: 'id', type: 'Int64', primaryKey: true, autoId: false, params: [] }),
      expect.objectContaining({
        name: 'vector',
        type: 'FloatVector',
        primaryKey: false,
        params: [{ key: 'dim', value: '3' }],
      }),
    ]);
    expect((await ok('collections/get_stats', { collectionName: 'quick' })).data).toEqual({ rowCount: 0 });
    expect((await ok('collections/get_load_state', { collectionName: 'quick' })).data).toEqual({
      loadState: 'LoadStateLoaded',
      loadProgress: 100,
    });
    await ok('collections/load', { collectionName: 'quick' });
    await ok('collections/release', { collectionName: 'quick' });
    await ok('collections/flush', { collectionName: 'quick' });
    await ok('collections/drop', { collectionName: 'quick' });
    expect((await ok('collections/has', { collectionName: 'quick' })).data).toEqual({ has: false });
    // Dropping again succeeds, as Milvus makes drop idempotent.
    await ok('collections/drop', { collectionName: 'quick' });
  });

  test('quick setup options: VarChar ids, names, metric, autoID, no dynamic field', async () => {
    await ok('collections/create', {
      collectionName: 'quick_opts',
      dimension: 2,
      metricType: 'L2',
      idType: 'VarChar',
      primaryFieldName: 'pk',
      vectorFieldName: 'emb',
      params: { max_length: 32, enableDynamicField: false },
    });
    const d = (await ok('collections/describe', { collectionName: 'quick_opts' })).data;
    expect(d.enableDynamicField).toBe(false);
    expect(d.fields.map((f: { name: string; type: string }) => [f.name, f.type])).toEqual([
      ['pk', 'VarChar'],
      ['emb', 'FloatVector'],
    ]);
    expect(d.fields[0].params).toEqual([{ key: 'max_length', value: '32' }]);
    expect(d.indexes).toEqual([{ fieldName: 'emb', indexName: 'emb', metricType: 'L2' }]);
    // Not dynamic: an unknown key is refused.
    const bad = await fails(
      'entities/insert',
      { collectionName: 'quick_opts', data: [{ pk: 'a', emb: [1, 0], extra: 1 }] },
      1804,
    );
    expect(bad.quiverCode).toBe('FIELD_NOT_FOUND');

    await ok('collections/create', { collectionName: 'quick_auto', dimension: 2, autoID: true });
    const ins = await ok('entities/insert', {
      collectionName: 'quick_auto',
      data: [{ vector: [1, 0] }, { vector: [0, 1] }],
    });
    expect(ins.data.insertCount).toBe(2);
    expect(ins.data.insertIds).toHaveLength(2);
    expect(new Set(ins.data.insertIds).size).toBe(2);
    expect(ins.data.insertIds.every((id: unknown) => Number.isSafeInteger(id))).toBe(true);
    expect((await ok('collections/describe', { collectionName: 'quick_auto' })).data.autoId).toBe(true);
  });

  test('full schema: every supported type, described back as declared', async () => {
    await ok('collections/create', {
      collectionName: 'typed',
      description: 'all the types',
      schema: {
        autoID: false,
        enableDynamicField: true,
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'i8', dataType: 'Int8' },
          { fieldName: 'i16', dataType: 'Int16', nullable: true },
          { fieldName: 'i32', dataType: 'Int32', defaultValue: 7 },
          { fieldName: 'i64', dataType: 'Int64' },
          { fieldName: 'f', dataType: 'Float' },
          { fieldName: 'd', dataType: 'Double' },
          { fieldName: 'b', dataType: 'Bool' },
          {
            fieldName: 'title',
            dataType: 'VarChar',
            description: 'the title',
            elementTypeParams: { max_length: 64, enable_analyzer: true, enable_match: true },
          },
          { fieldName: 'meta', dataType: 'JSON', nullable: true },
          {
            fieldName: 'tags',
            dataType: 'Array',
            elementDataType: 'VarChar',
            elementTypeParams: { max_length: 8, max_capacity: 3 },
          },
          { fieldName: 'nums', dataType: 'Array', elementDataType: 'Int32', elementTypeParams: { max_capacity: 2 } },
          { fieldName: 'vec', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
        ],
      },
      indexParams: [
        { fieldName: 'vec', indexName: 'vec_idx', metricType: 'L2', params: { index_type: 'HNSW', M: 8 } },
        { fieldName: 'title', indexName: 'title_idx', params: { index_type: 'INVERTED' } },
      ],
    });
    const d = (await ok('collections/describe', { collectionName: 'typed' })).data;
    expect(d.description).toBe('all the types');
    expect(
      d.fields.map((f: { name: string; type: string; elementType?: string }) => [f.name, f.type, f.elementType]),
    ).toEqual([
      ['id', 'Int64', undefined],
      ['i8', 'Int8', undefined],
      ['i16', 'Int16', undefined],
      ['i32', 'Int32', undefined],
      ['i64', 'Int64', undefined],
      ['f', 'Float', undefined],
      ['d', 'Double', undefined],
      ['b', 'Bool', undefined],
      ['title', 'VarChar', undefined],
      ['meta', 'JSON', undefined],
      ['tags', 'Array', 'VarChar'],
      ['nums', 'Array', 'Int32'],
      ['vec', 'FloatVector', undefined],
    ]);
    const field = (name: string) => d.fields.find((f: { name: string }) => f.name === name);
    expect(field('i16').nullable).toBe(true);
    expect(field('i32').defaultValue).toBe(7);
    expect(field('title')).toMatchObject({ description: 'the title' });
    expect(field('title').params).toEqual([
      { key: 'max_length', value: '64' },
      { key: 'enable_analyzer', value: 'true' },
      { key: 'enable_match', value: 'true' },
    ]);
    expect(field('tags').params).toEqual([
      { key: 'max_length', value: '8' },
      { key: 'max_capacity', value: '3' },
    ]);
    expect(field('nums').params).toEqual([{ key: 'max_capacity', value: '2' }]);
    expect(field('id').id).toBe(100);
    expect(d.indexes).toEqual([{ fieldName: 'vec', indexName: 'vec_idx', metricType: 'L2' }]);
    // The stored Milvus view is Quiver's business, not a collection property a Milvus client sees.
    expect(d.properties).toEqual([]);
  });

  test('unsupported data types, indexes and metrics are refused by name, and nothing is created', async () => {
    const vecField = { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 2 } };
    const pk = { fieldName: 'id', dataType: 'Int64', isPrimary: true };
    for (const type of ['BinaryVector', 'SparseFloatVector', 'Float16Vector', 'BFloat16Vector', 'Int8Vector']) {
      const err = await fails(
        'collections/create',
        {
          collectionName: 'nope',
          schema: { fields: [pk, vecField, { fieldName: 'x', dataType: type, elementTypeParams: { dim: 16 } }] },
        },
        3000,
      );
      expect(err.message).toContain(type);
    }
    const diskann = await fails(
      'collections/create',
      {
        collectionName: 'nope',
        schema: { fields: [pk, vecField] },
        indexParams: [{ fieldName: 'v', metricType: 'L2', params: { index_type: 'DISKANN' } }],
      },
      3000,
    );
    expect(diskann.message).toContain('DISKANN');
    // The IVF family is supported, with its build parameters; a bad one is refused by the schema check.
    await ok('collections/create', {
      collectionName: 'ivf_ok',
      schema: { fields: [pk, vecField] },
      indexParams: [{ fieldName: 'v', metricType: 'L2', params: { index_type: 'IVF_PQ', nlist: 8, m: 2 } }],
    });
    expect((await db.collection('ivf_ok')).describe().fields.find((f) => f.name === 'v')).toMatchObject({
      index: { type: 'IVF_PQ', nlist: 8, m: 2 },
    });
    await db.dropCollection('ivf_ok');
    await fails(
      'collections/create',
      {
        collectionName: 'nope',
        schema: { fields: [pk, vecField] },
        indexParams: [{ fieldName: 'v', metricType: 'L2', params: { index_type: 'IVF_PQ', m: 3 } }],
      },
      1100,
    );
    expect(
      (await fails('collections/create', { collectionName: 'nope', dimension: 2, metricType: 'HAMMING' }, 3000))
        .message,
    ).toContain('HAMMING');
    await fails(
      'collections/create',
      { collectionName: 'nope', schema: { fields: [pk, vecField], functions: [{ name: 'bm25', type: 'BM25' }] } },
      3000,
    );
    await fails(
      'collections/create',
      {
        collectionName: 'nope',
        schema: {
          autoID: true,
          fields: [{ ...pk, dataType: 'VarChar', elementTypeParams: { max_length: 8 } }, vecField],
        },
      },
      3000,
    );
    // Not Milvus types, or incomplete ones: invalid parameters.
    expect(
      (
        await fails(
          'collections/create',
          { collectionName: 'nope', schema: { fields: [pk, vecField, { fieldName: 'x', dataType: 'Foo' }] } },
          1100,
        )
      ).message,
    ).toContain('Foo');
    await fails(
      'collections/create',
      { collectionName: 'nope', schema: { fields: [pk, vecField, { fieldName: 's', dataType: 'VarChar' }] } },
      1100,
    );
    await fails(
      'collections/create',
      { collectionName: 'nope', schema: { fields: [pk, { fieldName: 'v', dataType: 'FloatVector' }] } },
      1100,
    );
    await fails(
      'collections/create',
      {
        collectionName: 'nope',
        schema: {
          fields: [
            pk,
            vecField,
            { fieldName: 'a', dataType: 'Array', elementDataType: 'JSON', elementTypeParams: { max_capacity: 2 } },
          ],
        },
      },
      1100,
    );
    await fails(
      'collections/create',
      {
        collectionName: 'nope',
        schema: { fields: [pk, vecField, { fieldName: 'n', dataType: 'Int8', defaultValue: 300 }] },
      },
      1100,
    );
    await fails('collections/create', { collectionName: 'nope', dimension: 0 }, 1100);
    await fails('collections/create', { collectionName: 'nope', dimension: 2, idType: 'Float' }, 1100);
    await fails('collections/create', { collectionName: 'nope', dimension: 2, idType: 'VarChar' }, 1100);
    await fails(
      'collections/create',
      {
        collectionName: 'nope',
        schema: { fields: [pk, vecField] },
        indexParams: [{ fieldName: 'ghost', metricType: 'L2' }],
      },
      1802,
    );
    expect((await ok('collections/has', { collectionName: 'nope' })).data.has).toBe(false);
  });

  test('request errors: missing and mistyped keys, bad JSON, existing and missing collections', async () => {
    expect((await fails('collections/describe', {}, 1802)).message).toContain('collectionName');
    await fails('collections/create', { collectionName: 'x', dimension: '4' }, 1801);
    await fails('collections/create', undefined, 1801, 200, { raw: '{"collectionName": ' });
    await fails('collections/describe', undefined, 1801, 200, { raw: '["not", "an", "object"]' });
    const missing = await fails('collections/describe', { collectionName: 'ghost' }, 100);
    expect(missing.message).toContain('ghost');
    expect(missing.quiverCode).toBe('COLLECTION_NOT_FOUND');
    await fails('entities/query', { collectionName: 'ghost', filter: 'id > 0' }, 100);
    await ok('collections/create', { collectionName: 'twice', dimension: 2 });
    expect((await fails('collections/create', { collectionName: 'twice', dimension: 2 }, 1100)).quiverCode).toBe(
      'COLLECTION_EXISTS',
    );
    await fails('collections/create', { collectionName: 'bad name!', dimension: 2 }, 1100);
  });
});

describe('entities on a typed collection', () => {
  beforeAll(async () => {
    await ok('collections/create', {
      collectionName: 'books',
      schema: {
        enableDynamicField: true,
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'title', dataType: 'VarChar', elementTypeParams: { max_length: 64 } },
          { fieldName: 'year', dataType: 'Int32' },
          { fieldName: 'pages', dataType: 'Int64', defaultValue: 100 },
          { fieldName: 'rating', dataType: 'Float', nullable: true },
          { fieldName: 'codes', dataType: 'Array', elementDataType: 'Int64', elementTypeParams: { max_capacity: 3 } },
          { fieldName: 'vec', dataType: 'FloatVector', elementTypeParams: { dim: 3 } },
        ],
      },
      indexParams: [{ fieldName: 'vec', metricType: 'COSINE' }],
    });
  });

  const books = [
    { id: 1, title: 'Graph search', year: 2016, pages: 320, rating: 4.5, codes: [1, 2], vec: [1, 0, 0], lang: 'en' },
    { id: '2', title: 'Quantization', year: '2011', rating: 0.1, codes: [3], vec: [0.9, 0.1, 0], lang: 'fr' },
    { id: 3, title: 'Inverted files', year: 2003, pages: 210, codes: [], vec: [0, 1, 0], lang: 'en' },
    { id: 4, title: 'Hybrid retrieval', year: 2021, pages: 150, rating: 3, codes: [4, 5, 6], vec: [0.8, 0, 0.2] },
  ];

  test('insert: ids back, decimal strings for ints, defaults filled in, typed checks as Milvus makes them', async () => {
    const ins = await ok('entities/insert', { collectionName: 'books', data: books });
    expect(ins).toEqual({ code: 0, cost: 0, data: { insertCount: 4, insertIds: [1, 2, 3, 4] } });
    const row2 = (
      await ok('entities/get', { collectionName: 'books', id: 2, outputFields: ['year', 'pages', 'rating'] })
    ).data;
    // "2011" went in as an Int32, the missing pages took the default, 0.1 reads back as the float32 Milvus keeps.
    expect(row2).toEqual([{ id: 2, year: 2011, pages: 100, rating: 0.1 }]);

    const outOfRange = await fails(
      'entities/insert',
      { collectionName: 'books', data: [{ ...books[0], id: 9, year: 3_000_000_000 }] },
      1804,
    );
    expect(outOfRange.message).toContain('Int32');
    await fails(
      'entities/insert',
      { collectionName: 'books', data: [{ ...books[0], id: 9, codes: [1, 2, 3, 4] }] },
      1804,
    );
    await fails('entities/insert', { collectionName: 'books', data: [{ ...books[0], id: 9, codes: ['x'] }] }, 1804);
    await fails('entities/insert', { collectionName: 'books', data: [{ ...books[0], id: 9, codes: [1.5] }] }, 1804);
    const dim = await fails(
      'entities/insert',
      { collectionName: 'books', data: [{ ...books[0], id: 9, vec: [1, 0] }] },
      1804,
    );
    expect(dim.quiverCode).toBe('DIMENSION_MISMATCH');
    const type = await fails(
      'entities/insert',
      { collectionName: 'books', data: [{ ...books[0], id: 9, title: 42 }] },
      1804,
    );
    expect(type.quiverCode).toBe('TYPE_MISMATCH');
    expect((await fails('entities/insert', { collectionName: 'books', data: [books[0]] }, 1100)).quiverCode).toBe(
      'DUPLICATE_KEY',
    );
    await fails('entities/insert', { collectionName: 'books', data: [] }, 1802);
    await fails('entities/insert', { collectionName: 'books' }, 1802);
    // None of the failed batches wrote anything.
    expect((await ok('collections/get_stats', { collectionName: 'books' })).data.rowCount).toBe(4);
  });

  test('query: filter, output fields, *, $meta, pages, count(*), templates', async () => {
    const q = async (body: Record<string, unknown>) =>
      (await ok('entities/query', { collectionName: 'books', ...body })).data;
    expect(await q({ filter: 'year > 2010', outputFields: ['title'] })).toEqual([
      { id: 1, title: 'Graph search' },
      { id: 2, title: 'Quantization' },
      { id: 4, title: 'Hybrid retrieval' },
    ]);
    expect(await q({ filter: 'array_contains(codes, 5)', outputFields: ['codes'] })).toEqual([
      { id: 4, codes: [4, 5, 6] },
    ]);
    expect(await q({ filter: 'lang == "en"', outputFields: ['lang'] })).toEqual([
      { id: 1, lang: 'en' },
      { id: 3, lang: 'en' },
    ]);
    expect(await q({ filter: 'id == 1', outputFields: ['$meta'] })).toEqual([{ id: 1, lang: 'en' }]);
    const all = await q({ filter: 'id == 1', outputFields: ['*'] });
    expect(all).toEqual([
      { id: 1, title: 'Graph search', year: 2016, pages: 320, rating: 4.5, codes: [1, 2], vec: [1, 0, 0], lang: 'en' },
    ]);
    // No outputFields: every field, as "*".
    expect(await q({ filter: 'id == 1' })).toEqual(all);
    expect(await q({ filter: 'id == 1', outputFields: [] })).toEqual([{ id: 1 }]);
    const page1 = await q({ filter: 'id > 0', outputFields: [], limit: 2 });
    const page2 = await q({ filter: 'id > 0', outputFields: [], limit: 2, offset: 2 });
    expect([...page1, ...page2].map((r) => r.id).sort()).toEqual([1, 2, 3, 4]);
    expect(page1).toHaveLength(2);
    expect(await q({ filter: 'year < {y}', exprParams: { y: 2012 }, outputFields: ['year'] })).toEqual([
      { id: 2, year: 2011 },
      { id: 3, year: 2003 },
    ]);
    expect(await q({ filter: 'year < 2020', outputFields: ['count(*)'] })).toEqual([{ 'count(*)': 3 }]);
    expect(await q({ outputFields: ['count(*)'] })).toEqual([{ 'count(*)': 4 }]);
    expect(await q({ filter: 'rating is null', outputFields: ['rating'] })).toEqual([{ id: 3, rating: null }]);
  });

  test('query errors: filter syntax and types with their position, unknown fields, count(*) with others', async () => {
    const syntax = await fails('entities/query', { collectionName: 'books', filter: 'year >' }, 1100);
    expect(syntax.quiverCode).toBe('FILTER_SYNTAX');
    expect(syntax.details.position).toBe(6);
    const type = await fails('entities/query', { collectionName: 'books', filter: 'title > 3' }, 1100);
    expect(type.quiverCode).toBe('FILTER_TYPE');
    expect(typeof type.details.position).toBe('number');
    const param = await fails('entities/query', { collectionName: 'books', filter: 'year > {y}' }, 1100);
    expect(param.quiverCode).toBe('FILTER_PARAM');
    await fails('entities/query', { collectionName: 'quick_opts', filter: 'nope == 1' }, 1100);
    const out = await fails(
      'entities/query',
      { collectionName: 'quick_opts', filter: 'pk == "a"', outputFields: ['nope'] },
      1700,
    );
    expect(out.quiverCode).toBe('FIELD_NOT_FOUND');
    await fails('entities/query', { collectionName: 'books', outputFields: ['count(*)', 'title'] }, 1100);
    await fails('entities/query', { collectionName: 'books', filter: 'id > 0', limit: -1 }, 1801);
    await fails('entities/query', { collectionName: 'books', filter: 'id > 0', consistencyLevel: 'Sometimes' }, 1100);
  });

  test('get: one id or many, as numbers or strings; missing ids skipped; wrong key types refused', async () => {
    const g = async (body: Record<string, unknown>) =>
      (await ok('entities/get', { collectionName: 'books', ...body })).data;
    expect(await g({ id: 3, outputFields: ['title'] })).toEqual([{ id: 3, title: 'Inverted files' }]);
    expect(await g({ id: [4, '1', 99], outputFields: ['year'] })).toEqual([
      { id: 4, year: 2021 },
      { id: 1, year: 2016 },
    ]);
    expect(await g({ id: [1], outputFields: ['year'], partitionNames: ['_default'] })).toEqual([{ id: 1, year: 2016 }]);
    await fails('entities/get', { collectionName: 'books', id: 'abc' }, 1806);
    await fails('entities/get', { collectionName: 'books', outputFields: ['year'] }, 1802);
  });

  test('Accept-Type-Allow-Int64: false gives Int64 values (keys, Int64 fields, counts) as strings', async () => {
    const headers = { 'Accept-Type-Allow-Int64': 'false' };
    const rows = (
      await ok(
        'entities/query',
        { collectionName: 'books', filter: 'id == 1', outputFields: ['year', 'pages', 'codes', 'lang'] },
        { headers },
      )
    ).data;
    // Int32 stays a number; dynamic keys are JSON and stay as they are.
    expect(rows).toEqual([{ id: '1', year: 2016, pages: '320', codes: [1, 2], lang: 'en' }]);
    const count = (await ok('entities/query', { collectionName: 'books', outputFields: ['count(*)'] }, { headers }))
      .data;
    expect(count).toEqual([{ 'count(*)': '4' }]);
    const hits = (await ok('entities/search', { collectionName: 'books', data: [[1, 0, 0]], limit: 1 }, { headers }))
      .data;
    expect(hits).toEqual([{ id: '1', distance: 1 }]);
    const up = (await ok('entities/upsert', { collectionName: 'books', data: [{ ...books[2] }] }, { headers })).data;
    expect(up).toEqual({ upsertCount: 1, upsertIds: ['3'] });
    // true (and anything Go's ParseBool reads as true) keeps numbers.
    const asNumbers = (
      await ok(
        'entities/get',
        { collectionName: 'books', id: '1', outputFields: [] },
        { headers: { 'Accept-Type-Allow-Int64': 'True' } },
      )
    ).data;
    expect(asNumbers).toEqual([{ id: 1 }]);
  });

  test('search: nearest first with cosine scores, filter, pages, outputs, several queries, ranges', async () => {
    const s = async (body: Record<string, unknown>) => ok('entities/search', { collectionName: 'books', ...body });
    const q = [1, 0.2, 0];
    const res = await s({ data: [q], filter: 'year > 2010', limit: 10, outputFields: ['title'] });
    expect(res.topks).toEqual([3]);
    expect(res.cost).toBe(0);
    expect(res.data.map((h: { id: number }) => h.id)).toEqual([2, 1, 4]);
    for (const h of res.data) {
      const vec = books.find((b) => Number(b.id) === h.id)!.vec;
      expect(h.distance).toBeCloseTo(cosine(q, vec), 5);
      expect(h.title).toBe(books.find((b) => Number(b.id) === h.id)!.title);
    }
    expect(res.data[0].distance).toBeGreaterThan(res.data[1].distance);
    expect(res.data[1].distance).toBeGreaterThan(res.data[2].distance);
    // No output fields asked: the key and the distance only.
    expect(Object.keys((await s({ data: [q], limit: 1 })).data[0]).sort()).toEqual(['distance', 'id']);
    const second = await s({ data: [q], limit: 2, offset: 1, outputFields: [] });
    expect(second.data.map((h: { id: number }) => h.id)).toEqual([1, 4]);
    const two = await s({ data: [q, [0, 1, 0]], limit: 2 });
    expect(two.topks).toEqual([2, 2]);
    expect(two.data.map((h: { id: number }) => h.id)).toEqual([2, 1, 3, 2]);
    // Cosine range: radius < score <= range_filter.
    const ranged = await s({
      data: [[1, 0, 0]],
      limit: 10,
      searchParams: { metricType: 'COSINE', params: { radius: 0.9, range_filter: 0.999 } },
    });
    expect(ranged.data.map((h: { id: number }) => h.id)).toEqual([2, 4]);
    for (const h of ranged.data) expect(h.distance > 0.9 && h.distance <= 0.999).toBe(true);
    expect(
      (await s({ data: [q], filter: 'lang == {l}', exprParams: { l: 'fr' }, limit: 5 })).data.map(
        (h: { id: number }) => h.id,
      ),
    ).toEqual([2]);
    const withVec = (await s({ data: [q], limit: 1, outputFields: ['*'] })).data[0];
    expect(withVec).toMatchObject({ id: 2, title: 'Quantization', lang: 'fr', codes: [3] });
    // Under COSINE Quiver keeps vectors normalized, so a vector reads back as its unit vector.
    const norm = Math.hypot(0.9, 0.1);
    expect(withVec.vec).toHaveLength(3);
    const unit = [0.9 / norm, 0.1 / norm, 0];
    for (const [i, x] of (withVec.vec as number[]).entries()) expect(x).toBeCloseTo(unit[i]!, 6);
    expect((await s({ data: [q], limit: 1, searchParams: { params: { ef: 8 } } })).data[0].id).toBe(2);
  });

  test('search errors: metric mismatch, dimensions, grouping, text queries, empty data', async () => {
    await fails(
      'entities/search',
      { collectionName: 'books', data: [[1, 0, 0]], searchParams: { metricType: 'L2' } },
      1100,
    );
    expect((await fails('entities/search', { collectionName: 'books', data: [[1, 0]] }, 1100)).quiverCode).toBe(
      'DIMENSION_MISMATCH',
    );
    await fails('entities/search', { collectionName: 'books', data: [[1, 0, 0]], groupingField: 'year' }, 3000);
    await fails('entities/search', { collectionName: 'books', data: ['graph search'] }, 3000);
    await fails('entities/search', { collectionName: 'books', data: [] }, 1802);
    await fails('entities/search', { collectionName: 'books' }, 1802);
    await fails('entities/search', { collectionName: 'books', data: [[1, 0, 0]], annsField: 'title' }, 1100);
    await fails('entities/search', { collectionName: 'books', data: [[1, 0, 0]], filter: 'year >>' }, 1100);
    await fails('entities/search', { collectionName: 'books', data: [[1, 0, 0]], limit: 0 }, 1100);
  });

  test('upsert replaces a row; delete by filter and by id', async () => {
    const up = await ok('entities/upsert', {
      collectionName: 'books',
      data: [{ ...books[0], year: 2024, lang: 'de' }],
    });
    expect(up.data).toEqual({ upsertCount: 1, upsertIds: [1] });
    expect((await ok('entities/get', { collectionName: 'books', id: 1, outputFields: ['year', 'lang'] })).data).toEqual(
      [{ id: 1, year: 2024, lang: 'de' }],
    );
    const byFilter = await ok('entities/delete', {
      collectionName: 'books',
      filter: 'year < {y}',
      exprParams: { y: 2010 },
    });
    expect(byFilter).toEqual({ code: 0, cost: 0, data: { deleteCount: 1 } });
    expect((await ok('entities/delete', { collectionName: 'books', id: [4, 77] })).data).toEqual({ deleteCount: 1 });
    const left = (await ok('entities/query', { collectionName: 'books', filter: 'id > 0', outputFields: [] })).data;
    expect(left.map((r: { id: number }) => r.id).sort()).toEqual([1, 2]);
    await fails('entities/delete', { collectionName: 'books' }, 1802);
    await fails('entities/delete', { collectionName: 'books', filter: 'year ==' }, 1100);
    await fails('entities/delete', { collectionName: 'books', id: ['x'] }, 1806);
  });
});

describe('metrics and hybrid search', () => {
  const docs = [
    { doc: 'a', dense: [0, 0], sparse: [1, 0], kind: 'x' },
    { doc: 'b', dense: [1, 1], sparse: [0, 1], kind: 'y' },
    { doc: 'c', dense: [0.1, 0], sparse: [0.6, 0.3], kind: 'x' },
    { doc: 'd', dense: [3, 0], sparse: [0.2, 0.9], kind: 'y' },
  ];

  beforeAll(async () => {
    await ok('collections/create', {
      collectionName: 'docs',
      schema: {
        fields: [
          { fieldName: 'doc', dataType: 'VarChar', isPrimary: true, elementTypeParams: { max_length: 8 } },
          { fieldName: 'dense', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
          { fieldName: 'sparse', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
          { fieldName: 'kind', dataType: 'VarChar', elementTypeParams: { max_length: 4 } },
        ],
      },
      indexParams: [
        { fieldName: 'dense', metricType: 'L2', indexType: 'FLAT' },
        { fieldName: 'sparse', metricType: 'IP' },
      ],
    });
    await ok('entities/insert', { collectionName: 'docs', data: docs });
  });

  test('L2 distances are squared euclidean, nearest (smallest) first; IP is the dot product', async () => {
    const hits = (
      await ok('entities/search', {
        collectionName: 'docs',
        annsField: 'dense',
        data: [[0, 0]],
        limit: 4,
        outputFields: ['kind'],
      })
    ).data;
    expect(hits.map((h: { doc: string }) => h.doc)).toEqual(['a', 'c', 'b', 'd']);
    for (const h of hits) {
      expect(h.id).toBe(h.doc);
      expect(h.distance).toBeCloseTo(l2([0, 0], docs.find((d) => d.doc === h.doc)!.dense), 5);
    }
    // L2 range: range_filter <= distance < radius.
    const ranged = (
      await ok('entities/search', {
        collectionName: 'docs',
        annsField: 'dense',
        data: [[0, 0]],
        limit: 4,
        searchParams: { params: { radius: 3, range_filter: 0.005 } },
      })
    ).data;
    expect(ranged.map((h: { doc: string }) => h.doc)).toEqual(['c', 'b']);
    const ip = (
      await ok('entities/search', { collectionName: 'docs', annsField: 'sparse', data: [[1, 1.2]], limit: 2 })
    ).data;
    expect(ip.map((h: { doc: string }) => h.doc)).toEqual(['d', 'b']);
    expect(ip[0].distance).toBeCloseTo(0.2 + 1.08, 5);
    expect(ip[1].distance).toBeCloseTo(1.2, 5);
    // Two vector fields: the search must name one.
    expect((await fails('entities/search', { collectionName: 'docs', data: [[0, 0]] }, 1100)).message).toContain(
      'annsField',
    );
  });

  test('rrf: each hit scores Σ 1/(k + rank) over the sub-searches, each with its own filter', async () => {
    const res = await ok('entities/hybrid_search', {
      collectionName: 'docs',
      search: [
        { data: [[0, 0]], annsField: 'dense', limit: 3 },
        { data: [[1, 0]], annsField: 'sparse', limit: 3, filter: 'kind == "x"' },
      ],
      rerank: { strategy: 'rrf', params: { k: 10 } },
      limit: 3,
      outputFields: ['kind'],
    });
    // dense ranks a, c, b; sparse (kind x only) ranks a, c.
    expect(res.data.map((h: { doc: string }) => h.doc)).toEqual(['a', 'c', 'b']);
    expect(res.data[0].distance).toBeCloseTo(1 / 11 + 1 / 11, 6);
    expect(res.data[1].distance).toBeCloseTo(1 / 12 + 1 / 12, 6);
    expect(res.data[2].distance).toBeCloseTo(1 / 13, 6);
    expect(res.data[0]).toMatchObject({ id: 'a', doc: 'a', kind: 'x' });
    expect(res.topks).toEqual([3]);
  });

  test('weighted: Σ weight · norm(score), with Milvus normalizations, and norm_score off', async () => {
    const search = [
      { data: [[0, 0]], annsField: 'dense', limit: 4 },
      { data: [[1, 0]], annsField: 'sparse', limit: 4, params: { metricType: 'IP' } },
    ];
    const res = await ok('entities/hybrid_search', {
      collectionName: 'docs',
      search,
      rerank: { strategy: 'weighted', params: { weights: [0.3, 0.7] } },
      limit: 4,
    });
    const expected = docs
      .map((d) => ({
        doc: d.doc,
        score:
          0.3 * (1 - (2 * Math.atan(l2([0, 0], d.dense))) / Math.PI) + 0.7 * (0.5 + Math.atan(d.sparse[0]!) / Math.PI),
      }))
      .sort((a, b) => b.score - a.score);
    expect(res.data.map((h: { doc: string }) => h.doc)).toEqual(expected.map((e) => e.doc));
    for (const [i, h] of (res.data as { distance: number }[]).entries()) {
      expect(h.distance).toBeCloseTo(expected[i]!.score, 5);
    }
    const raw = await ok('entities/advanced_search', {
      collectionName: 'docs',
      search,
      rerank: { strategy: 'weighted', params: { weights: [0, 1], norm_score: false } },
      limit: 1,
    });
    expect(raw.data).toEqual([{ id: 'a', doc: 'a', distance: 1 }]);
  });

  test('hybrid errors: weights, strategies, metrics, vector counts', async () => {
    const search = [
      { data: [[0, 0]], annsField: 'dense', limit: 2 },
      { data: [[1, 0]], annsField: 'sparse', limit: 2 },
    ];
    await fails(
      'entities/hybrid_search',
      { collectionName: 'docs', search, rerank: { strategy: 'weighted', params: { weights: [1] } } },
      1100,
    );
    await fails(
      'entities/hybrid_search',
      { collectionName: 'docs', search, rerank: { strategy: 'weighted', params: { weights: [2, 0] } } },
      1100,
    );
    await fails(
      'entities/hybrid_search',
      { collectionName: 'docs', search, rerank: { strategy: 'decay', params: {} } },
      3000,
    );
    await fails(
      'entities/hybrid_search',
      { collectionName: 'docs', search: [{ ...search[0], metricType: 'COSINE' }], rerank: { strategy: 'rrf' } },
      1100,
    );
    await fails(
      'entities/hybrid_search',
      {
        collectionName: 'docs',
        search: [
          search[0],
          {
            ...search[1],
            data: [
              [1, 0],
              [0, 1],
            ],
          },
        ],
        rerank: { strategy: 'rrf' },
      },
      1100,
    );
    await fails('entities/hybrid_search', { collectionName: 'docs', search: [] }, 1801);
  });
});

describe("a collection made through Quiver's own API", () => {
  test('reads through the Milvus API with inferred types', async () => {
    const native = await db.createCollection('native', {
      fields: [
        { name: 'key', type: 'string', primary: true, maxLength: 16 },
        { name: 'emb', type: 'vector', dim: 2, metric: 'ip' },
        { name: 'n', type: 'int' },
        { name: 'x', type: 'float', nullable: true },
        { name: 'ok', type: 'bool' },
        { name: 'labels', type: 'string[]' },
        { name: 'extra', type: 'json', nullable: true },
      ],
    });
    await native.insert([{ key: 'k1', emb: [1, 2], n: 5, x: 0.5, ok: true, labels: ['a'], extra: { deep: [1] } }]);
    const d = (await ok('collections/describe', { collectionName: 'native' })).data;
    expect(
      d.fields.map((f: { name: string; type: string; elementType?: string }) => [f.name, f.type, f.elementType]),
    ).toEqual([
      ['key', 'VarChar', undefined],
      ['emb', 'FloatVector', undefined],
      ['n', 'Int64', undefined],
      ['x', 'Double', undefined],
      ['ok', 'Bool', undefined],
      ['labels', 'Array', 'VarChar'],
      ['extra', 'JSON', undefined],
    ]);
    expect(d.indexes).toEqual([{ fieldName: 'emb', indexName: 'emb', metricType: 'IP' }]);
    const hits = (
      await ok(
        'entities/search',
        { collectionName: 'native', data: [[1, 1]], outputFields: ['*'] },
        { headers: { 'Accept-Type-Allow-Int64': 'false' } },
      )
    ).data;
    expect(hits).toEqual([
      { id: 'k1', key: 'k1', distance: 3, emb: [1, 2], n: '5', x: 0.5, ok: true, labels: ['a'], extra: { deep: [1] } },
    ]);
  });
});

describe('partitions', () => {
  test('create, list, has, write into one, read and search within it, stats, drop', async () => {
    await ok('collections/create', { collectionName: 'parts', dimension: 2 });
    await ok('partitions/create', { collectionName: 'parts', partitionName: 'p2024' });
    expect((await ok('partitions/list', { collectionName: 'parts' })).data).toEqual(['_default', 'p2024']);
    expect((await ok('partitions/has', { collectionName: 'parts', partitionName: 'p2024' })).data).toEqual({
      has: true,
    });
    expect((await ok('partitions/has', { collectionName: 'parts', partitionName: 'p1999' })).data).toEqual({
      has: false,
    });
    await ok('entities/insert', { collectionName: 'parts', partitionName: 'p2024', data: [{ id: 1, vector: [1, 0] }] });
    await ok('entities/insert', { collectionName: 'parts', data: [{ id: 2, vector: [1, 0.1] }] });
    expect((await ok('partitions/get_stats', { collectionName: 'parts', partitionName: 'p2024' })).data).toEqual({
      rowCount: 1,
    });
    const hits = (await ok('entities/search', { collectionName: 'parts', data: [[0, 1]], partitionNames: ['p2024'] }))
      .data;
    expect(hits.map((h: { id: number }) => h.id)).toEqual([1]);
    const rows = (
      await ok('entities/query', {
        collectionName: 'parts',
        filter: 'id > 0',
        partitionNames: ['_default'],
        outputFields: [],
      })
    ).data;
    expect(rows).toEqual([{ id: 2 }]);
    expect(
      (await ok('entities/get', { collectionName: 'parts', id: [1, 2], partitionNames: ['p2024'], outputFields: [] }))
        .data,
    ).toEqual([{ id: 1 }]);
    expect(
      (await ok('entities/delete', { collectionName: 'parts', filter: 'id > 0', partitionName: 'p2024' })).data,
    ).toEqual({ deleteCount: 1 });
    await ok('partitions/load', { collectionName: 'parts', partitionNames: ['p2024'] });
    await ok('partitions/release', { collectionName: 'parts', partitionNames: ['p2024'] });
    await fails('partitions/load', { collectionName: 'parts', partitionNames: ['p1999'] }, 200);
    await fails('entities/search', { collectionName: 'parts', data: [[0, 1]], partitionNames: ['p1999'] }, 200);
    await fails(
      'entities/insert',
      { collectionName: 'parts', partitionName: 'p1999', data: [{ id: 5, vector: [1, 0] }] },
      200,
    );
    await fails('partitions/create', { collectionName: 'parts', partitionName: 'p2024' }, 1100);
    await fails('partitions/drop', { collectionName: 'parts', partitionName: '_default' }, 1100);
    await ok('partitions/drop', { collectionName: 'parts', partitionName: 'p2024' });
    expect((await ok('partitions/list', { collectionName: 'parts' })).data).toEqual(['_default']);
    await fails('partitions/create', { collectionName: 'parts' }, 1802);
  });

  test('a partition key field routes rows by itself and filters on it work', async () => {
    await ok('collections/create', {
      collectionName: 'tenants',
      schema: {
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'tenant', dataType: 'VarChar', isPartitionKey: true, elementTypeParams: { max_length: 16 } },
          { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
        ],
      },
    });
    expect((await ok('collections/describe', { collectionName: 'tenants' })).data.fields[1]).toMatchObject({
      name: 'tenant',
      partitionKey: true,
    });
    await ok('entities/insert', {
      collectionName: 'tenants',
      data: [
        { id: 1, tenant: 'acme', v: [1, 0] },
        { id: 2, tenant: 'globex', v: [1, 0] },
      ],
    });
    const hits = (
      await ok('entities/search', {
        collectionName: 'tenants',
        data: [[1, 0]],
        filter: 'tenant == "globex"',
        outputFields: ['tenant'],
      })
    ).data;
    expect(hits).toEqual([{ id: 2, tenant: 'globex', distance: 1 }]);
    // Rows are routed by the key: naming a partition is refused.
    await fails(
      'entities/insert',
      { collectionName: 'tenants', partitionName: '_default', data: [{ id: 3, tenant: 'x', v: [1, 0] }] },
      1100,
    );
  });
});

describe('the router', () => {
  test('scopes: a read-only key reads but cannot write', async () => {
    await ok('collections/list', {}, { token: 'reader' });
    const denied = await fails('collections/create', { collectionName: 'ro', dimension: 2 }, 1401, 403, {
      token: 'reader',
    });
    expect(denied.message).toContain('write');
    await fails('entities/insert', { collectionName: 'books', data: [{ id: 10 }] }, 1401, 403, { token: 'reader' });
    expect((await ok('collections/has', { collectionName: 'ro' })).data.has).toBe(false);
  });

  test('bodies without a JSON content type are read as JSON; null keys are absent', async () => {
    const res = await call('collections/has', undefined, {
      raw: JSON.stringify({ collectionName: 'books', dbName: null }),
    });
    expect(res.json).toEqual({ code: 0, data: { has: true } });
  });

  test('databases: default (by body or DB-Name header) is served, any other is not found', async () => {
    await ok('collections/has', { collectionName: 'books', dbName: '_default' });
    await fails('collections/has', { collectionName: 'books', dbName: 'analytics' }, 800);
    await fails('collections/has', { collectionName: 'books' }, 800, 200, { headers: { 'DB-Name': 'analytics' } });
    await ok('collections/has', { collectionName: 'books' }, { headers: { 'DB-Name': 'default' } });
  });

  test('Request-Timeout: seconds are accepted, anything else is an invalid parameter', async () => {
    await ok('collections/has', { collectionName: 'books' }, { headers: { 'Request-Timeout': '5' } });
    await fails('collections/has', { collectionName: 'books' }, 1100, 200, { headers: { 'Request-Timeout': 'soon' } });
    await fails('collections/has', { collectionName: 'books' }, 1100, 200, { headers: { 'Request-Timeout': '0' } });
  });

  test('Request-Timeout: past the deadline the caller gets a 408 while the work stays tracked until it ends', async () => {
    expect(requestTimeout(undefined)).toBeUndefined();
    expect(requestTimeout('2')).toBe(2);
    expect(() => requestTimeout('1.5')).toThrow(MilvusError);
    const inFlight = new InFlight();
    let finish!: (v: string) => void;
    const work = new Promise<string>((r) => {
      finish = r;
    });
    const began = Date.now();
    const err = await withTimeout(work, 1, inFlight).catch((e: unknown) => e);
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
    expect(err).toBeInstanceOf(MilvusError);
    expect(err).toMatchObject({ code: 10001, status: 408 });
    expect(inFlight.count).toBe(1);
    finish('done');
    await inFlight.idle();
    expect(inFlight.count).toBe(0);
    // Work that ends in time is passed through, value or error.
    await expect(withTimeout(Promise.resolve(7), 5, inFlight)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('boom')), 5, inFlight)).rejects.toThrow('boom');
  });

  test('unknown operations are 404 in the envelope; an oversized body is 413', async () => {
    const unknown = await fails('aliases/list', {}, 10, 404);
    expect(unknown.message).toContain('/v2/vectordb/aliases/list');
    await fails('collections/rename', { collectionName: 'books', newCollectionName: 'b2' }, 10, 404);
    await fails('collections/list', undefined, 10, 404, { method: 'GET' });
    const big = { collectionName: 'books', data: [{ id: 1, title: 'x'.repeat(2000) }] };
    await fails('entities/insert', undefined, 1102, 413, { base: smallUrl, raw: JSON.stringify(big) });
  });
});
