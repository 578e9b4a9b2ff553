/**
 * QuiverRetriever over the real Retriever and a collection written by `quiver ingest`: every chunk becomes a
 * Document whose pageContent is the chunk text and whose metadata carries its source, scores and stored
 * fields, in the Retriever's order; the constructor's RetrieveOptions reach every call unchanged.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { chunkCollectionSchema } from '../../src/ingest/chunk-rows.js';
import { ingest } from '../../src/ingest/ingest.js';
import { QuiverEmbeddings } from '../../src/langchain/embeddings.js';
import { chunkDocument, QuiverRetriever } from '../../src/langchain/retriever.js';
import { QuiverVectorStore } from '../../src/langchain/vector-store.js';
import { Retriever } from '../../src/retrieve/retriever.js';
import type { ChunkRetriever, RetrievedChunk, RetrieveOptions } from '../../src/retrieve/types.js';
import { Quiver } from '../../src/store/quiver.js';
import { testEmbedder } from '../helpers/model.js';
import { writeSources } from '../ingest/fixtures.js';

let embedder: TransformersEmbedder;
let dir: string;
let db: Quiver;
let retriever: Retriever;

beforeAll(async () => {
  embedder = await testEmbedder();
  dir = await mkdtemp(join(tmpdir(), 'quiver-lc-retriever-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  await writeSources(join(dir, 'src'));
  const chunks = await db.createCollection(
    'chunks',
    chunkCollectionSchema({ dimension: embedder.dimension, modelId: embedder.modelId }),
  );
  await ingest({ collection: chunks, embedder, paths: [join(dir, 'src')] });
  retriever = new Retriever({ collection: chunks, embedder });
});
afterAll(async () => {
  await db.close();
  await embedder.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('QuiverRetriever', () => {
  test('returns the Retriever chunks, in order, as Documents', async () => {
    const options: RetrieveOptions = { k: 4 };
    const expected = await retriever.retrieve('installing from npm', options);
    expect(expected).toHaveLength(4);
    const docs = await new QuiverRetriever({ retriever, ...options }).invoke('installing from npm');
    expect(docs.map((d) => d.id)).toEqual(expected.map((c) => c.id));
    docs.forEach((d, i) => {
      const c = expected[i]!;
      expect(d.pageContent).toBe(c.text);
      expect(d.metadata).toEqual({
        ...c.fields,
        id: c.id,
        docId: c.docId,
        source: c.source,
        title: c.title,
        chunkIndex: c.chunkIndex,
        score: c.score,
        scores: c.scores,
      });
    });
    // Hybrid by default: fused score plus the dense and BM25 scores that made it.
    expect(docs[0]!.metadata.scores).toHaveProperty('dense');
    expect(docs[0]!.metadata.source).toMatch(/install\.md$/);
    expect(docs[0]!.metadata).toHaveProperty('doc_hash');
    expect(docs[0]!.metadata).not.toHaveProperty('embedding');
  });

  test('k, mode and a templated filter reach the Retriever', async () => {
    const qr = new QuiverRetriever({
      retriever,
      k: 3,
      mode: 'bm25',
      filter: 'source like {p}',
      params: { p: '%faq.jsonl' },
    });
    // Each FAQ record is one chunk and names one of these terms: BM25 finds all three, and nothing else.
    const docs = await qr.invoke('hnsw bm25 segment');
    expect(docs.map((d) => d.metadata.title).sort()).toEqual(['What is BM25?', 'What is HNSW?', 'What is a segment?']);
    for (const d of docs) {
      expect(d.metadata.source).toMatch(/faq\.jsonl$/);
      expect(Object.keys(d.metadata.scores)).toEqual(['bm25']);
    }
  });

  test('passes its options to any ChunkRetriever, and keeps LangChain fields apart from them', async () => {
    const calls: [string, RetrieveOptions | undefined][] = [];
    const recorder: ChunkRetriever = {
      retrieve: async (query, options) => {
        calls.push([query, options]);
        return [];
      },
    };
    const qr = new QuiverRetriever({ retriever: recorder, k: 2, mode: 'dense', tags: ['docs'], verbose: false });
    expect(await qr.invoke('q')).toEqual([]);
    expect(calls).toEqual([['q', { k: 2, mode: 'dense' }]]);
    expect(qr.tags).toEqual(['docs']);
  });

  test('hybrid retrieval also works over a collection QuiverVectorStore created (its text is full-text indexed)', async () => {
    const store = await QuiverVectorStore.fromTexts(
      ['Cats purr on the sofa.', 'Dogs fetch sticks.', 'Rockets reach orbit.'],
      [{ source: 'pets.md' }, { source: 'pets.md' }, { source: 'space.md' }],
      new QuiverEmbeddings(embedder),
      { db, collectionName: 'notes', ids: ['cats', 'dogs', 'rocket'] },
    );
    const qr = new QuiverRetriever({
      retriever: new Retriever({ collection: store.collection, embedder }),
      k: 2,
      filter: 'source == "pets.md"',
    });
    const docs = await qr.invoke('cats purr');
    expect(docs.map((d) => d.id)).toEqual(['cats', 'dogs']);
    expect(docs[0]!.metadata).toMatchObject({
      source: 'pets.md',
      scores: { dense: expect.any(Number), bm25: expect.any(Number) },
    });
  });
});

test('chunkDocument: the named keys win over a stored field of the same name', () => {
  const chunk: RetrievedChunk = {
    id: 'd:0',
    text: 'body',
    docId: 'd',
    source: 'a.md',
    title: 'A',
    chunkIndex: 0,
    score: 0.5,
    scores: { dense: 0.5 },
    fields: { source: 'stale', page: 3 },
  };
  expect(chunkDocument(chunk)).toMatchObject({
    id: 'd:0',
    pageContent: 'body',
    metadata: { source: 'a.md', page: 3, docId: 'd', score: 0.5, scores: { dense: 0.5 } },
  });
});
