/**
 * Errors cross the LangChain boundary unchanged: a bad filter reaches the LangChain caller as Quiver's own
 * QuiverError (same code, same details.position), whether it is called directly, as a retriever, or from
 * inside an LCEL chain, for both QuiverVectorStore and QuiverRetriever.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document } from '@langchain/core/documents';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { FakeChatModel } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { QuiverError } from '../../src/errors.js';
import { chunkCollectionSchema } from '../../src/ingest/chunk-rows.js';
import { ingest } from '../../src/ingest/ingest.js';
import { QuiverEmbeddings } from '../../src/langchain/embeddings.js';
import { QuiverRetriever } from '../../src/langchain/retriever.js';
import { QuiverVectorStore } from '../../src/langchain/vector-store.js';
import { Retriever } from '../../src/retrieve/retriever.js';
import { Quiver } from '../../src/store/quiver.js';
import { expectCode } from '../helpers/errors.js';
import { testEmbedder } from '../helpers/model.js';
import { writeSources } from '../ingest/fixtures.js';

let embedder: TransformersEmbedder;
let dir: string;
let db: Quiver;
let store: QuiverVectorStore;
let retriever: Retriever;

beforeAll(async () => {
  embedder = await testEmbedder();
  dir = await mkdtemp(join(tmpdir(), 'quiver-lc-errors-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  store = await QuiverVectorStore.fromDocuments(
    [new Document({ id: 'a', pageContent: 'Filters are data.', metadata: { source: 'a.md' } })],
    new QuiverEmbeddings(embedder),
    { db, collectionName: 'notes' },
  );
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

// Queries use real words: the Retriever skips a dense search (and so its filter) for an all-unknown-words query.
// Unbalanced: the parser stops at the end of the input.
const SYNTAX = 'source == "a.md" and (';
// Parses, but compares the string field `text` with a number, at the `42`.
const TYPE = 'source == "a.md" and text == 42';

/** The error is the QuiverError itself: not wrapped, not re-created, and it points into the expression. */
function expectFilterError(err: QuiverError, code: string, position: number) {
  expect(err).toBeInstanceOf(QuiverError);
  expect(err.code).toBe(code);
  expect(err.details.position).toBe(position);
  expect(err.details.excerpt).toContain('^');
  expect(err.cause).toBeUndefined();
}

const prompt = ChatPromptTemplate.fromTemplate('{context}');
const formatDocs = (docs: { pageContent: string }[]) => ({ context: docs.map((d) => d.pageContent).join('\n') });

describe('QuiverVectorStore', () => {
  test('similaritySearch, MMR, delete and asRetriever().invoke reject with the parser QuiverError', async () => {
    expectFilterError(
      await expectCode(store.similaritySearch('how do filters work', 4, SYNTAX), 'FILTER_SYNTAX'),
      'FILTER_SYNTAX',
      22,
    );
    expectFilterError(
      await expectCode(store.similaritySearchWithScore('how do filters work', 4, { expr: TYPE }), 'FILTER_TYPE'),
      'FILTER_TYPE',
      29,
    );
    expectFilterError(
      await expectCode(
        store.maxMarginalRelevanceSearch('how do filters work', { k: 1, filter: SYNTAX }, undefined),
        'FILTER_SYNTAX',
      ),
      'FILTER_SYNTAX',
      22,
    );
    expectFilterError(await expectCode(store.delete({ filter: TYPE }), 'FILTER_TYPE'), 'FILTER_TYPE', 29);
    expectFilterError(
      await expectCode(store.asRetriever({ filter: SYNTAX }).invoke('how do filters work'), 'FILTER_SYNTAX'),
      'FILTER_SYNTAX',
      22,
    );
    expect(await store.collection.count()).toBe(1);
  });

  test('inside an LCEL chain', async () => {
    const chain = store.asRetriever({ filter: TYPE }).pipe(formatDocs).pipe(prompt).pipe(new FakeChatModel({}));
    expectFilterError(await expectCode(chain.invoke('how do filters work'), 'FILTER_TYPE'), 'FILTER_TYPE', 29);
  });

  test('a missing template param and a query vector of the wrong length keep their codes', async () => {
    await expectCode(store.similaritySearch('how do filters work', 4, { expr: 'source == {s}' }), 'FILTER_PARAM');
    const err = await expectCode(store.similaritySearchVectorWithScore([1, 2, 3], 1), 'DIMENSION_MISMATCH');
    expect(err.details).toMatchObject({ expected: embedder.dimension, received: 3 });
  });
});

describe('QuiverRetriever', () => {
  test('invoke rejects with the Retriever QuiverError', async () => {
    const qr = new QuiverRetriever({ retriever, k: 2, filter: SYNTAX });
    expectFilterError(await expectCode(qr.invoke('how do filters work'), 'FILTER_SYNTAX'), 'FILTER_SYNTAX', 22);
    const dense = new QuiverRetriever({ retriever, mode: 'dense', filter: 'chunk_index == "x"' });
    expectFilterError(await expectCode(dense.invoke('how do filters work'), 'FILTER_TYPE'), 'FILTER_TYPE', 15);
  });

  test('a text_match on a field without a full-text index, and one without words, point at the argument', async () => {
    // `source` is a plain string field in chunk collections; `text` is full-text.
    const notFullText = new QuiverRetriever({ retriever, filter: 'text_match(source, "a")' });
    expectFilterError(await expectCode(notFullText.invoke('how do filters work'), 'FILTER_TYPE'), 'FILTER_TYPE', 11);
    const notText = new QuiverRetriever({ retriever, filter: 'text_match(text, 7)' });
    expectFilterError(await expectCode(notText.invoke('how do filters work'), 'FILTER_TYPE'), 'FILTER_TYPE', 17);
    const ok = new QuiverRetriever({ retriever, k: 3, filter: 'text_match(text, "filters")' });
    const docs = await ok.invoke('how do filters work');
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.every((d) => /filter/i.test(d.pageContent))).toBe(true);
  });

  test('inside an LCEL chain', async () => {
    const chain = new QuiverRetriever({ retriever, filter: SYNTAX })
      .pipe(formatDocs)
      .pipe(prompt)
      .pipe(new FakeChatModel({}));
    expectFilterError(await expectCode(chain.invoke('how do filters work'), 'FILTER_SYNTAX'), 'FILTER_SYNTAX', 22);
  });
});
