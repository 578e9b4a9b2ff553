/**
 * Context assembly over a real ingested corpus: neighbours are read from the collection and merged with the
 * hit by character offsets into exactly the document's text, passages keep the order of first relevance and
 * are numbered with their sources, duplicates add nothing, and the token budget is never exceeded.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { assembleContext, type ContextCollection, estimateTokens } from '../../src/retrieve/context.js';
import { Retriever } from '../../src/retrieve/retriever.js';
import type { RetrievedChunk } from '../../src/retrieve/types.js';
import { expectCode } from '../helpers/errors.js';
import { testEmbedder } from '../helpers/model.js';
import { type Corpus, FILES, ingestCorpus } from './corpus.js';

let embedder: TransformersEmbedder;
let corpus: Corpus;
let retriever: Retriever;
let light: { id: string; start: number; end: number }[];

beforeAll(async () => {
  embedder = await testEmbedder();
  corpus = await ingestCorpus(embedder);
  retriever = new Retriever({ collection: corpus.collection, embedder });
  const rows = await corpus.collection.query({
    filter: 'doc_id == {d}',
    params: { d: corpus.docId('lighthouse.txt') },
    outputFields: ['start', 'end', 'chunk_index'],
  });
  light = rows
    .sort((a, b) => Number(a.chunk_index) - Number(b.chunk_index))
    .map((r) => ({ id: String(r.id), start: Number(r.start), end: Number(r.end) }));
});
afterAll(async () => {
  await corpus?.close();
  await embedder?.dispose();
});

/** The chunk with this id, as the retriever returns it. */
async function hit(id: string): Promise<RetrievedChunk> {
  const [c] = await retriever.retrieve('lighthouse', { mode: 'dense', k: 1, filter: 'id == {id}', params: { id } });
  return c!;
}

const lightId = (i: number) => `${corpus.docId('lighthouse.txt')}:${i}`;

/** The collection, counting its queries. */
function counting(): ContextCollection & { queries: number } {
  const c = {
    queries: 0,
    query: (...args: Parameters<ContextCollection['query']>) => {
      c.queries++;
      return corpus.collection.query(...args);
    },
  };
  return c;
}

describe('assembleContext', () => {
  test('the fixture document is cut into at least four overlapping chunks', () => {
    expect(light.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < light.length; i++) expect(light[i]!.start).toBeLessThan(light[i - 1]!.end);
  });

  test('neighbours widen a hit into the exact document text around it, overlap included once', async () => {
    const ctx = await assembleContext(corpus.collection, [await hit(lightId(2))], { neighbours: 1 });
    expect(ctx.passages).toHaveLength(1);
    const p = ctx.passages[0]!;
    expect(p.chunkIds).toEqual([lightId(1), lightId(2), lightId(3)]);
    expect(p.text).toBe(FILES['lighthouse.txt']!.slice(light[1]!.start, light[3]!.end));
    expect(p).toMatchObject({ n: 1, docId: corpus.docId('lighthouse.txt'), title: 'lighthouse' });
    expect(ctx.text).toBe(`[1] lighthouse (${corpus.docId('lighthouse.txt')})\n${p.text}`);
  });

  test('neighbours stop at the ends of the document', async () => {
    const ctx = await assembleContext(corpus.collection, [await hit(lightId(0))], { neighbours: 2 });
    expect(ctx.passages[0]!.chunkIds).toEqual([lightId(0), lightId(1), lightId(2)]);
    expect(ctx.passages[0]!.text).toBe(FILES['lighthouse.txt']!.slice(0, light[2]!.end));
  });

  test('without neighbours a hit is its own text, and the collection is not read', async () => {
    const c = counting();
    const h = await hit(lightId(3));
    const ctx = await assembleContext(c, [h]);
    expect(c.queries).toBe(0);
    expect(ctx.passages.map((p) => p.text)).toEqual([h.text]);
    await assembleContext(c, [h], { neighbours: 1 });
    expect(c.queries).toBe(1);
  });

  test('hits of one document that touch merge into the first one’s place; others keep relevance order', async () => {
    const dogs = (
      await retriever.retrieve('dogs smell', { filter: 'doc_id == {d}', params: { d: corpus.docId('dogs.txt') }, k: 1 })
    )[0]!;
    const hits = [await hit(lightId(3)), dogs, await hit(lightId(1)), await hit(lightId(2)), await hit(lightId(3))];
    const ctx = await assembleContext(corpus.collection, hits);
    expect(ctx.passages.map((p) => [p.n, p.docId, p.chunkIds])).toEqual([
      [1, corpus.docId('lighthouse.txt'), [lightId(1), lightId(2), lightId(3)]],
      [2, corpus.docId('dogs.txt'), [dogs.id]],
    ]);
    expect(ctx.passages[0]!.text).toBe(FILES['lighthouse.txt']!.slice(light[1]!.start, light[3]!.end));
    expect(ctx.text).toBe(
      `[1] lighthouse (${corpus.docId('lighthouse.txt')})\n${ctx.passages[0]!.text}\n\n[2] dogs (${corpus.docId('dogs.txt')})\n${dogs.text}`,
    );
  });

  test('a document ingested twice is cited once', async () => {
    const cats = await hit(`${corpus.docId('cats.txt')}:0`);
    const copy = await hit(`${corpus.docId('copy.txt')}:0`);
    expect(copy.text).toBe(cats.text);
    const ctx = await assembleContext(corpus.collection, [cats, copy]);
    expect(ctx.passages.map((p) => p.docId)).toEqual([corpus.docId('cats.txt')]);
  });

  test('passages are added while they fit the budget, counted with the given tokenizer', async () => {
    const hits = await retriever.retrieve('lighthouse keeper lamp', { k: 4, maxChunksPerDocument: 1 });
    const count = (t: string) => embedder.countTokens(t);
    const all = await assembleContext(corpus.collection, hits, { maxTokens: 100_000 }, count);
    expect(all.passages.length).toBeGreaterThanOrEqual(3);
    expect(all.tokens).toBe(count(all.text));
    // A budget of exactly the first two passages keeps two; one token less keeps one; too small for any keeps none.
    const firstTwo = all.text.split('\n\n[3]')[0]!;
    const two = await assembleContext(corpus.collection, hits, { maxTokens: count(firstTwo) }, count);
    expect(two.passages.map((p) => p.docId)).toEqual(all.passages.slice(0, 2).map((p) => p.docId));
    expect(two.text).toBe(firstTwo);
    expect(two.tokens).toBe(count(firstTwo));
    const one = await assembleContext(corpus.collection, hits, { maxTokens: count(firstTwo) - 1 }, count);
    expect(one.passages).toHaveLength(1);
    expect(one.tokens).toBeLessThanOrEqual(count(firstTwo) - 1);
    const none = await assembleContext(corpus.collection, hits, { maxTokens: 1 }, count);
    expect(none).toEqual({ passages: [], text: '', tokens: 0 });
  });

  test('without a tokenizer, tokens are whitespace words × 1.3, rounded up', async () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens(' one  two\nthree ')).toBe(4);
    expect(estimateTokens('a b c d e f g h i j')).toBe(13);
    const ctx = await assembleContext(corpus.collection, [await hit(lightId(0))]);
    expect(ctx.tokens).toBe(estimateTokens(ctx.text));
  });

  test('bad options fail with INVALID_ARGUMENT naming them', async () => {
    let err = await expectCode(assembleContext(corpus.collection, [], { neighbours: -1 }), 'INVALID_ARGUMENT');
    expect(err.details.field).toBe('neighbours');
    err = await expectCode(assembleContext(corpus.collection, [], { maxTokens: 0 }), 'INVALID_ARGUMENT');
    expect(err.details.field).toBe('maxTokens');
    expect(await assembleContext(corpus.collection, [])).toEqual({ passages: [], text: '', tokens: 0 });
  });
});
