/**
 * `POST /search` over the ask corpus with the real offline model: the hits come from the Retriever (hybrid by
 * default, dense or BM25 on request) with their sources and per-method scores; `k`, filters with params,
 * `maxChunksPerDocument` and `collection` are honoured; bad requests are 4xx with a code (a filter syntax error
 * with its position) and the hits of a request equal what the Retriever returns in process.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RetrievedChunk } from '../../src/retrieve/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const search = (body: unknown) =>
  fetch(`${server.url}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const hitsOf = async (body: unknown): Promise<RetrievedChunk[]> => {
  const res = await search(body);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return ((await res.json()) as { hits: RetrievedChunk[] }).hits;
};
const file = (hit: RetrievedChunk) => hit.docId.split('/').pop();

describe('POST /search', () => {
  test('the best hit answers the question, with its source, offsets and both scores', async () => {
    const hits = await hitsOf({ query: 'What causes the tides?' });
    expect(hits.length).toBeGreaterThan(1);
    expect(hits.length).toBeLessThanOrEqual(10);
    const [best] = hits;
    expect(file(best!)).toBe('tides.txt');
    expect(best!.text).toContain('gravitational pull of the Moon');
    expect(best!.scores.dense).toEqual(expect.any(Number));
    expect(best!.scores.bm25).toEqual(expect.any(Number));
    expect(best!.fields).toMatchObject({ start: expect.any(Number), end: expect.any(Number) });
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  test('the hits are what the Retriever returns in process for the same options', async () => {
    const options = { k: 4, mode: 'hybrid' as const, filter: 'chunk_index >= {n}', params: { n: 0 } };
    const over = await hitsOf({ query: 'sourdough starter', ...options });
    const rag = await server.ctx.rag();
    const direct = await rag.components.retriever.retrieve('sourdough starter', options);
    expect(over).toEqual(JSON.parse(JSON.stringify(direct)));
  });

  test('k limits the hits', async () => {
    expect(await hitsOf({ query: 'tides', k: 2 })).toHaveLength(2);
    expect(await hitsOf({ query: 'tides', k: 1 })).toHaveLength(1);
  });

  test('mode picks the retriever: dense hits have no BM25 score, BM25 hits no dense one', async () => {
    const dense = await hitsOf({ query: 'why does bread rise', mode: 'dense', k: 3 });
    expect(dense.length).toBe(3);
    for (const h of dense) expect(h.scores).toEqual({ dense: expect.any(Number) });
    const bm25 = await hitsOf({ query: 'sourdough yeast', mode: 'bm25', k: 3 });
    expect(bm25.length).toBeGreaterThan(0);
    for (const h of bm25) {
      expect(h.scores.bm25).toEqual(expect.any(Number));
      expect(h.scores.dense).toBeUndefined();
    }
    expect(file(bm25[0]!)).toBe('bread.txt');
  });

  test('a filter with params restricts the hits', async () => {
    const hits = await hitsOf({
      query: 'What causes the tides?',
      filter: 'doc_id == {doc}',
      params: { doc: server.corpus.docId('volcano.txt') },
    });
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(file(h)).toBe('volcano.txt');
  });

  test('maxChunksPerDocument caps the chunks of each document', async () => {
    const capped = await hitsOf({ query: 'Erebus volcano lava lake', k: 10, maxChunksPerDocument: 1 });
    const docs = capped.map((h) => h.docId);
    expect(new Set(docs).size).toBe(docs.length);
    const uncapped = await hitsOf({ query: 'Erebus volcano lava lake', k: 10 });
    expect(uncapped.filter((h) => file(h) === 'volcano.txt').length).toBeGreaterThan(1);
  });

  test('collection names another collection', async () => {
    const form = new FormData();
    form.append('file', new Blob(['Rye bread is dense because rye flour has little gluten.']), 'rye.txt');
    form.append('collection', 'notes');
    const ingested = await fetch(`${server.url}/ingest`, { method: 'POST', body: form });
    expect(ingested.status).toBe(200);
    const hits = await hitsOf({ query: 'why is rye bread dense', collection: 'notes' });
    expect(hits.map((h) => h.source)).toEqual(['uploads/rye.txt']);
    const main = await hitsOf({ query: 'why is rye bread dense' });
    expect(main.map((h) => h.source)).not.toContain('uploads/rye.txt');
  });

  test('concurrent searches all answer, each as it would alone', async () => {
    const queries = ['tides', 'sourdough', 'Erebus', 'glaciers', 'spring tides', 'lava'];
    const alone = await Promise.all(queries.map((q) => hitsOf({ query: q, k: 3 })));
    const together = await Promise.all(
      queries.flatMap((q) => [hitsOf({ query: q, k: 3 }), hitsOf({ query: q, k: 3 })]),
    );
    queries.forEach((_, i) => {
      expect(together[2 * i]).toEqual(alone[i]);
      expect(together[2 * i + 1]).toEqual(alone[i]);
    });
  });
});

describe('POST /search refuses', () => {
  const errorOf = async (body: unknown) => {
    const res = await search(body);
    const json = (await res.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } };
    return { status: res.status, ...json.error };
  };

  test('a missing or empty query: 400 INVALID_ARGUMENT naming body.query', async () => {
    for (const body of [{}, { query: '' }, { query: '   ' }, { query: 7 }]) {
      const error = await errorOf(body);
      expect(error.status).toBe(400);
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.details?.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.query' })]));
    }
  });

  test('bad options: 400 INVALID_ARGUMENT naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ query: 'q', k: 0 }, 'body.k'],
      [{ query: 'q', k: 1.5 }, 'body.k'],
      [{ query: 'q', k: 100_000 }, 'body.k'],
      [{ query: 'q', mode: 'sparse' }, 'body.mode'],
      [{ query: 'q', maxChunksPerDocument: 0 }, 'body.maxChunksPerDocument'],
      [{ query: 'q', filter: 5 }, 'body.filter'],
      [{ query: 'q', collection: '' }, 'body.collection'],
    ];
    for (const [body, path] of cases) {
      const error = await errorOf(body);
      expect(error.status, JSON.stringify(body)).toBe(400);
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message.startsWith(path), error.message).toBe(true);
    }
  });

  test('an unknown field is refused rather than ignored', async () => {
    const error = await errorOf({ query: 'q', topK: 3 });
    expect(error.status).toBe(400);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('topK');
  });

  test('a filter syntax error: 400 FILTER_SYNTAX with its position', async () => {
    const error = await errorOf({ query: 'q', filter: 'chunk_index >= and' });
    expect(error.status).toBe(400);
    expect(error.code).toBe('FILTER_SYNTAX');
    expect(error.details?.position).toBe(15);
  });

  test('a filter on an unknown field, or a missing param: 400 with the filter code', async () => {
    expect(await errorOf({ query: 'q', filter: 'nope == 1' })).toMatchObject({ status: 400, code: 'FIELD_NOT_FOUND' });
    expect(await errorOf({ query: 'q', filter: 'chunk_index == {i}' })).toMatchObject({
      status: 400,
      code: 'FILTER_PARAM',
    });
  });

  test('an unknown collection: 404 COLLECTION_NOT_FOUND', async () => {
    expect(await errorOf({ query: 'q', collection: 'ghost' })).toMatchObject({
      status: 404,
      code: 'COLLECTION_NOT_FOUND',
    });
  });
});
