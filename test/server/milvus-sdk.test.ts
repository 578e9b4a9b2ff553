/**
 * The official Milvus Node SDK's `HttpClient`, pointed at a Quiver server, works unchanged: it creates a collection
 * (quick setup and full schema), inserts, searches with a filter, queries, gets, upserts, runs a hybrid search and
 * deletes, and every answer is checked against what the store holds. The SDK sends Bearer tokens, so the server
 * runs with an API key.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext } from '../../src/server/context.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { Quiver } from '../../src/store/quiver.js';

let dir: string;
let db: Quiver;
let server: RunningServer;
let client: HttpClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-milvus-sdk-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  server = await startServer({
    ctx: createServerContext({ db, config: pipelineSchema.parse({}) }),
    port: 0,
    apiKeys: [{ key: 'root:Milvus', scopes: ['read', 'write'] }],
  });
  client = new HttpClient({ endpoint: server.url, token: 'root:Milvus' });
});
afterAll(async () => {
  await server?.close();
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

const books = [
  { id: 1, vector: [1, 0, 0, 0], title: 'Graph search', year: 2016 },
  { id: 2, vector: [0.9, 0.1, 0, 0], title: 'Quantization', year: 2011 },
  { id: 3, vector: [0, 1, 0, 0], title: 'Inverted files', year: 2003 },
  { id: 4, vector: [0.8, 0, 0.2, 0], title: 'Hybrid retrieval', year: 2021 },
];

describe('Milvus HttpClient against Quiver', () => {
  test('quick-setup collection: create, has, describe, list', async () => {
    expect((await client.createCollection({ collectionName: 'books', dimension: 4, metricType: 'COSINE' })).code).toBe(
      0,
    );
    expect((await client.hasCollection({ collectionName: 'books', dbName: 'default' })).data.has).toBe(true);
    const described = await client.describeCollection({ collectionName: 'books' });
    expect(described.code).toBe(0);
    expect(described.data.enableDynamicField).toBe(true);
    const fields = described.data.fields as unknown as { name: string; type: string; primaryKey: boolean }[];
    expect(fields.map((f) => [f.name, f.type, f.primaryKey])).toEqual([
      ['id', 'Int64', true],
      ['vector', 'FloatVector', false],
    ]);
    expect(described.data.indexes[0]).toMatchObject({ fieldName: 'vector', metricType: 'COSINE' });
    expect((await client.listCollections()).data).toContain('books');
  });

  test('insert, then search with a filter returns the nearest matching rows with distances', async () => {
    const inserted = await client.insert({ collectionName: 'books', data: books });
    expect(inserted.code).toBe(0);
    expect(inserted.data).toEqual({ insertCount: 4, insertIds: [1, 2, 3, 4] });
    const found = await client.search({
      collectionName: 'books',
      data: [[1, 0, 0, 0]],
      filter: 'year > 2010',
      limit: 3,
      outputFields: ['title', 'year'],
    });
    expect(found.code).toBe(0);
    const hits = found.data as unknown as { id: number; distance: number; title: string; year: number }[];
    expect(hits.map((h) => h.id)).toEqual([1, 2, 4]);
    expect(hits[0]!.distance).toBeCloseTo(1, 5);
    expect(hits[0]!.distance).toBeGreaterThan(hits[1]!.distance);
    expect(hits[1]).toMatchObject({ title: 'Quantization', year: 2011 });
    expect(found.topks).toEqual([3]);
    // The same search straight against the store.
    const direct = await (await db.collection('books')).search({ vector: [1, 0, 0, 0], k: 3, filter: 'year > 2010' });
    expect(hits.map((h) => h.distance)).toEqual(direct.hits.map((h) => h.score));
  });

  test('two query vectors come back split per query', async () => {
    const found = await client.search({
      collectionName: 'books',
      data: [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
      ],
      limit: 2,
      outputFields: [],
    });
    const groups = found.data as unknown as { id: number }[][];
    expect(groups.map((g) => g.map((h) => h.id))).toEqual([
      [1, 2],
      [3, 2],
    ]);
  });

  test('query with a filter, count(*), and get by id', async () => {
    const rows = await client.query({
      collectionName: 'books',
      filter: 'title like "%search%"',
      outputFields: ['title'],
    });
    expect(rows.data).toEqual([{ id: 1, title: 'Graph search' }]);
    const count = await client.query({ collectionName: 'books', filter: 'year < 2020', outputFields: ['count(*)'] });
    expect(count.data).toEqual([{ 'count(*)': 3 }]);
    const got = await client.get({ collectionName: 'books', id: [3, 4], outputFields: ['year'] });
    expect(got.data).toEqual([
      { id: 3, year: 2003 },
      { id: 4, year: 2021 },
    ]);
  });

  test('upsert replaces a row; delete by filter removes rows', async () => {
    const up = await client.upsert({ collectionName: 'books', data: [{ ...books[2]!, year: 2024 }] });
    expect(up.data).toEqual({ upsertCount: 1, upsertIds: [3] });
    expect((await client.get({ collectionName: 'books', id: 3, outputFields: ['year'] })).data).toEqual([
      { id: 3, year: 2024 },
    ]);
    expect((await client.delete({ collectionName: 'books', filter: 'year >= 2021' })).code).toBe(0);
    const left = await client.query({ collectionName: 'books', filter: 'id > 0', outputFields: ['title'] });
    expect((left.data as { id: number }[]).map((r) => r.id)).toEqual([1, 2]);
  });

  test('full-schema collection with VarChar keys, two vector fields and a hybrid search', async () => {
    const created = await client.createCollection({
      collectionName: 'docs',
      schema: {
        autoID: false,
        enabledDynamicField: false,
        fields: [
          { fieldName: 'doc', dataType: 'VarChar', isPrimary: true, elementTypeParams: { max_length: 64 } },
          { fieldName: 'dense', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
          { fieldName: 'sparse_ish', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
          {
            fieldName: 'tags',
            dataType: 'Array',
            elementDataType: 'VarChar',
            elementTypeParams: { max_capacity: 8, max_length: 16 },
          },
        ],
      },
      indexParams: [
        { fieldName: 'dense', metricType: 'L2', indexName: 'dense' },
        { fieldName: 'sparse_ish', metricType: 'IP', indexName: 'sparse_ish' },
      ],
    });
    expect(created.code).toBe(0);
    await client.insert({
      collectionName: 'docs',
      data: [
        { doc: 'a', dense: [0, 0], sparse_ish: [1, 0], tags: ['x'] },
        { doc: 'b', dense: [1, 1], sparse_ish: [0, 1], tags: ['y'] },
        { doc: 'c', dense: [0.1, 0], sparse_ish: [0.2, 0.1], tags: ['x', 'y'] },
      ],
    });
    const fused = await client.hybridSearch({
      collectionName: 'docs',
      search: [
        { data: [[0, 0]], annsField: 'dense', limit: 3, filter: 'array_contains(tags, "x")' },
        { data: [[1, 0]], annsField: 'sparse_ish', limit: 3, filter: 'array_contains(tags, "x")' },
      ],
      rerank: { strategy: 'rrf', params: { k: 60 } },
      limit: 2,
      outputFields: ['tags'],
    });
    expect(fused.code).toBe(0);
    const hits = fused.data as unknown as { doc: string; tags: string[] }[];
    expect(hits.map((h) => h.doc)).toEqual(['a', 'c']);
    expect(hits[1]!.tags).toEqual(['x', 'y']);
    const described = await client.describeCollection({ collectionName: 'docs' });
    expect(described.data.indexes.map((i) => [i.fieldName, i.metricType])).toEqual([
      ['dense', 'L2'],
      ['sparse_ish', 'IP'],
    ]);
  });

  test('errors come back in the envelope with a code and a message', async () => {
    const missing = await client.describeCollection({ collectionName: 'nope' });
    expect(missing.code).toBe(100);
    expect(missing.message).toMatch(/nope/);
    const badFilter = await client.query({ collectionName: 'books', filter: 'year >', outputFields: [] });
    expect(badFilter.code).toBe(1100);
    expect(badFilter.message).toMatch(/position 6/);
    const dim = await client.insert({ collectionName: 'books', data: [{ id: 9, vector: [1, 0] }] });
    expect(dim.code).toBe(1100);
    expect((dim as unknown as { quiverCode: string }).quiverCode).toBe('DIMENSION_MISMATCH');
  });

  test('drop removes the collection', async () => {
    expect((await client.dropCollection({ collectionName: 'docs' })).code).toBe(0);
    expect((await client.hasCollection({ collectionName: 'docs', dbName: 'default' })).data.has).toBe(false);
  });

  test('a wrong token is refused', async () => {
    const stranger = new HttpClient({ endpoint: server.url, token: 'wrong' });
    await expect(stranger.listCollections()).rejects.toThrow(/401/);
  });
});
