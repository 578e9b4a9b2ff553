/**
 * The official Milvus Node SDK's `HttpClient` (@zilliz/milvus2-sdk-node), pointed at Quiver, works unchanged:
 * it creates collections (quick setup and full schema), inserts, searches with a filter, queries, counts, gets,
 * upserts, hybrid-searches, manages partitions and deletes, and every answer is checked against the data: ids,
 * the order and values of distances, only the filtered rows. The SDK sends `Accept-Type-Allow-Int64: false`
 * unless told `acceptInt64: true`, so by default Int64 keys come back as strings, as from Milvus. It sends a
 * Bearer token, so the app runs Quiver's API-key auth in front of the router.
 */

import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext } from '../../src/server/context.js';
import { errorHandler } from '../../src/server/http-errors.js';
import { bearerAuth } from '../../src/server/middleware/auth.js';
import { milvusRouter } from '../../src/server/milvus/router.js';
import { Quiver } from '../../src/store/quiver.js';

let dir: string;
let db: Quiver;
let server: Server;
let endpoint: string;
/** The SDK as most code uses it: Int64 values as strings. */
let client: HttpClient;
/** The SDK with `acceptInt64: true`: Int64 values as numbers. */
let numeric: HttpClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-milvus-sdk-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  const ctx = createServerContext({ db, config: pipelineSchema.parse({}) });
  const app = express();
  app.use(express.json());
  app.use(
    bearerAuth([
      { key: 'root:Milvus', scopes: ['read', 'write'] },
      { key: 'viewer:secret', scopes: ['read'] },
    ]),
  );
  app.use('/v2/vectordb', milvusRouter({ ...ctx, db }));
  app.use(errorHandler());
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new HttpClient({ endpoint, token: 'root:Milvus' });
  numeric = new HttpClient({ endpoint, username: 'root', password: 'Milvus', acceptInt64: true });
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

const books = [
  { id: 1, vector: [1, 0, 0, 0], title: 'Graph search', year: 2016 },
  { id: 2, vector: [0.9, 0.1, 0, 0], title: 'Quantization', year: 2011 },
  { id: 3, vector: [0, 1, 0, 0], title: 'Inverted files', year: 2003 },
  { id: 4, vector: [0.8, 0, 0.2, 0], title: 'Hybrid retrieval', year: 2021 },
];

const cosine = (a: number[], b: number[]) => {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  return dot / (Math.hypot(...a) * Math.hypot(...b));
};

interface Hit {
  id: string;
  distance: number;
  title?: string;
  year?: number;
}

describe('Milvus HttpClient against Quiver', () => {
  test('quick-setup collection: create, has, describe, list', async () => {
    const created = await client.createCollection({ collectionName: 'books', dimension: 4 });
    expect(created).toEqual({ code: 0, data: {} });
    expect((await client.hasCollection({ collectionName: 'books', dbName: 'default' })).data.has).toBe(true);
    const described = await client.describeCollection({ collectionName: 'books' });
    expect(described.code).toBe(0);
    expect(described.data.enableDynamicField).toBe(true);
    const fields = described.data.fields as unknown as { name: string; type: string; primaryKey: boolean }[];
    expect(fields.map((f) => [f.name, f.type, f.primaryKey])).toEqual([
      ['id', 'Int64', true],
      ['vector', 'FloatVector', false],
    ]);
    // The SDK fills in the default metric, COSINE.
    expect(described.data.indexes).toEqual([{ fieldName: 'vector', indexName: 'vector', metricType: 'COSINE' }]);
    expect((await client.listCollections()).data).toEqual(['books']);
  });

  test('insert answers with the ids, as strings by default and as numbers with acceptInt64', async () => {
    const inserted = await client.insert({ collectionName: 'books', data: books.slice(0, 3) });
    expect(inserted).toEqual({ code: 0, cost: 0, data: { insertCount: 3, insertIds: ['1', '2', '3'] } });
    const more = await numeric.insert({ collectionName: 'books', data: books.slice(3) });
    expect(more.data).toEqual({ insertCount: 1, insertIds: [4] });
    expect((await client.getCollectionStatistics({ collectionName: 'books' })).data).toEqual({ rowCount: 4 });
  });

  test('search with a filter returns only matching rows, nearest first, with their cosine scores', async () => {
    const query = [1, 0.3, 0, 0];
    const found = await client.search({
      collectionName: 'books',
      data: [query],
      filter: 'year > 2010',
      limit: 3,
      outputFields: ['title', 'year'],
    });
    expect(found.code).toBe(0);
    const hits = found.data as unknown as Hit[];
    expect(hits.map((h) => h.id)).toEqual(['2', '1', '4']);
    for (const h of hits) {
      const book = books.find((b) => String(b.id) === h.id)!;
      expect(h).toMatchObject({ title: book.title, year: book.year });
      expect(h.distance).toBeCloseTo(cosine(query, book.vector), 5);
    }
    expect(hits[0]!.distance).toBeGreaterThan(hits[1]!.distance);
    expect(hits[1]!.distance).toBeGreaterThan(hits[2]!.distance);
    // The same search straight against the store ranks the same rows with the same scores.
    const direct = await (await db.collection('books')).search({ vector: query, k: 3, filter: 'year > 2010' });
    expect(direct.hits.map((h) => String(h.id))).toEqual(hits.map((h) => h.id));
    for (const [i, h] of direct.hits.entries()) expect(hits[i]!.distance).toBeCloseTo(h.score, 6);
  });

  test('two query vectors come back split per query by the SDK', async () => {
    const found = await client.search({
      collectionName: 'books',
      data: [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
      ],
      limit: 2,
      outputFields: [],
    });
    expect(found.topks).toEqual([2, 2]);
    const groups = found.data as unknown as Hit[][];
    expect(groups.map((g) => g.map((h) => h.id))).toEqual([
      ['1', '2'],
      ['3', '2'],
    ]);
    expect(groups[0]![0]!.distance).toBeCloseTo(1, 5);
  });

  test('query with a filter, count(*), and get by id', async () => {
    const rows = await client.query({
      collectionName: 'books',
      filter: 'title like "%search%" or year < {y}',
      exprParams: { y: 2005 },
      outputFields: ['title'],
    } as Parameters<HttpClient['query']>[0]);
    expect(rows.data).toEqual([
      { id: '1', title: 'Graph search' },
      { id: '3', title: 'Inverted files' },
    ]);
    const count = await client.query({ collectionName: 'books', filter: 'year < 2020', outputFields: ['count(*)'] });
    expect(count.data).toEqual([{ 'count(*)': '3' }]);
    const numericCount = await numeric.query({ collectionName: 'books', filter: '', outputFields: ['count(*)'] });
    expect(numericCount.data).toEqual([{ 'count(*)': 4 }]);
    const got = await client.get({ collectionName: 'books', id: ['3', '4', '99'], outputFields: ['year'] });
    expect(got.data).toEqual([
      { id: '3', year: 2003 },
      { id: '4', year: 2021 },
    ]);
    expect((await numeric.get({ collectionName: 'books', id: 2, outputFields: ['title'] })).data).toEqual([
      { id: 2, title: 'Quantization' },
    ]);
  });

  test('upsert replaces a row; delete by filter and by id remove exactly those rows', async () => {
    const up = await client.upsert({ collectionName: 'books', data: [{ ...books[2]!, year: 2024 }] });
    expect(up.data).toEqual({ upsertCount: 1, upsertIds: ['3'] });
    expect((await client.get({ collectionName: 'books', id: 3, outputFields: ['year'] })).data).toEqual([
      { id: '3', year: 2024 },
    ]);
    const byFilter = await client.delete({ collectionName: 'books', filter: 'year >= 2021' });
    expect(byFilter.code).toBe(0);
    const byId = await client.delete({ collectionName: 'books', id: [1] } as unknown as Parameters<
      HttpClient['delete']
    >[0]);
    expect(byId.code).toBe(0);
    const left = await client.query({ collectionName: 'books', filter: 'id > 0', outputFields: ['title'] });
    expect(left.data).toEqual([{ id: '2', title: 'Quantization' }]);
  });

  test('partitions: create, list, insert into one, search within it, drop', async () => {
    expect((await client.createPartition({ collectionName: 'books', partitionName: 'recent' })).code).toBe(0);
    expect((await client.listPartitions({ collectionName: 'books' })).data).toEqual(['_default', 'recent']);
    expect((await client.hasPartition({ collectionName: 'books', partitionName: 'recent' })).data.has).toBe(true);
    await client.insert({
      collectionName: 'books',
      partitionName: 'recent',
      data: [{ id: 10, vector: [0, 0, 1, 0], title: 'New', year: 2025 }],
    } as Parameters<HttpClient['insert']>[0]);
    const stats = await client.getPartitionStatistics({ collectionName: 'books', partitionName: 'recent' });
    expect(stats.data).toEqual({ rowCount: 1 });
    const found = await client.search({
      collectionName: 'books',
      data: [[1, 0, 0, 0]],
      partitionNames: ['recent'],
      outputFields: ['title'],
    });
    expect((found.data as unknown as Hit[]).map((h) => [h.id, h.title])).toEqual([['10', 'New']]);
    expect((await client.dropPartition({ collectionName: 'books', partitionName: 'recent' })).code).toBe(0);
    expect((await client.listPartitions({ collectionName: 'books' })).data).toEqual(['_default']);
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
          { fieldName: 'other', dataType: 'FloatVector', elementTypeParams: { dim: 2 } },
          {
            fieldName: 'tags',
            dataType: 'Array',
            elementDataType: 'VarChar',
            elementTypeParams: { max_capacity: 8, max_length: 16 },
          },
        ],
      },
      indexParams: [
        { fieldName: 'dense', metricType: 'L2', indexName: 'dense_idx' },
        { fieldName: 'other', metricType: 'IP', indexName: 'other_idx' },
      ],
    });
    expect(created.code).toBe(0);
    const ins = await client.insert({
      collectionName: 'docs',
      data: [
        { doc: 'a', dense: [0, 0], other: [1, 0], tags: ['x'] },
        { doc: 'b', dense: [1, 1], other: [0, 1], tags: ['y'] },
        { doc: 'c', dense: [0.1, 0], other: [0.2, 0.1], tags: ['x', 'y'] },
      ],
    });
    expect(ins.data.insertIds).toEqual(['a', 'b', 'c']);
    const fused = await client.hybridSearch({
      collectionName: 'docs',
      search: [
        { data: [[0, 0]], annsField: 'dense', limit: 3, filter: 'array_contains(tags, "x")' },
        { data: [[1, 0]], annsField: 'other', limit: 3, filter: 'array_contains(tags, "x")' },
      ],
      rerank: { strategy: 'rrf', params: { k: 60 } },
      limit: 2,
      outputFields: ['tags'],
    });
    expect(fused.code).toBe(0);
    const hits = fused.data as unknown as { id: string; doc: string; tags: string[]; distance: number }[];
    // Both sub-searches rank a first and c second; b is filtered out of both.
    expect(hits.map((h) => h.doc)).toEqual(['a', 'c']);
    expect(hits.map((h) => h.id)).toEqual(['a', 'c']);
    expect(hits[0]!.distance).toBeCloseTo(2 / 61, 6);
    expect(hits[1]!.distance).toBeCloseTo(2 / 62, 6);
    expect(hits[1]!.tags).toEqual(['x', 'y']);
    const described = await client.describeCollection({ collectionName: 'docs' });
    expect(described.data.enableDynamicField).toBe(false);
    expect(described.data.indexes.map((i) => [i.fieldName, i.indexName, i.metricType])).toEqual([
      ['dense', 'dense_idx', 'L2'],
      ['other', 'other_idx', 'IP'],
    ]);
  });

  test('errors come back in the envelope with Milvus codes and a message', async () => {
    const missing = await client.describeCollection({ collectionName: 'nope' });
    expect(missing.code).toBe(100);
    expect(missing.message).toMatch(/nope/);
    const badFilter = await client.query({ collectionName: 'books', filter: 'year >', outputFields: [] });
    expect(badFilter.code).toBe(1100);
    expect(badFilter.message).toMatch(/position 6/);
    const dim = await client.insert({ collectionName: 'books', data: [{ id: 9, vector: [1, 0] }] });
    expect(dim.code).toBe(1804);
    expect((dim as unknown as { quiverCode: string }).quiverCode).toBe('DIMENSION_MISMATCH');
    const binary = await client.createCollection({
      collectionName: 'bits',
      schema: {
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'bits', dataType: 'BinaryVector', elementTypeParams: { dim: 64 } },
        ],
      },
    });
    expect(binary.code).toBe(3000);
    expect(binary.message).toMatch(/BinaryVector/);
    expect((await client.hasCollection({ collectionName: 'bits', dbName: 'default' })).data.has).toBe(false);
  });

  test('a read-only key cannot write, a wrong key is refused, and drop removes the collection', async () => {
    const viewer = new HttpClient({ endpoint, token: 'viewer:secret' });
    expect((await viewer.hasCollection({ collectionName: 'docs', dbName: 'default' })).data.has).toBe(true);
    await expect(viewer.dropCollection({ collectionName: 'docs' })).rejects.toThrow(/403/);
    const stranger = new HttpClient({ endpoint, token: 'wrong' });
    await expect(stranger.listCollections()).rejects.toThrow(/401/);
    expect((await client.dropCollection({ collectionName: 'docs' })).code).toBe(0);
    expect((await client.hasCollection({ collectionName: 'docs', dbName: 'default' })).data.has).toBe(false);
    expect((await client.listCollections()).data).toEqual(['books']);
  });
});
