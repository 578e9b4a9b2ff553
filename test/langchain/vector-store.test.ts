/**
 * The QuiverVectorStore contract: every VectorStore method the adapter claims, over a real embedded store in a
 * temp folder and the real offline embedder, on both schemas it supports (its own dynamic one, and a collection
 * written by `quiver ingest`). Expected rankings are computed from the embedder's own vectors, so they hold for
 * whatever model the test embedder is, and hand-made vectors pin down scores exactly.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document } from '@langchain/core/documents';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { chunkCollectionSchema } from '../../src/ingest/chunk-rows.js';
import { ingest } from '../../src/ingest/ingest.js';
import { QuiverEmbeddings } from '../../src/langchain/embeddings.js';
import { QuiverVectorStore } from '../../src/langchain/vector-store.js';
import { Quiver } from '../../src/store/quiver.js';
import { expectCode } from '../helpers/errors.js';
import { testEmbedder } from '../helpers/model.js';
import { writeSources } from '../ingest/fixtures.js';

const DOCS = [
  {
    id: 'cats',
    pageContent: 'Cats are small furry pets that purr and sleep all day.',
    metadata: { source: 'pets.md', topic: 'animals', year: 2021 },
  },
  {
    id: 'cats2',
    pageContent: 'Cats are small furry pets that purr and sleep most of the day.',
    metadata: { source: 'pets.md', topic: 'animals', year: 2020 },
  },
  {
    id: 'dogs',
    pageContent: 'Dogs bark loudly and love to fetch sticks in the park.',
    metadata: { source: 'pets.md', topic: 'animals', year: 2019 },
  },
  {
    id: 'stocks',
    pageContent: 'The stock market fell sharply as investors sold shares.',
    metadata: { source: 'news.md', topic: 'finance', year: 2023 },
  },
  {
    id: 'pasta',
    pageContent: 'Cook the pasta in salted water and serve with tomato sauce.',
    metadata: { source: 'food.md', topic: 'cooking', year: 2022 },
  },
  {
    id: 'rocket',
    pageContent: 'The rocket launched a satellite into orbit around the earth.',
    metadata: { source: 'space.md', topic: 'science', year: 2024, tags: ['space', 'launch'] },
  },
].map((d) => new Document<Record<string, unknown>>(d));

let embedder: TransformersEmbedder;
let embeddings: QuiverEmbeddings;
let dir: string;
let db: Quiver;
let store: QuiverVectorStore;

beforeAll(async () => {
  embedder = await testEmbedder();
  embeddings = new QuiverEmbeddings(embedder);
});
afterAll(async () => {
  await embedder.dispose();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-langchain-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  store = await QuiverVectorStore.create(embeddings, { db, collectionName: 'lc' });
  await store.addDocuments(DOCS);
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const ids = (docs: { id?: string }[]) => docs.map((d) => d.id);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Ids of `docs` ranked by cosine to `query` under the embedder itself (its vectors are unit length). */
async function expectedRanking(query: string, docs = DOCS) {
  const q = await embedder.embedQuery(query);
  const v = await embedder.embedDocuments(docs.map((d) => d.pageContent));
  return docs.map((d, i) => ({ id: d.id, score: dot(q, v[i]!) })).sort((a, b) => b.score - a.score);
}

describe('addDocuments / addVectors', () => {
  test('keeps doc ids, takes options.ids over them, and generates UUIDs otherwise', async () => {
    const written = await store.addDocuments([
      new Document({ pageContent: 'Owls hunt at night.', metadata: { source: 'birds.md' } }),
      new Document({ id: 'ignored', pageContent: 'Penguins cannot fly.', metadata: {} }),
    ]);
    expect(written[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(written[1]).toBe('ignored');
    const named = await store.addDocuments([new Document({ id: 'ignored', pageContent: 'Emus run fast.' })], {
      ids: ['emu'],
    });
    expect(named).toEqual(['emu']);
    expect(await store.collection.count()).toBe(DOCS.length + 3);
    const [owl] = await store.getByIds([written[0]!]);
    expect(owl).toMatchObject({ id: written[0], pageContent: 'Owls hunt at night.', metadata: { source: 'birds.md' } });
  });

  test('an existing id is replaced (upsert), not duplicated', async () => {
    await store.addDocuments([new Document({ pageContent: 'Cats hate water.', metadata: { source: 'cats.md' } })], {
      ids: ['cats'],
    });
    expect(await store.collection.count()).toBe(DOCS.length);
    const [cats] = await store.getByIds(['cats']);
    expect(cats!.pageContent).toBe('Cats hate water.');
    expect(cats!.metadata).toEqual({ source: 'cats.md' });
  });

  test('addVectors stores the given vectors: scores are exact cosines, best first', async () => {
    const vec = await QuiverVectorStore.create(embeddings, { db, collectionName: 'vec', dimension: 3 });
    const written = await vec.addVectors(
      [
        [1, 0, 0],
        [0, 1, 0],
        [1, 1, 0],
      ],
      [
        new Document({ pageContent: 'x axis', metadata: { axis: 'x' } }),
        new Document({ pageContent: 'y axis', metadata: { axis: 'y' } }),
        new Document({ pageContent: 'diagonal', metadata: { axis: 'xy' } }),
      ],
      { ids: ['x', 'y', 'xy'] },
    );
    expect(written).toEqual(['x', 'y', 'xy']);
    const hits = await vec.similaritySearchVectorWithScore([2, 0, 0], 3);
    expect(hits.map(([d]) => d.id)).toEqual(['x', 'xy', 'y']);
    expect(hits.map(([, s]) => s)).toEqual([
      expect.closeTo(1, 6),
      expect.closeTo(Math.SQRT1_2, 6),
      expect.closeTo(0, 6),
    ]);
    expect(hits[0]![0]).toMatchObject({ pageContent: 'x axis', metadata: { axis: 'x' } });

    await vec.addVectors([[0, 0, 1]], [new Document({ pageContent: 'z axis' })], { ids: ['x'] });
    const [[top]] = (await vec.similaritySearchVectorWithScore([0, 0, 1], 1)) as [[Document, number]];
    expect(top).toMatchObject({ id: 'x', pageContent: 'z axis' });
    expect(await vec.collection.count()).toBe(3);
  });

  test('on an l2 collection scores are 1 / (1 + squared distance): still higher is better', async () => {
    const l2 = await QuiverVectorStore.create(embeddings, { db, collectionName: 'l2', dimension: 2, metric: 'l2' });
    await l2.addVectors(
      [
        [0, 0],
        [3, 4],
      ],
      [new Document({ pageContent: 'origin' }), new Document({ pageContent: 'far' })],
      { ids: ['o', 'f'] },
    );
    const hits = await l2.similaritySearchVectorWithScore([0, 1], 2);
    expect(hits.map(([d, s]) => [d.id, s])).toEqual([
      ['o', expect.closeTo(1 / (1 + 1), 6)],
      ['f', expect.closeTo(1 / (1 + 9 + 9), 6)],
    ]);
  });

  test('rejects mismatched lengths and metadata keys that collide with the schema', async () => {
    await expectCode(store.addVectors([[1]], []), 'INVALID_ARGUMENT');
    await expectCode(store.addDocuments(DOCS.slice(0, 2), { ids: ['one'] }), 'INVALID_ARGUMENT');
    const err = await expectCode(
      store.addDocuments([new Document({ pageContent: 'a', metadata: { text: 'b' } })]),
      'INVALID_ARGUMENT',
    );
    expect(err.details.field).toBe('text');
    expect(await store.collection.count()).toBe(DOCS.length);
  });

  test('an empty list writes nothing', async () => {
    expect(await store.addDocuments([])).toEqual([]);
    expect(await store.addVectors([], [])).toEqual([]);
  });
});

describe('similarity search', () => {
  test('similaritySearch returns the nearest documents, in the embedder own order, as Documents', async () => {
    const expected = await expectedRanking('which pets purr?');
    const docs = await store.similaritySearch('which pets purr?', 3);
    expect(ids(docs)).toEqual(expected.slice(0, 3).map((e) => e.id));
    expect(ids(docs)[0]).toMatch(/^cats2?$/);
    expect(ids(docs)).not.toContain('stocks');
    const rocket = (await store.similaritySearch('space launch', 1))[0]!;
    expect(rocket.id).toBe('rocket');
    expect(rocket.pageContent).toBe(DOCS[5]!.pageContent);
    // Metadata is the stored fields other than the key, the text and the vector.
    expect(rocket.metadata).toEqual(DOCS[5]!.metadata);
  });

  test('similaritySearchWithScore gives cosine similarities, highest first', async () => {
    const expected = await expectedRanking('shares and investors');
    const hits = await store.similaritySearchWithScore('shares and investors', DOCS.length);
    expect(hits.map(([d]) => d.id)).toEqual(expected.map((e) => e.id));
    hits.forEach(([, score], i) => {
      expect(score).toBeCloseTo(expected[i]!.score, 4);
    });
    expect(hits[0]![0].id).toBe('stocks');
  });

  test('similaritySearchVectorWithScore with a stored vector finds that document at similarity 1', async () => {
    const [pasta] = await embedder.embedDocuments([DOCS[4]!.pageContent]);
    const [[doc, score]] = (await store.similaritySearchVectorWithScore(Array.from(pasta!), 1)) as [[Document, number]];
    expect(doc.id).toBe('pasta');
    expect(score).toBeCloseTo(1, 5);
  });

  test('a filter expression restricts results to matching metadata, dynamic fields included', async () => {
    const pets = await store.similaritySearch('space launch', 10, 'source == "pets.md"');
    expect(ids(pets).sort()).toEqual(['cats', 'cats2', 'dogs']);
    const recent = await store.similaritySearch('which pets purr?', 10, 'year >= 2022');
    expect(ids(recent).sort()).toEqual(['pasta', 'rocket', 'stocks']);
    const tagged = await store.similaritySearch('anything', 10, 'json_contains(tags, "launch")');
    expect(ids(tagged)).toEqual(['rocket']);
    const templated = await store.similaritySearch('which pets purr?', 10, {
      expr: 'topic in {t} and year < {y}',
      params: { t: ['finance', 'animals'], y: 2021 },
    });
    expect(ids(templated).sort()).toEqual(['cats2', 'dogs']);
    expect(await store.similaritySearch('which pets purr?', 10, 'source == "none.md"')).toEqual([]);
  });
});

describe('maxMarginalRelevanceSearch', () => {
  test('trades a near-duplicate for a different document; lambda 1 is plain similarity', async () => {
    const similar = await store.similaritySearch('cats and dogs', 2);
    expect(ids(similar).sort()).toEqual(['cats', 'cats2']);
    const diverse = await store.maxMarginalRelevanceSearch(
      'cats and dogs',
      { k: 2, fetchK: 6, lambda: 0.5 },
      undefined,
    );
    // The second pick maximises 0.5 · sim(query, d) − 0.5 · sim(d, first pick), here computed by hand.
    const vectors = await embedder.embedDocuments(DOCS.map((d) => d.pageContent));
    const query = await embedder.embedQuery('cats and dogs');
    const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
    const first = DOCS.findIndex((d) => d.id === similar[0]!.id);
    const mmr = (i: number): number => 0.5 * dot(query, vectors[i]!) - 0.5 * dot(vectors[i]!, vectors[first]!);
    const others = [...DOCS.keys()].filter((i) => i !== first);
    const second = others.reduce((best, i) => (mmr(i) > mmr(best) ? i : best));
    expect(DOCS[second]!.id).not.toBe('cats2'); // the near-duplicate is traded away
    expect(ids(diverse)).toEqual([similar[0]!.id, DOCS[second]!.id]);
    const relevant = await store.maxMarginalRelevanceSearch('cats and dogs', { k: 2, fetchK: 6, lambda: 1 }, undefined);
    expect(ids(relevant)).toEqual(ids(similar));
    // Candidates carry their vectors only for the MMR step: the Documents do not.
    expect(diverse[1]!.metadata).toEqual(DOCS[second]!.metadata);
  });

  test('applies the filter before picking', async () => {
    const docs = await store.maxMarginalRelevanceSearch(
      'cats and dogs',
      { k: 3, fetchK: 6, filter: 'topic != "animals"' },
      undefined,
    );
    expect(ids(docs).sort()).toEqual(['pasta', 'rocket', 'stocks']);
  });
});

describe('delete', () => {
  test('by ids: the documents are gone from search and from get', async () => {
    await store.delete({ ids: ['cats', 'cats2'] });
    expect(await store.getByIds(['cats', 'cats2', 'dogs'])).toHaveLength(1);
    const docs = await store.similaritySearch('which pets purr?', DOCS.length);
    expect(ids(docs).sort()).toEqual(['dogs', 'pasta', 'rocket', 'stocks']);
  });

  test('by filter, plain or templated', async () => {
    await store.delete({ filter: 'source == "pets.md"' });
    expect(ids(await store.similaritySearch('which pets purr?', 10)).sort()).toEqual(['pasta', 'rocket', 'stocks']);
    await store.delete({ filter: { expr: 'year > {y}', params: { y: 2022 } } });
    expect(ids(await store.similaritySearch('which pets purr?', 10))).toEqual(['pasta']);
  });

  test('needs ids or a filter', async () => {
    await expectCode(store.delete(), 'INVALID_ARGUMENT');
    expect(await store.collection.count()).toBe(DOCS.length);
  });
});

describe('fromDocuments / fromTexts / create', () => {
  test('fromDocuments creates the collection and writes the documents with the given ids', async () => {
    const s = await QuiverVectorStore.fromDocuments(DOCS.slice(0, 3), embeddings, {
      db,
      collectionName: 'fromdocs',
      ids: ['a', 'b', 'c'],
    });
    expect(await db.hasCollection('fromdocs')).toBe(true);
    expect(ids(await s.similaritySearch('a dog playing fetch', 1))).toEqual(['c']);
  });

  test('fromDocuments over an open collection adds to it', async () => {
    const s = await QuiverVectorStore.fromDocuments(
      [new Document({ id: 'owl', pageContent: 'Owls hunt mice at night.' })],
      embeddings,
      { collection: store.collection },
    );
    expect(await s.collection.count()).toBe(DOCS.length + 1);
    expect((await s.similaritySearch('owls hunting mice', 1))[0]!.id).toBe('owl');
  });

  test('fromTexts takes one metadata object per text, or one for all', async () => {
    const perText = await QuiverVectorStore.fromTexts(
      ['Bread rises with yeast.', 'Glaciers carve valleys.'],
      [{ kind: 'food' }, { kind: 'geology' }],
      embeddings,
      { db, collectionName: 'texts' },
    );
    const [glacier] = await perText.similaritySearch('ice and valleys', 1, 'kind == "geology"');
    expect(glacier).toMatchObject({ pageContent: 'Glaciers carve valleys.', metadata: { kind: 'geology' } });
    const shared = await QuiverVectorStore.fromTexts(['one', 'two'], { batch: 7 }, embeddings, {
      db,
      collectionName: 'shared',
    });
    expect(await shared.collection.count({ filter: 'batch == 7' })).toBe(2);
  });

  test('create reopens an existing collection and refuses one of another dimension', async () => {
    const again = await QuiverVectorStore.create(embeddings, { db, collectionName: 'lc' });
    expect(await again.collection.count()).toBe(DOCS.length);
    const err = await expectCode(
      QuiverVectorStore.create(embeddings, { db, collectionName: 'lc', dimension: 8 }),
      'INCOMPATIBLE',
    );
    expect(err.details).toMatchObject({ expected: embedder.dimension, received: 8 });
  });

  test('documents survive closing and reopening the store', async () => {
    await db.close();
    db = await Quiver.open({ path: join(dir, 'store') });
    const reopened = new QuiverVectorStore(embeddings, { collection: await db.collection('lc') });
    expect((await reopened.similaritySearch('space launch', 1))[0]!.id).toBe('rocket');
  });

  test('_vectorstoreType is "quiver"', () => {
    expect(store._vectorstoreType()).toBe('quiver');
  });
});

describe('asRetriever', () => {
  test('with k and a filter', async () => {
    const retriever = store.asRetriever({ k: 2, filter: 'source == "pets.md"' });
    const docs = await retriever.invoke('space launch');
    expect(docs).toHaveLength(2);
    for (const d of docs) expect(d.metadata.source).toBe('pets.md');
    expect(ids(await store.asRetriever(1).invoke('space launch'))).toEqual(['rocket']);
  });

  test('with a templated filter and MMR', async () => {
    const retriever = store.asRetriever({
      k: 2,
      searchType: 'mmr',
      searchKwargs: { fetchK: 6, lambda: 0.5 },
      filter: { expr: 'topic == {t}', params: { t: 'animals' } },
    });
    const docs = await retriever.invoke('cats and dogs');
    expect(ids(docs)).toContain('dogs');
    expect(ids(docs).filter((id) => id === 'cats' || id === 'cats2')).toHaveLength(1);
  });
});

describe('over a collection written by quiver ingest', () => {
  test('reads chunks as Documents: text as pageContent, the other stored fields as metadata', async () => {
    const src = join(dir, 'src');
    await writeSources(src);
    const chunks = await db.createCollection(
      'chunks',
      chunkCollectionSchema({ dimension: embedder.dimension, modelId: embedder.modelId }),
    );
    await ingest({ collection: chunks, embedder, paths: [src] });
    const s = new QuiverVectorStore(embeddings, { collection: chunks });
    expect(s.fields).toMatchObject({ primary: 'id', text: 'text', vector: 'embedding', metric: 'cosine' });

    const [doc] = await s.similaritySearch('what is HNSW?', 1, 'source like "%faq.jsonl"');
    expect(doc!.pageContent).toContain('hnsw');
    expect(doc!.metadata).toMatchObject({ doc_id: expect.any(String), title: 'What is HNSW?', chunk_index: 0 });
    expect(doc!.id).toBe(`${doc!.metadata.doc_id}:0`);
    expect(doc!.metadata).not.toHaveProperty('text');
    expect(doc!.metadata).not.toHaveProperty('embedding');

    const npm = await s.similaritySearch('installing from npm', 20, 'source like "%install.md"');
    expect(npm.length).toBeGreaterThan(0);
    for (const d of npm) expect(d.metadata.source).toMatch(/install\.md$/);
    const mmr = await s.maxMarginalRelevanceSearch('search filters', { k: 3, fetchK: 10 }, undefined);
    expect(mmr).toHaveLength(3);
    expect(new Set(ids(mmr)).size).toBe(3);

    // A search result writes back as it came: its metadata is exactly the fields the schema requires.
    const copy = new Document({ pageContent: doc!.pageContent, metadata: { ...doc!.metadata, chunk_index: 99 } });
    expect(await s.addDocuments([copy], { ids: ['copy'] })).toEqual(['copy']);
    expect((await s.getByIds(['copy']))[0]).toEqual(new Document({ ...copy, id: 'copy' }));
    // A non-dynamic schema takes only the metadata keys it declares, and needs the ones it requires.
    const extra = new Document({ pageContent: 'Red apples.', metadata: { ...doc!.metadata, colour: 'red' } });
    expect((await expectCode(s.addDocuments([extra]), 'FIELD_NOT_FOUND')).details.field).toBe('colour');
    const bare = new Document({ pageContent: 'Red apples.', metadata: { source: 'apples.md' } });
    await expectCode(s.addDocuments([bare]), 'MISSING_FIELD');
  });

  test('custom text and vector field names', async () => {
    const s = await QuiverVectorStore.create(embeddings, {
      db,
      collectionName: 'custom',
      textField: 'body',
      vectorField: 'vec',
    });
    await s.addDocuments(DOCS);
    expect(s.collection.describe().fields.map((f) => f.name)).toEqual(['id', 'vec', 'body']);
    const [rocket] = await s.similaritySearch('space launch', 1, 'year == 2024');
    expect(rocket).toMatchObject({ id: 'rocket', pageContent: DOCS[5]!.pageContent, metadata: DOCS[5]!.metadata });
    await expectCode(async () => new QuiverVectorStore(embeddings, { collection: s.collection }), 'FIELD_NOT_FOUND');
    await expectCode(
      async () =>
        new QuiverVectorStore(embeddings, { collection: s.collection, textField: 'body', vectorField: 'nope' }),
      'FIELD_NOT_FOUND',
    );
  });
});
