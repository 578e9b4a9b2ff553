/**
 * Full-text search through the collection API: BM25 over growing and sealed segments with collection-wide
 * statistics (checked against one reference index over the same texts), persistence and compaction,
 * upserts and deletes, the `text_match` filter, and schema and request validation.
 */

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Collection, type CollectionSchema, Quiver } from '../../../src/index.js';
import { createAnalyzer } from '../../../src/store/text/analyzer.js';
import { BM25Index } from '../../../src/store/text/bm25-index.js';
import { expectCode } from '../../helpers/errors.js';
import { seededRandom, tempFolder } from '../../helpers/store.js';

const SCHEMA: CollectionSchema = {
  fields: [
    { name: 'id', type: 'int', primary: true },
    { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
    { name: 'body', type: 'string', fullText: true },
    { name: 'lang', type: 'string' },
  ],
};

const WORDS = ['apple', 'banana', 'cherry', 'grape', 'lemon', 'mango', 'melon', 'olive', 'peach', 'plum', 'the', 'of'];

function corpus(n: number, seed = 7): string[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const len = 3 + Math.floor(rnd() * 12);
    return Array.from({ length: len }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
  });
}

const rows = (texts: string[], from = 0) =>
  texts.map((body, i) => ({ id: from + i, v: [from + i, 0], body, lang: (from + i) % 2 === 0 ? 'en' : 'fr' }));

/** The reference: one BM25 index over every text, its row i being id i. */
function reference(texts: string[], query: string, k: number) {
  const index = BM25Index.build(texts, createAnalyzer());
  const hits = index.search(createAnalyzer().analyze(query), k);
  return [...hits.rows].map((row, i) => ({ id: row, score: hits.scores[i]! }));
}

function expectSameRanking(got: { id: unknown; score: number }[], want: { id: number; score: number }[]) {
  expect(got.map((h) => h.score)).toEqual(want.map((h) => expect.closeTo(h.score, 5)));
  // Ties may order differently across segments; compare ids as sets per distinct score.
  const byScore = (hs: { id: unknown; score: number }[]) => {
    const m = new Map<string, unknown[]>();
    for (const h of hs) m.set(h.score.toFixed(4), [...(m.get(h.score.toFixed(4)) ?? []), h.id].sort());
    return m;
  };
  expect(byScore(got)).toEqual(byScore(want));
}

let folder: ReturnType<typeof tempFolder>;
let db: Quiver;
let docs: Collection;
const quiet = { onWarning: () => {}, autoCompact: false };

beforeEach(async () => {
  folder = tempFolder();
  db = await Quiver.open({ path: folder.path, collection: { ...quiet, growingRows: 40 } });
  docs = await db.createCollection('docs', SCHEMA);
});
afterEach(async () => {
  await db.close();
  folder.remove();
});

describe('BM25 search', () => {
  test('scores equal one reference index over all rows, across growing and sealed segments', async () => {
    const texts = corpus(150);
    for (let i = 0; i < texts.length; i += 25) await docs.insert(rows(texts.slice(i, i + 25), i));
    await docs.waitForIndexes();
    for (const q of ['apple', 'banana cherry', 'olive plum peach', 'the mango of melon']) {
      const { hits } = await docs.search({ text: q, k: 20, outputFields: [] });
      expectSameRanking(hits, reference(texts, q, 20));
    }
  });

  test('offset pages through the same ranking; a query of stopwords finds nothing', async () => {
    const texts = corpus(60);
    await docs.insert(rows(texts));
    const all = (await docs.search({ text: 'grape lemon', k: 12 })).hits.map((h) => h.id);
    const page = (await docs.search({ text: 'grape lemon', k: 4, offset: 8 })).hits.map((h) => h.id);
    expect(page).toEqual(all.slice(8, 12));
    expect((await docs.search({ text: 'the of', k: 5 })).hits).toEqual([]);
  });

  test('the filter and partitions restrict BM25 hits', async () => {
    const texts = corpus(100);
    await docs.insert(rows(texts));
    await docs.flush();
    const { hits } = await docs.search({ text: 'peach', k: 100, filter: 'lang == "fr"', outputFields: ['lang'] });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.fields.lang === 'fr')).toBe(true);
    const expected = texts.filter((t, i) => i % 2 === 1 && t.split(' ').includes('peach')).length;
    expect(hits).toHaveLength(expected);
  });

  test('upserts and deletes: old text stops matching, deleted rows never come back', async () => {
    await docs.insert(rows(['red apple', 'green apple', 'yellow banana']));
    await docs.flush(); // seal, so the old row lives in an indexed segment
    await docs.upsert([{ id: 0, v: [0, 0], body: 'purple plum', lang: 'en' }]);
    await docs.delete({ ids: [1] });
    expect((await docs.search({ text: 'apple', k: 10 })).hits).toEqual([]);
    expect((await docs.search({ text: 'plum', k: 10 })).hits.map((h) => h.id)).toEqual([0]);
    expect((await docs.search({ text: 'banana', k: 10 })).hits.map((h) => h.id)).toEqual([2]);
  });

  test('the index survives reopening (from sealed files and from the WAL) and compaction', async () => {
    const texts = corpus(100);
    await docs.insert(rows(texts.slice(0, 80)));
    await docs.waitForIndexes();
    await docs.insert(rows(texts.slice(80), 80)); // stays in the growing segment: WAL only
    const before = (await docs.search({ text: 'cherry grape', k: 15 })).hits;
    await db.close();
    db = await Quiver.open({ path: folder.path, collection: { ...quiet, growingRows: 40 } });
    docs = await db.collection('docs');
    expect((await docs.search({ text: 'cherry grape', k: 15 })).hits).toEqual(before);
    await docs.delete({ filter: 'id < 30' });
    await docs.compact({ major: true });
    const live = texts.map((t, i) => (i < 30 ? null : t));
    // Compaction rebuilt the indexes from live rows, so statistics now exclude the deleted ones exactly.
    const index = BM25Index.build(live, createAnalyzer());
    const ref = index.search(createAnalyzer().analyze('cherry grape'), 15);
    const want = [...ref.rows].map((id, i) => ({ id, score: ref.scores[i]! }));
    expectSameRanking((await docs.search({ text: 'cherry grape', k: 15 })).hits, want);
  });

  test('k1 and b come from the field and can be overridden per search', async () => {
    await db.createCollection('tuned', {
      fields: [
        { name: 'id', type: 'int', primary: true },
        { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
        { name: 'body', type: 'string', fullText: { k1: 0.9, b: 0.4 } },
      ],
    });
    const tuned = await db.collection('tuned');
    const texts = corpus(30);
    await tuned.insert(texts.map((body, id) => ({ id, v: [id, 0], body })));
    const index = BM25Index.build(texts, createAnalyzer());
    const terms = createAnalyzer().analyze('lemon olive');
    const byField = (await tuned.search({ text: 'lemon olive', k: 1 })).hits[0]!;
    expect(byField.score).toBeCloseTo(index.search(terms, 1, { k1: 0.9, b: 0.4 }).scores[0]!, 5);
    const overridden = (await tuned.search({ text: 'lemon olive', k: 1, k1: 2, b: 1 })).hits[0]!;
    expect(overridden.score).toBeCloseTo(index.search(terms, 1, { k1: 2, b: 1 }).scores[0]!, 5);
  });
});

describe('boosts', () => {
  test('adds other full-text fields’ BM25 scores with their weights, each with its own statistics', async () => {
    await db.createCollection('fielded', {
      fields: [
        { name: 'id', type: 'int', primary: true },
        { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
        { name: 'body', type: 'string', fullText: true },
        { name: 'title', type: 'string', fullText: { k1: 0.9, b: 0.4 } },
      ],
    });
    const fielded = await db.collection('fielded');
    const bodies = corpus(90, 3);
    const titles = corpus(90, 11).map((t) => t.split(' ').slice(0, 3).join(' '));
    const all = bodies.map((body, id) => ({ id, v: [id, 0], body, title: titles[id]! }));
    for (let i = 0; i < all.length; i += 30) await fielded.insert(all.slice(i, i + 30)); // several segments
    await fielded.waitForIndexes();
    const a = createAnalyzer();
    const q = 'peach plum apple';
    const bodyIndex = BM25Index.build(bodies, a);
    const titleIndex = BM25Index.build(titles, a);
    const sum = new Map<number, number>();
    const add = (hits: { rows: Uint32Array; scores: Float32Array }, w: number) => {
      for (const [i, row] of hits.rows.entries()) sum.set(row, (sum.get(row) ?? 0) + w * hits.scores[i]!);
    };
    add(bodyIndex.search(a.analyze(q), 90), 1);
    add(titleIndex.search(a.analyze(q), 90, { k1: 0.9, b: 0.4 }), 0.5);
    const want = [...sum].map(([id, score]) => ({ id, score })).sort((x, y) => y.score - x.score || x.id - y.id);
    const { hits } = await fielded.search({ text: q, field: 'body', boosts: { title: 0.5 }, k: 15 });
    expectSameRanking(hits, want.slice(0, 15));
    await expectCode(fielded.search({ text: q, field: 'body', boosts: { title: -1 } }), 'INVALID_ARGUMENT');
    await expectCode(fielded.search({ text: q, field: 'body', boosts: { body: 1 } }), 'INVALID_ARGUMENT');
    await expectCode(fielded.search({ text: q, field: 'body', boosts: { nope: 1 } }), 'FIELD_NOT_FOUND');
  });
});

describe('text_match', () => {
  test('matches rows holding any analyzed term, in query, search, count and delete', async () => {
    await docs.insert(rows(['Running shoes', 'a runner runs', 'swimming pool', 'the pool is closed']));
    await docs.flush();
    await docs.insert(rows(['run fast', 'walk slowly'], 4)); // growing segment
    const ids = async (filter: string) =>
      (await docs.query({ filter, outputFields: [] })).map((r) => r.id).sort((a, b) => Number(a) - Number(b));
    expect(await ids('text_match(body, "run")')).toEqual([0, 1, 4]);
    expect(await ids('text_match(body, "pool walking")')).toEqual([2, 3, 5]);
    expect(await ids('not text_match(body, "pool") and lang == "en"')).toEqual([0, 4]);
    expect(await ids('text_match(body, "the")')).toEqual([]); // only a stopword: nothing to match
    expect(await docs.count({ filter: 'text_match(body, {q})', params: { q: 'running' } })).toBe(3);
    const { hits } = await docs.search({ vector: [0, 0], k: 10, filter: 'text_match(body, "pool")' });
    expect(hits.map((h) => h.id)).toEqual([2, 3]);
    await docs.delete({ filter: 'text_match(body, "run")' });
    expect(await ids('id >= 0')).toEqual([2, 3, 5]);
  });

  test('errors carry the code and the position', async () => {
    const err1 = await expectCode(docs.query({ filter: 'lang == "en" and text_match(lang, "x")' }), 'FILTER_TYPE');
    expect(err1.details.position).toBe(28);
    expect(err1.message).toContain('fullText');
    const err2 = await expectCode(docs.query({ filter: 'text_match(body, 42)' }), 'FILTER_TYPE');
    expect(err2.details.position).toBe(17);
    const err3 = await expectCode(docs.query({ filter: 'text_match(body)' }), 'FILTER_SYNTAX');
    expect(typeof err3.details.position).toBe('number');
    await expectCode(docs.search({ text: 'x', filter: 'text_match(nope, "x")' }), 'FIELD_NOT_FOUND');
  });
});

describe('validation', () => {
  test('fullText is for non-key string fields, with valid options', async () => {
    const base = [
      { name: 'id', type: 'int', primary: true },
      { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
    ] as CollectionSchema['fields'];
    const bad = async (field: object) =>
      expectCode(
        db.createCollection(`c${Math.random().toString(36).slice(2)}`, { fields: [...base, field] as never }),
        'SCHEMA_INVALID',
      );
    await bad({ name: 'n', type: 'int', fullText: true });
    await bad({ name: 's', type: 'string', fullText: { k1: -1 } });
    await bad({ name: 's', type: 'string', fullText: { b: 2 } });
    await bad({ name: 's', type: 'string', fullText: { analyzer: { language: 'klingon' } } });
    await bad({ name: 's', type: 'string', fullText: { boost: 2 } });
    await expectCode(
      db.createCollection('k', {
        fields: [{ name: 'id', type: 'string', primary: true, fullText: true } as never, base[1]!],
      }),
      'SCHEMA_INVALID',
    );
  });

  test('text search needs a full-text field; search takes vector or text, not both', async () => {
    await expectCode(docs.search({ text: 'x', field: 'lang' }), 'INVALID_ARGUMENT');
    await expectCode(docs.search({ text: 'x', field: 'nope' }), 'FIELD_NOT_FOUND');
    await expectCode(docs.search({ text: 'x', k1: -2 }), 'INVALID_ARGUMENT');
    await expectCode(docs.search({ text: 'x', vector: [0, 0] } as never), 'INVALID_ARGUMENT');
  });
});
