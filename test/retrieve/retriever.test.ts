/**
 * The Retriever end to end over a real ingested corpus, the real default embedder and a real store: each
 * mode's ranking matches the store's own search, scores are reported per method, filters narrow results and
 * a bad filter's error reaches the caller untouched, the per-document cap, MMR and reranking change the
 * ranking in the ways they promise, and call options override the defaults.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { QuiverError } from '../../src/errors.js';
import { Retriever } from '../../src/retrieve/retriever.js';
import type { Reranker } from '../../src/retrieve/types.js';
import { Quiver } from '../../src/store/quiver.js';
import { expectCode } from '../helpers/errors.js';
import { testEmbedder } from '../helpers/model.js';
import { type Corpus, ingestCorpus } from './corpus.js';

let embedder: TransformersEmbedder;
let corpus: Corpus;

beforeAll(async () => {
  embedder = await testEmbedder();
  corpus = await ingestCorpus(embedder);
});
afterAll(async () => {
  await corpus?.close();
  await embedder?.dispose();
});

/** The real embedder, counting its query embeddings. */
function counting(inner: Embedder): Embedder & { queries: number } {
  const e = {
    queries: 0,
    dimension: inner.dimension,
    modelId: inner.modelId,
    maxTokens: inner.maxTokens,
    embedDocuments: (texts: string[]) => inner.embedDocuments(texts),
    embedQuery: (text: string) => {
      e.queries++;
      return inner.embedQuery(text);
    },
    dispose: async () => {},
  };
  return e;
}

/**
 * A deterministic reranker for the interface: a passage scores the number of times it contains `word`.
 * It records what it was asked to score.
 */
class KeywordReranker implements Reranker {
  readonly modelId = 'keyword';
  calls: string[][] = [];
  constructor(private readonly word: string) {}
  async score(_query: string, passages: string[]): Promise<number[]> {
    this.calls.push(passages);
    return passages.map((p) => p.toLowerCase().split(this.word).length - 1);
  }
  async dispose(): Promise<void> {}
}

const retriever = (extra: Partial<ConstructorParameters<typeof Retriever>[0]> = {}) =>
  new Retriever({ collection: corpus.collection, embedder, ...extra });

describe('modes', () => {
  test('hybrid ranks as the store’s hybrid search does, with fused, dense and BM25 scores', async () => {
    const q = 'how do cats groom their fur';
    const chunks = await retriever().retrieve(q, { k: 5 });
    const { hits } = await corpus.collection.hybridSearch({
      requests: [{ vector: await embedder.embedQuery(q) }, { text: q, field: 'text', boosts: { title: 0.2 } }],
      k: 5,
      limit: 50,
    });
    expect(chunks.map((c) => c.id)).toEqual(hits.map((h) => h.id));
    expect(chunks.map((c) => c.score)).toEqual(hits.map((h) => h.score));
    const top = chunks[0]!;
    expect([corpus.docId('cats.txt'), corpus.docId('copy.txt')]).toContain(top.docId);
    expect(top.text).toContain('grooming their fur');
    expect(top.scores.dense).toBeGreaterThan(0.3);
    expect(top.scores.bm25).toBeGreaterThan(0);
    // The default (adaptive) fusion min-max normalizes each list: BM25 weighs 1, dense at most 0.5.
    expect(top.score).toBeGreaterThan(0);
    expect(top.score).toBeLessThanOrEqual(1.5);
  });

  test('a chunk carries its source and position, and every other stored field apart from the vector', async () => {
    const [c] = await retriever().retrieve('whiskers judge a gap', {
      k: 1,
      filter: 'doc_id == {d}',
      params: { d: corpus.docId('cats.txt') },
    });
    expect(c).toMatchObject({
      docId: corpus.docId('cats.txt'),
      source: corpus.docId('cats.txt'),
      title: 'cats',
      chunkIndex: expect.any(Number),
    });
    expect(c!.id).toBe(`${c!.docId}:${c!.chunkIndex}`);
    expect(c!.text).toContain('whiskers');
    expect(Object.keys(c!.fields).sort()).toEqual(
      ['chunk_count', 'doc_hash', 'end', 'headings', 'metadata', 'mtime', 'page', 'start', 'type'].sort(),
    );
  });

  test('dense ranks by cosine similarity alone, as a vector search does', async () => {
    const q = 'an animal with a keen sense of smell';
    const chunks = await retriever().retrieve(q, { mode: 'dense', k: 4 });
    const { hits } = await corpus.collection.search({ vector: await embedder.embedQuery(q), k: 4 });
    expect(chunks.map((c) => c.id)).toEqual(hits.map((h) => h.id));
    for (const c of chunks) {
      expect(c.scores).toEqual({ dense: c.score });
    }
    expect(chunks[0]!.docId).toBe(corpus.docId('dogs.txt'));
  });

  test('BM25 adds the full-text title field at weight 0.2 by default, or the boosts it is given', async () => {
    const q = 'dogs cats fur';
    const ranked = async (boosts?: Record<string, number>) =>
      (await corpus.collection.search({ text: q, field: 'text', k: 8, boosts })).hits;
    const byDefault = await retriever().retrieve(q, { mode: 'bm25', k: 8 });
    expect(byDefault.map((c) => c.score)).toEqual((await ranked({ title: 0.2 })).map((h) => h.score));
    const plain = await new Retriever({ collection: corpus.collection, embedder, textBoosts: {} }).retrieve(q, {
      mode: 'bm25',
      k: 8,
    });
    expect(plain.map((c) => c.score)).toEqual((await ranked()).map((h) => h.score));
    expect(plain.map((c) => c.score)).not.toEqual(byDefault.map((c) => c.score));
  });

  test('bm25 matches a rare exact term and never embeds the query', async () => {
    const e = counting(embedder);
    const chunks = await retriever({ embedder: e }).retrieve('XQ4471', { mode: 'bm25', k: 3 });
    expect(e.queries).toBe(0);
    // Only one chunk holds the term.
    expect(chunks.map((c) => c.docId)).toEqual([corpus.docId('parts.txt')]);
    expect(chunks[0]!.scores).toEqual({ bm25: chunks[0]!.score });
  });

  test('a query the embedder has no vector for (unknown words) falls back to BM25 in hybrid, finds nothing dense', async () => {
    // A word-level model (glove-sif) embeds a part number it never saw to the zero vector; so does this one.
    const wordLevel: Embedder = {
      dimension: embedder.dimension,
      modelId: embedder.modelId,
      maxTokens: embedder.maxTokens,
      embedDocuments: (texts) => embedder.embedDocuments(texts),
      embedQuery: async () => new Float32Array(embedder.dimension),
      dispose: async () => {},
    };
    const e = counting(wordLevel);
    const hybrid = await retriever({ embedder: e }).retrieve('XQ4471', { k: 3 });
    expect(e.queries).toBe(1);
    expect(hybrid.map((c) => c.docId)).toEqual([corpus.docId('parts.txt')]);
    expect(Object.keys(hybrid[0]!.scores)).toEqual(['bm25']);
    expect(hybrid[0]!.score).toBe(1); // the BM25 list alone, min-max normalized: its best hit scores 1
    expect(await retriever({ embedder: wordLevel }).retrieve('XQ4471', { mode: 'dense' })).toEqual([]);
    // ...but its filter is still checked, as any other query's would be.
    const bad = await expectCode(
      retriever({ embedder: wordLevel }).retrieve('XQ4471', { mode: 'dense', filter: 'doc_id = "x"' }),
      'FILTER_SYNTAX',
    );
    expect(bad.details.position).toBe(7);
    // Weights given for the two lists still fit the one that is left.
    const weighted = await retriever({ embedder: wordLevel }).retrieve('XQ4471', {
      fusion: { method: 'weighted', weights: [0.7, 0.3] },
    });
    expect(weighted.map((c) => c.docId)).toEqual([corpus.docId('parts.txt')]);
  });
});

describe('filters', () => {
  test('a filter with params narrows every mode to the matching chunks', async () => {
    for (const mode of ['hybrid', 'dense', 'bm25'] as const) {
      const chunks = await retriever().retrieve('cats and dogs', {
        mode,
        k: 10,
        filter: 'source like {pattern}',
        params: { pattern: '%dogs.txt' },
      });
      expect(chunks.length).toBeGreaterThan(0);
      expect(new Set(chunks.map((c) => c.docId))).toEqual(new Set([corpus.docId('dogs.txt')]));
    }
  });

  test('a bad filter reaches the caller as the store’s QuiverError, position included', async () => {
    const err = await retriever()
      .retrieve('cats', { filter: 'doc_id = "x"' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuiverError);
    expect((err as QuiverError).code).toBe('FILTER_SYNTAX');
    expect((err as QuiverError).details.position).toBe(7);
    // A filter naming a field the schema lacks fails the same way in every mode.
    const bm25 = await retriever()
      .retrieve('cats', { mode: 'bm25', filter: 'colour == "red"' })
      .catch((e: unknown) => e);
    expect(bm25).toBeInstanceOf(QuiverError);
    expect((bm25 as QuiverError).code).toBe('FIELD_NOT_FOUND');
    expect((bm25 as QuiverError).details.position).toBe(0);
  });

  test('an unknown partition fails with PARTITION_NOT_FOUND', async () => {
    await expectCode(retriever().retrieve('cats', { partitions: ['nope'] }), 'PARTITION_NOT_FOUND');
  });
});

describe('grouping, MMR and reranking', () => {
  test('maxChunksPerDocument caps each document and still fills k from the rest', async () => {
    const q = 'cats grooming whiskers kittens sleep';
    const plain = await retriever().retrieve(q, { k: 6 });
    const perDoc = (cs: { docId: string }[]) =>
      Math.max(...[...new Set(cs.map((c) => c.docId))].map((d) => cs.filter((c) => c.docId === d).length));
    expect(perDoc(plain)).toBeGreaterThan(1);
    const capped = await retriever().retrieve(q, { k: 4, maxChunksPerDocument: 1 });
    expect(capped).toHaveLength(4);
    expect(new Set(capped.map((c) => c.docId)).size).toBe(4);
    const two = await retriever().retrieve(q, { k: 6, maxChunksPerDocument: 2 });
    expect(two).toHaveLength(6);
    expect(perDoc(two)).toBe(2);
    // The cap keeps each document's best chunks: the capped list is the plain ranking with extras skipped.
    const full = await retriever().retrieve(q, { k: 50 });
    const seen = new Map<string, number>();
    const expected = full.filter((c) => {
      const n = (seen.get(c.docId) ?? 0) + 1;
      seen.set(c.docId, n);
      return n <= 2;
    });
    expect(two.map((c) => c.id)).toEqual(expected.slice(0, 6).map((c) => c.id));
  });

  test('MMR pushes the word-for-word copy of the first hit down; λ = 1 changes nothing', async () => {
    const q = 'cats grooming their fur with rough tongues';
    const plain = await retriever().retrieve(q, { mode: 'dense', k: 4 });
    // The copy has the same text and vector, so it ranks right beside the original.
    expect(plain[1]!.text).toBe(plain[0]!.text);
    const same = await retriever().retrieve(q, { mode: 'dense', k: 4, mmr: { lambda: 1 } });
    expect(same.map((c) => c.id)).toEqual(plain.map((c) => c.id));
    const diverse = await retriever().retrieve(q, { mode: 'dense', k: 4, mmr: { lambda: 0.5 } });
    expect(diverse[0]!.id).toBe(plain[0]!.id);
    const texts = diverse.map((c) => c.text);
    expect(new Set(texts).size).toBe(texts.length);
    // Scores stay the search's own; vectors fetched for MMR are not returned.
    expect(diverse[0]!.score).toBe(plain[0]!.score);
    expect(diverse[0]!.fields.embedding).toBeUndefined();
    // Fused and BM25 scores are min-max normalized for MMR. Both are peaked (the two copies at the top, the rest
    // well below), so it takes a λ under 0.5 to move the copy off second place.
    const copyRank = (cs: { text: string }[]) => cs.findIndex((c, i) => i > 0 && c.text === cs[0]!.text);
    const hybridPlain = await retriever().retrieve(q, { k: 5 });
    expect(copyRank(hybridPlain)).toBe(1);
    expect(copyRank(await retriever().retrieve(q, { k: 5, mmr: {} }))).toBe(1);
    const moved = copyRank(await retriever().retrieve(q, { k: 5, mmr: { lambda: 0.2 } }));
    expect(moved === -1 || moved > 1, `copy at ${moved}`).toBe(true); // -1: pushed out of the top 5
    expect(copyRank(await retriever().retrieve(q, { mode: 'bm25', k: 5 }))).toBe(1);
    expect(copyRank(await retriever().retrieve(q, { mode: 'bm25', k: 5, mmr: { lambda: 0.2 } }))).toBeGreaterThan(2);
  });

  test('a reranker reorders the best candidates by its own score', async () => {
    const reranker = new KeywordReranker('whiskers');
    const q = 'what do cats do all day';
    const chunks = await retriever({ reranker }).retrieve(q, { k: 5, rerankDepth: 12 });
    const fused = await retriever().retrieve(q, { k: 12 });
    // It saw the 12 best fused chunks, once.
    expect(reranker.calls).toEqual([fused.map((c) => c.text)]);
    const withWord = fused.filter((c) => c.text.includes('whiskers'));
    expect(withWord.length).toBeGreaterThan(0);
    expect(chunks[0]!.text).toContain('whiskers');
    expect(chunks[0]!.score).toBe(chunks[0]!.scores.rerank);
    expect(chunks[0]!.scores.rerank).toBeGreaterThanOrEqual(1);
    expect(chunks[0]!.scores.dense).toBeDefined();
    expect(chunks.map((c) => c.score)).toEqual([...chunks.map((c) => c.score)].sort((a, b) => b - a));
    // Every chunk with the word comes first; equal rerank scores keep the fused order.
    const expected = [...fused]
      .map((c, i) => ({ id: c.id, i, s: c.text.toLowerCase().split('whiskers').length - 1 }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .map((x) => x.id);
    expect(chunks.map((c) => c.id)).toEqual(expected.slice(0, 5));
  });

  test('the reranker sees the list after grouping, and rerank: false skips it', async () => {
    const reranker = new KeywordReranker('whiskers');
    const q = 'what do cats do all day';
    const grouped = await retriever().retrieve(q, { k: 10, maxChunksPerDocument: 1 });
    await retriever({ reranker }).retrieve(q, { k: 3, maxChunksPerDocument: 1, rerankDepth: 10 });
    expect(reranker.calls).toEqual([grouped.map((c) => c.text)]);
    const skipped = await retriever({ reranker }).retrieve(q, { k: 3, maxChunksPerDocument: 1, rerank: false });
    expect(skipped.map((c) => c.id)).toEqual(grouped.slice(0, 3).map((c) => c.id));
    expect(skipped[0]!.scores.rerank).toBeUndefined();
    expect(reranker.calls).toHaveLength(1);
  });

  test('a reranker that returns the wrong number of scores fails loudly', async () => {
    const broken: Reranker = { modelId: 'broken', score: async () => [1], dispose: async () => {} };
    await expectCode(retriever({ reranker: broken }).retrieve('cats', { k: 3 }), 'INTERNAL');
  });
});

describe('options', () => {
  test('constructor defaults apply, and call options override them key by key', async () => {
    const r = retriever({ defaults: { k: 2, mode: 'dense' } });
    const two = await r.retrieve('sailing upwind');
    expect(two).toHaveLength(2);
    expect(two[0]!.scores.bm25).toBeUndefined();
    const three = await r.retrieve('sailing upwind', { k: 3 });
    expect(three).toHaveLength(3);
    expect(three[0]!.scores.bm25).toBeUndefined();
    expect(three[0]!.docId).toBe(corpus.docId('sailing.txt'));
  });

  test('invalid options fail with INVALID_ARGUMENT naming the option, before the query is embedded', async () => {
    const e = counting(embedder);
    const err = await expectCode(retriever({ embedder: e }).retrieve('cats', { k: 0 }), 'INVALID_ARGUMENT');
    expect(err.details.field).toBe('k');
    const mmrErr = await expectCode(
      retriever({ embedder: e }).retrieve('cats', { mmr: { lambda: -1 } }),
      'INVALID_ARGUMENT',
    );
    expect(mmrErr.details.field).toBe('mmr.lambda');
    expect(e.queries).toBe(0);
  });
});

describe('collections without a full-text text field', () => {
  test('hybrid and BM25 fail with INCOMPATIBLE and say what to do; dense still works', async () => {
    const db = await Quiver.open({ memory: true });
    const old = await db.createCollection('old', {
      fields: [
        { name: 'id', type: 'string', primary: true },
        { name: 'embedding', type: 'vector', dim: embedder.dimension, metric: 'cosine' },
        { name: 'text', type: 'string' },
        { name: 'doc_id', type: 'string' },
      ],
    });
    await old.insert([{ id: 'a:0', embedding: await embedder.embedQuery('cats'), text: 'cats', doc_id: 'a' }]);
    const r = new Retriever({ collection: old, embedder });
    for (const mode of ['hybrid', 'bm25'] as const) {
      const err = await expectCode(r.retrieve('cats', { mode }), 'INCOMPATIBLE');
      expect(err.message).toMatch(/no full-text index on "text".*ingest into a new collection, or use mode "dense"/);
    }
    expect((await r.retrieve('cats', { mode: 'dense' })).map((c) => c.id)).toEqual(['a:0']);
    await db.close();
  });
});
