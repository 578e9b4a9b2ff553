/**
 * LCEL end to end: retriever → format → prompt → LangChain's fake chat models, with QuiverVectorStore's
 * `asRetriever` and with QuiverRetriever over the real Retriever and a collection written by `quiver ingest`.
 * The fake models are real LangChain chat models that echo their prompt (FakeChatModel) or answer from a list
 * (FakeListChatModel), so the tests see exactly which documents reached the prompt.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { BaseMessage } from '@langchain/core/messages';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { FakeChatModel, FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { chunkCollectionSchema } from '../../src/ingest/chunk-rows.js';
import { ingest } from '../../src/ingest/ingest.js';
import { QuiverEmbeddings } from '../../src/langchain/embeddings.js';
import { QuiverRetriever } from '../../src/langchain/retriever.js';
import { QuiverVectorStore } from '../../src/langchain/vector-store.js';
import { Retriever } from '../../src/retrieve/retriever.js';
import type { Collection } from '../../src/store/collection/collection.js';
import { Quiver } from '../../src/store/quiver.js';
import { testEmbedder } from '../helpers/model.js';
import { writeSources } from '../ingest/fixtures.js';

const DOCS = [
  new Document({
    id: 'cats',
    pageContent: 'Cats are small furry pets that purr.',
    metadata: { source: 'pets.md' },
  }),
  new Document({
    id: 'dogs',
    pageContent: 'Dogs bark and fetch sticks.',
    metadata: { source: 'pets.md' },
  }),
  new Document({
    id: 'stocks',
    pageContent: 'The stock market fell as investors sold shares.',
    metadata: { source: 'news.md' },
  }),
  new Document({
    id: 'rocket',
    pageContent: 'The rocket launched a satellite into orbit.',
    metadata: { source: 'space.md' },
  }),
];

let embedder: TransformersEmbedder;
let dir: string;
let db: Quiver;
let store: QuiverVectorStore;
let chunks: Collection;

beforeAll(async () => {
  embedder = await testEmbedder();
  dir = await mkdtemp(join(tmpdir(), 'quiver-lcel-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  store = await QuiverVectorStore.fromDocuments(DOCS, new QuiverEmbeddings(embedder), { db, collectionName: 'notes' });
  await writeSources(join(dir, 'src'));
  chunks = await db.createCollection(
    'chunks',
    chunkCollectionSchema({ dimension: embedder.dimension, modelId: embedder.modelId }),
  );
  await ingest({ collection: chunks, embedder, paths: [join(dir, 'src')] });
});
afterAll(async () => {
  await db.close();
  await embedder.dispose();
  await rm(dir, { recursive: true, force: true });
});

const context = (docs: DocumentInterface[]) => docs.map((d) => `[${d.id}] ${d.pageContent}`).join('\n');
const formatDocs = (docs: DocumentInterface[]) => ({ context: context(docs) });
const prompt = ChatPromptTemplate.fromTemplate('Answer from this context only:\n{context}');
const text = (m: BaseMessage) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content));

describe('QuiverVectorStore.asRetriever in a chain', () => {
  test('retriever.pipe(formatDocs).pipe(prompt).pipe(model): the filtered documents reach the prompt', async () => {
    const chain = store
      .asRetriever({ k: 2, filter: 'source == "pets.md"' })
      .pipe(formatDocs)
      .pipe(prompt)
      .pipe(new FakeChatModel({}));
    const out = text(await chain.invoke('which pets purr?'));
    // FakeChatModel answers with its prompt: exactly the two pets documents, the nearer one first.
    expect(out).toBe(
      'Answer from this context only:\n[cats] Cats are small furry pets that purr.\n[dogs] Dogs bark and fetch sticks.',
    );
  });

  test('a question-answering chain: captured prompt holds context and question; the answer is the model output', async () => {
    const model = new FakeListChatModel({ responses: ['Cats purr [cats].'] });
    const qa = ChatPromptTemplate.fromMessages([
      ['system', 'Answer using only this context:\n{context}'],
      ['human', '{question}'],
    ]);
    const chain = RunnableSequence.from([
      { context: store.asRetriever(1).pipe(context), question: new RunnablePassthrough() },
      qa,
      model,
      new StringOutputParser(),
    ]);
    let seen: BaseMessage[][] = [];
    const answer = await chain.invoke('space launch', {
      callbacks: [
        {
          handleChatModelStart: (_llm, messages) => {
            seen = messages;
          },
        },
      ],
    });
    await awaitAllCallbacks();
    expect(answer).toBe('Cats purr [cats].');
    expect(seen[0]!.map(text)).toEqual([
      'Answer using only this context:\n[rocket] The rocket launched a satellite into orbit.',
      'space launch',
    ]);
  });
});

describe('QuiverRetriever over the real Retriever in a chain', () => {
  test('the chunks the Retriever ranks reach the prompt, in its order', async () => {
    const base = new Retriever({ collection: chunks, embedder });
    const options = { k: 2, mode: 'bm25' as const, filter: 'source like "%faq.jsonl"' };
    const expected = await base.retrieve('hnsw or bm25?', options);
    expect(expected.map((c) => c.title).sort()).toEqual(['What is BM25?', 'What is HNSW?']);

    const chain = new QuiverRetriever({ retriever: base, ...options })
      .pipe(formatDocs)
      .pipe(prompt)
      .pipe(new FakeChatModel({}));
    const out = text(await chain.invoke('hnsw or bm25?'));
    expect(out).toBe(`Answer from this context only:\n${expected.map((c) => `[${c.id}] ${c.text}`).join('\n')}`);
  });
});
