/**
 * IVF index types inside a collection: chosen per vector field in the schema, built when segments seal,
 * persisted in the segment file and loaded on reopen with identical results, searched with filters (the
 * planner's k-hits guarantee holds), with `nprobe` per search, and rebuilt by compaction. IVF_SQ8 and IVF_PQ
 * keep their full vectors in the segment file (0 bytes per row in memory) and read them by row: for re-ranking,
 * exact scans and projections. Bad parameters are SCHEMA_INVALID naming the field.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusteredVectors } from '../../../bench/lib/clustered.js';
import { Quiver } from '../../../src/index.js';
import type { CollectionSchema } from '../../../src/store/schema/types.js';

const DIM = 32;
const N = 3000;
const data = clusteredVectors({ n: N + 20, dim: DIM, clusters: 30, sigma: 2, seed: 4 });
const vec = (i: number) => Array.from(data.subarray(i * DIM, (i + 1) * DIM));

const schema = (type: 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ'): CollectionSchema => ({
  fields: [
    { name: 'id', type: 'int', primary: true },
    { name: 'v', type: 'vector', dim: DIM, metric: 'l2', index: { type, nlist: 32 } },
    { name: 'bucket', type: 'int' },
  ],
});

describe('IVF indexes in a collection', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiver-ivf-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const type of ['IVF_FLAT', 'IVF_SQ8', 'IVF_PQ'] as const) {
    it(`${type}: builds on seal, answers filtered searches, and survives a reopen unchanged`, async () => {
      const path = join(dir, type);
      let db = await Quiver.open({ path, collection: { growingRows: 1000 } });
      const col = await db.createCollection('c', schema(type));
      const rows = Array.from({ length: N }, (_, i) => ({ id: i, v: vec(i), bucket: i % 100 }));
      for (let i = 0; i < N; i += 500) await col.insert(rows.slice(i, i + 500));
      await col.flush();
      // Memory accounting: every sealed segment reports its index kind and bytes per row. The quantized kinds
      // leave their full vectors in the segment file.
      const columnBytes = type === 'IVF_FLAT' ? 4 * DIM : 0;
      const sealed = () => col.stats().segments.filter((x) => x.state === 'sealed');
      expect(sealed().length).toBeGreaterThan(0);
      for (const seg of sealed()) {
        const [v] = seg.vectorIndexes;
        expect(v).toMatchObject({ field: 'v', kind: type, vectorBytesPerRow: columnBytes });
        expect(v!.indexBytesPerRow).toBeGreaterThan(type === 'IVF_FLAT' ? 0 : 8);
        // PQ: m = dim/4 code bytes, 4 for the list entry, plus centroids and codebooks spread over the segment's rows.
        if (type === 'IVF_PQ') expect(v!.indexBytesPerRow).toBeLessThan(4 * DIM);
      }
      const queries = [N, N + 1, N + 2, N + 3].map(vec);
      const before = [];
      for (const q of queries) {
        const all = await col.search({ vector: q, k: 10, explain: true });
        expect(all.hits).toHaveLength(10);
        expect(all.explain!.some((p) => p.index === type)).toBe(true);
        const exact = await col.search({ vector: q, k: 10, exact: true });
        const overlap = all.hits.filter((h) => exact.hits.some((e) => e.id === h.id)).length;
        expect(overlap).toBeGreaterThanOrEqual(type === 'IVF_PQ' ? 7 : 8);
        const filtered = await col.search({ vector: q, k: 10, filter: 'bucket == 7' });
        expect(filtered.hits).toHaveLength(10);
        for (const h of filtered.hits) expect(h.fields.bucket).toBe(7);
        const probed = await col.search({ vector: q, k: 10, nprobe: 32 });
        expect(probed.hits).toHaveLength(10);
        // A hybrid sub-search takes nprobe and rerank too: one vector request ranks as the plain search does.
        const narrow = { nprobe: 1, rerank: 1 };
        const plain = await col.search({ vector: q, k: 10, ...narrow });
        const hybrid = await col.hybridSearch({ requests: [{ vector: q, ...narrow }], k: 10, limit: 10 });
        expect(hybrid.hits.map((h) => h.id)).toEqual(plain.hits.map((h) => h.id));
        await expect(col.hybridSearch({ requests: [{ vector: q, nprobe: 0 }] })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
        before.push(all.hits.map((h) => h.id));
      }
      // Exact search reads every vector back: each row's own vector is its nearest neighbour at distance 0.
      for (const id of [0, 1234, N - 1]) {
        const self = await col.search({ vector: vec(id), k: 1, exact: true, outputFields: ['v'] });
        expect(self.hits[0]).toMatchObject({ id, score: 0 });
        expect(self.hits[0]!.fields.v).toEqual(vec(id).map((x) => Math.fround(x)));
      }
      expect(await col.get([7, 2999], { outputFields: ['v'] })).toEqual([
        { id: 7, v: vec(7).map((x) => Math.fround(x)) },
        { id: 2999, v: vec(2999).map((x) => Math.fround(x)) },
      ]);
      await db.close();
      db = await Quiver.open({ path });
      const again = await db.collection('c');
      for (const seg of again.stats().segments.filter((x) => x.state === 'sealed')) {
        expect(seg.vectorIndexes[0]!.vectorBytesPerRow).toBe(columnBytes);
      }
      for (const [i, q] of queries.entries()) {
        expect((await again.search({ vector: q, k: 10 })).hits.map((h) => h.id)).toEqual(before[i]);
      }
      // Compaction rebuilds the index over the surviving rows.
      await again.delete({ filter: 'bucket < 50' });
      expect((await again.compact({ major: true })).tasks).toBeGreaterThan(0);
      const after = await again.search({ vector: queries[0]!, k: 10, explain: true });
      expect(after.hits).toHaveLength(10);
      for (const h of after.hits) expect(h.fields.bucket as number).toBeGreaterThanOrEqual(50);
      expect(after.explain!.some((p) => p.index === type)).toBe(true);
      await db.close();
    }, 60_000);
  }

  it('refuses bad IVF parameters with SCHEMA_INVALID naming the field', async () => {
    const db = await Quiver.open({ memory: true });
    const bad = async (index: Record<string, unknown>) =>
      db.createCollection(`c${Math.random().toString(36).slice(2, 8)}`, {
        fields: [
          { name: 'id', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: DIM, metric: 'l2', index: index as never },
        ],
      });
    for (const index of [
      { type: 'IVF_PQ', m: 5 },
      { type: 'IVF_FLAT', nlist: 0 },
      { type: 'IVF_SQ8', nprobe: -1 },
      { type: 'IVF_FLAT', rerank: 2 },
      { type: 'IVF_SQ8', m: 4 },
      { type: 'IVF_FLAT', efConstruction: 10 },
    ]) {
      await expect(bad(index)).rejects.toMatchObject({ code: 'SCHEMA_INVALID', details: { field: 'v' } });
    }
    await db.close();
  });
});

describe('memory accounting for the other index kinds', () => {
  it('HNSW reports its graph per row (with its copy of the vectors); growing segments report 0', async () => {
    const db = await Quiver.open({ memory: true, collection: { growingRows: 500 } });
    const col = await db.createCollection('h', {
      fields: [
        { name: 'id', type: 'int', primary: true },
        { name: 'v', type: 'vector', dim: DIM, metric: 'l2', index: { type: 'HNSW' } },
      ],
    });
    await col.insert(Array.from({ length: 700 }, (_, i) => ({ id: i, v: vec(i) })));
    await col.waitForIndexes();
    const segments = col.stats().segments;
    const sealed = segments.find((x) => x.state === 'sealed')!;
    expect(sealed.vectorIndexes[0]!.kind).toBe('HNSW');
    expect(sealed.vectorIndexes[0]!.indexBytesPerRow).toBeGreaterThan(4 * DIM);
    const growing = segments.find((x) => x.state === 'growing')!;
    expect(growing.vectorIndexes[0]).toMatchObject({ kind: 'FLAT', indexBytesPerRow: 0 });
    await db.close();
  });
});

describe('AUTOINDEX', () => {
  const make = async (index: Record<string, unknown>, rows: number, growingRows: number) => {
    const db = await Quiver.open({ memory: true, collection: { growingRows, autoCompact: false } });
    const col = await db.createCollection('a', {
      fields: [
        { name: 'id', type: 'int', primary: true },
        { name: 'v', type: 'vector', dim: DIM, metric: 'l2', index: index as never },
      ],
    });
    const all = Array.from({ length: rows }, (_, i) => ({ id: i, v: vec(i % N) }));
    for (let i = 0; i < rows; i += 500) await col.insert(all.slice(i, i + 500));
    await col.flush();
    const kinds = col
      .stats()
      .segments.filter((s) => s.state === 'sealed')
      .map((s) => s.vectorIndexes[0]!.kind);
    const { hits, explain } = await col.search({ vector: vec(N + 1), k: 5, explain: true });
    expect(hits).toHaveLength(5);
    const described = col.describe().vectorIndexes;
    await db.close();
    return { kinds, explained: explain!.map((p) => p.index ?? p.strategy), described };
  };

  it('scans small segments exactly and gives larger ones HNSW, and says so', async () => {
    const { kinds, described } = await make({ type: 'AUTOINDEX' }, 2000, 1500);
    expect(kinds.sort()).toEqual(['FLAT', 'HNSW']);
    // describe() sums up what AUTOINDEX picked per field: one segment of each kind.
    expect(described).toEqual([{ field: 'v', index: 'AUTOINDEX', segments: { FLAT: 1, HNSW: 1 } }]);
  });

  it('under a memory limit per row, picks the most accurate IVF type that fits', async () => {
    expect((await make({ type: 'AUTOINDEX', maxIndexBytesPerRow: 100 }, 1500, 1500)).kinds).toEqual(['IVF_SQ8']);
    expect((await make({ type: 'AUTOINDEX', maxIndexBytesPerRow: 30 }, 1500, 1500)).kinds).toEqual(['IVF_FLAT']);
    const { explained } = await make({ type: 'AUTOINDEX', maxIndexBytesPerRow: 100 }, 1500, 1500);
    expect(explained).toContain('IVF_SQ8');
  });

  it('refuses unknown or bad parameters', async () => {
    const db = await Quiver.open({ memory: true });
    for (const index of [
      { type: 'AUTOINDEX', nlist: 4 },
      { type: 'AUTOINDEX', maxIndexBytesPerRow: -1 },
    ]) {
      await expect(
        db.createCollection(`x${Math.random().toString(36).slice(2, 8)}`, {
          fields: [
            { name: 'id', type: 'int', primary: true },
            { name: 'v', type: 'vector', dim: DIM, metric: 'l2', index: index as never },
          ],
        }),
      ).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    }
    await db.close();
  });
});
