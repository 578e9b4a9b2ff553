/**
 * Search quality on generated clustered data, at a size that runs in seconds: recall@10 against exact
 * search, unfiltered and at 0.1%, 1%, 10% and 50% filter selectivity, at default settings, over several
 * sealed segments plus a growing one. Also: never fewer than k hits when at least k rows match, and the
 * planner picks the strategy its cost model says it should.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clusteredVectors } from '../../../bench/lib/clustered.js';
import { exactTopK, normalizeRows, recallAt } from '../../../bench/lib/measure.js';
import { type Collection, Quiver } from '../../../src/index.js';
import { seededRandom } from '../../helpers/store.js';

const N = 12_000;
const DIM = 48;
const NQ = 60;
const K = 10;
let db: Quiver;
let c: Collection;
let data: Float32Array;
let queries: Float32Array[];
let bucket: Int32Array;

beforeAll(async () => {
  const all = clusteredVectors({ n: N + NQ, dim: DIM, clusters: 24, sigma: 2, seed: 3 });
  normalizeRows(all, DIM);
  data = all.subarray(0, N * DIM);
  queries = Array.from({ length: NQ }, (_, i) => all.subarray((N + i) * DIM, (N + i + 1) * DIM));
  const r = seededRandom(5);
  bucket = Int32Array.from({ length: N }, () => Math.floor(r() * 1000));
  // A low exact-scan threshold sends the 10% and 50% filters through filtered HNSW, and the rest through exact scans.
  db = await Quiver.open({ memory: true, collection: { growingRows: 5000, autoCompact: false, exactScanRows: 300 } });
  c = await db.createCollection('vectors', {
    fields: [
      { name: 'id', type: 'int', primary: true },
      { name: 'v', type: 'vector', dim: DIM, metric: 'cosine' },
      { name: 'bucket', type: 'int' },
    ],
  });
  for (let start = 0; start < N; start += 1000) {
    const rows = [];
    for (let i = start; i < start + 1000; i++)
      rows.push({ id: i, v: data.subarray(i * DIM, (i + 1) * DIM), bucket: bucket[i] });
    await c.insert(rows);
  }
  await c.waitForIndexes();
}, 120_000);
afterAll(async () => db.close());

test('data spans sealed and growing segments', () => {
  const states = c.stats().segments.map((s) => s.state);
  expect(states.filter((s) => s === 'sealed').length).toBe(2);
  expect(states).toContain('growing');
});

test('unfiltered recall@10 ≥ 0.95 at default settings', async () => {
  let recall = 0;
  for (const q of queries) {
    const { hits } = await c.search({ vector: q, k: K, outputFields: [] });
    expect(hits).toHaveLength(K);
    recall += recallAt(
      hits.map((h) => h.id as number),
      exactTopK(data, DIM, q, K),
      K,
    );
  }
  expect(recall / NQ).toBeGreaterThanOrEqual(0.95);
});

describe.each([0.001, 0.01, 0.1, 0.5])('filtered at selectivity %s', (selectivity) => {
  const t = Math.round(selectivity * 1000);
  test('recall@10 ≥ 0.95 and never fewer than k hits while k rows match', async () => {
    let recall = 0;
    for (const q of queries) {
      const truth = exactTopK(data, DIM, q, K, (row) => bucket[row]! < t);
      const { hits } = await c.search({
        vector: q,
        k: K,
        filter: 'bucket < {t}',
        params: { t },
        outputFields: ['bucket'],
      });
      expect(hits.length).toBe(Math.min(K, truth.length));
      for (const h of hits) expect(h.fields.bucket).toBeLessThan(t);
      recall += recallAt(
        hits.map((h) => h.id as number),
        truth,
        K,
      );
    }
    expect(recall / NQ).toBeGreaterThanOrEqual(0.95);
  });
});

test('the planner scans small candidate sets exactly and uses filtered HNSW for broad filters', async () => {
  const narrow = await c.search({ vector: queries[0]!, k: K, filter: 'bucket < 10', explain: true });
  const broad = await c.search({ vector: queries[0]!, k: K, filter: 'bucket < 100', explain: true });
  const sealed = (e: typeof narrow) => e.explain!.filter((p) => p.state === 'sealed');
  for (const p of sealed(narrow)) {
    expect(p.strategy).toBe('exact-candidates');
    expect(p.estimate!.expected).toBeLessThan(300);
  }
  for (const p of sealed(broad)) {
    expect(p.strategy).toBe('hnsw-filtered');
    expect(p.ef).toBeGreaterThan(64);
  }
  for (const p of narrow.explain!.filter((x) => x.state === 'growing')) expect(p.strategy).toBe('exact-scan');
});

test('k hits survive heavy deletes in a sealed segment', async () => {
  const ids = [];
  for (let i = 0; i < 5000; i++) if (i % 50 !== 0) ids.push(i);
  for (let s = 0; s < ids.length; s += 1000) await c.delete({ ids: ids.slice(s, s + 1000) });
  for (const q of queries.slice(0, 10)) {
    const { hits } = await c.search({ vector: q, k: K, filter: 'id < 5000' });
    expect(hits).toHaveLength(K);
    for (const h of hits) expect((h.id as number) % 50).toBe(0);
  }
});
