/**
 * Hybrid search through the collection API: dense and BM25 sub-searches under one filter, fused by RRF
 * (checked against hand-computed ranks) and weighted fusion, several vector fields, per-sub-search scores,
 * and validation.
 */

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Collection, Quiver } from '../../../src/index.js';
import { expectCode } from '../../helpers/errors.js';

let db: Quiver;
let docs: Collection;

beforeEach(async () => {
  db = await Quiver.open({ memory: true, collection: { growingRows: 3, autoCompact: false } });
  docs = await db.createCollection('docs', {
    fields: [
      { name: 'id', type: 'string', primary: true },
      { name: 'dense', type: 'vector', dim: 2, metric: 'l2' },
      { name: 'other', type: 'vector', dim: 2, metric: 'cosine' },
      { name: 'body', type: 'string', fullText: true },
      { name: 'year', type: 'int' },
    ],
  });
  // Dense order from [0, 0]: a, b, c, d, e. BM25 for "zebra": e (twice, short) first, then d, then c.
  await docs.insert([
    { id: 'a', dense: [0, 0], other: [1, 0], body: 'alpha', year: 2020 },
    { id: 'b', dense: [1, 0], other: [1, 1], body: 'beta', year: 2021 },
    { id: 'c', dense: [2, 0], other: [0, 1], body: 'zebra gamma delta epsilon eta theta', year: 2022 },
    { id: 'd', dense: [3, 0], other: [-1, 1], body: 'zebra delta', year: 2023 },
    { id: 'e', dense: [4, 0], other: [-1, 0], body: 'zebra zebra', year: 2024 },
  ]);
  await docs.waitForIndexes();
});
afterEach(() => db.close());

describe('hybridSearch', () => {
  test('RRF fuses ranks as Σ 1/(k + rank), and reports each sub-search score', async () => {
    const { hits } = await docs.hybridSearch({
      requests: [{ vector: [0, 0], field: 'dense' }, { text: 'zebra' }],
      fusion: { method: 'rrf', k: 1 },
      k: 5,
      outputFields: ['year'],
    });
    // dense ranks a1 b2 c3 d4 e5; bm25 ranks e1 d2 c3. With k = 1:
    // a 1/2 = .5, b 1/3, c 1/4 + 1/4 = .5, d 1/5 + 1/3 = .533, e 1/6 + 1/2 = .667
    expect(hits.map((h) => h.id)).toEqual(['e', 'd', 'a', 'c', 'b']);
    expect(hits.map((h) => h.score)).toEqual(
      [2 / 3, 1 / 5 + 1 / 3, 1 / 2, 1 / 2, 1 / 3].map((x) => expect.closeTo(x, 9)),
    );
    const e = hits[0]!;
    expect(e.scores[0]).toBe(16); // l2 reports the squared distance, as search does
    expect(e.scores[1]).toBeGreaterThan(0);
    expect(hits.find((h) => h.id === 'a')!.scores[1]).toBeNull(); // BM25 did not return "a"
    expect(e.fields).toEqual({ year: 2024 });
    const bm25 = (await docs.search({ text: 'zebra', k: 1 })).hits[0]!;
    expect(e.scores[1]).toBe(bm25.score);
  });

  test('weighted fusion with all weight on one list reproduces that list', async () => {
    const { hits } = await docs.hybridSearch({
      requests: [{ vector: [0, 0], field: 'dense' }, { text: 'zebra' }],
      fusion: { method: 'weighted', weights: [0, 1] },
      k: 3,
    });
    expect(hits.map((h) => h.id)).toEqual(['e', 'd', 'c']);
  });

  test('the default fusion weighs min-max normalized BM25 at 1 and each vector list at 0.2', async () => {
    const requests = [{ vector: [0, 0], field: 'dense' }, { text: 'zebra' }];
    const byDefault = await docs.hybridSearch({ requests, k: 5 });
    const explicit = await docs.hybridSearch({
      requests,
      k: 5,
      fusion: { method: 'weighted', normalize: 'minmax', weights: [0.2, 1] },
    });
    expect(byDefault).toEqual(explicit);
    // Dense min-max over the negated distances 0, 1, 4, 9, 16: a 1, b 15/16, c 12/16, d 7/16, e 0, times 0.2.
    // BM25 min-max: e 1, d between, c 0. So e 1, then d (0.0875 + its BM25 share), a 0.2, b 0.1875, c 0.15.
    expect(byDefault.hits.map((h) => h.id)).toEqual(['e', 'd', 'a', 'b', 'c']);
    expect(byDefault.hits[2]!.score).toBeCloseTo(0.2, 6);
    expect(byDefault.hits[3]!.score).toBeCloseTo(0.2 * (15 / 16), 6);
    expect(byDefault.hits[4]!.score).toBeCloseTo(0.2 * (12 / 16), 6);
  });

  test('the filter applies to every sub-search; several vector fields fuse', async () => {
    const { hits } = await docs.hybridSearch({
      requests: [{ vector: [0, 0], field: 'dense' }, { vector: [-1, 0], field: 'other' }, { text: 'zebra' }],
      filter: 'year >= 2022',
      k: 10,
    });
    expect(hits.map((h) => h.id).sort()).toEqual(['c', 'd', 'e']);
    expect(hits[0]!.id).toBe('e'); // nearest on "other", best on BM25
    expect(hits[0]!.scores).toHaveLength(3);
  });

  test('bad requests fail before anything runs, with codes and positions', async () => {
    await expectCode(docs.hybridSearch({ requests: [] }), 'INVALID_ARGUMENT');
    await expectCode(docs.hybridSearch({ requests: [{ vector: [0, 0], text: 'x' } as never] }), 'INVALID_ARGUMENT');
    await expectCode(docs.hybridSearch({ requests: [{ vector: [0, 0] }] }), 'INVALID_ARGUMENT'); // two vector fields
    await expectCode(docs.hybridSearch({ requests: [{ vector: [0, 0, 0], field: 'dense' }] }), 'DIMENSION_MISMATCH');
    await expectCode(
      docs.hybridSearch({ requests: [{ text: 'x' }], fusion: { method: 'weighted', weights: [1, 1] } }),
      'INVALID_ARGUMENT',
    );
    const err = await expectCode(
      docs.hybridSearch({ requests: [{ text: 'x' }], filter: 'year >> 3' }),
      'FILTER_SYNTAX',
    );
    expect(err.details.position).toBe(6);
  });
});
