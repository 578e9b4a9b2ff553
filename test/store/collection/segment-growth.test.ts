/**
 * How sealed segments grow into big HNSW segments. With compaction on, a seal stores an interim FLAT index
 * and compaction extends the biggest segment's graph with the new rows, so a steady ingest settles into one
 * full segment; deletes and upserts that land meanwhile are kept. With compaction off, each seal builds its
 * own graph.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { clusteredVectors } from '../../../bench/lib/clustered.js';
import { exactTopK, normalizeRows, recallAt } from '../../../bench/lib/measure.js';
import { type Collection, Quiver } from '../../../src/index.js';
import { waitsForIndex } from '../../../src/store/segment/index-target.js';
import { buildSealedSegment } from '../../../src/store/segment/segment-builder.js';
import { tempFolder } from '../../helpers/store.js';

const DIM = 32;
const N = 3000;
const schema = {
  fields: [
    { name: 'id', type: 'int' as const, primary: true },
    { name: 'v', type: 'vector' as const, dim: DIM, metric: 'cosine' as const },
    { name: 'n', type: 'int' as const },
  ],
};

const folders: { remove: () => void }[] = [];
afterEach(() => {
  for (const f of folders.splice(0)) f.remove();
});

function data() {
  const vectors = clusteredVectors({ n: N, dim: DIM, clusters: 30, sigma: 2, seed: 3 });
  normalizeRows(vectors, DIM);
  return vectors;
}

async function insertAll(c: Collection, vectors: Float32Array, from = 0, to = N, n = 0): Promise<void> {
  for (let start = from; start < to; start += 250) {
    const rows = [];
    for (let i = start; i < Math.min(to, start + 250); i++) {
      rows.push({ id: i, v: Array.from(vectors.subarray(i * DIM, (i + 1) * DIM)), n });
    }
    await c.insert(rows);
  }
}

async function recall(c: Collection, vectors: Float32Array, keep: (row: number) => boolean): Promise<number> {
  let sum = 0;
  for (let q = 0; q < 50; q++) {
    const query = vectors.subarray(q * 37 * DIM, (q * 37 + 1) * DIM);
    const { hits } = await c.search({ vector: query, k: 10, ef: 64, outputFields: [] });
    sum += recallAt(
      hits.map((h) => h.id as number),
      exactTopK(vectors, DIM, query, 10, keep),
      10,
    );
  }
  return sum / 50;
}

describe('segment growth', () => {
  it('settles a steady ingest into one HNSW segment, keeping deletes and upserts made meanwhile', async () => {
    const folder = tempFolder();
    folders.push(folder);
    const vectors = data();
    let db = await Quiver.open({ path: folder.path, collection: { growingRows: 500 } });
    let c = await db.createCollection('c', schema);
    await insertAll(c, vectors, 0, N / 2);
    await c.delete({ ids: [1, 2, 3] });
    await insertAll(c, vectors, N / 2, N);
    await c.upsert([{ id: 10, v: Array.from(vectors.subarray(10 * DIM, 11 * DIM)), n: 7 }]);
    await c.delete({ ids: [N - 1] });
    await c.flush();
    const layout = c.stats().segments.filter((s) => s.rows > 0);
    expect(layout.map((s) => s.state)).toEqual(['sealed']);
    expect(layout[0]!.vectorIndexes[0]!.kind).toBe('HNSW');
    expect(layout[0]!.awaitingIndex).toBe(false);
    expect(c.stats().rows).toBe(N - 4);
    const gone = new Set([1, 2, 3, N - 1]);
    expect(await recall(c, vectors, (row) => !gone.has(row))).toBeGreaterThan(0.95);
    expect(await c.get([1, 10, N - 1, N - 2], { outputFields: ['n'] })).toEqual([
      { id: 10, n: 7 },
      { id: N - 2, n: 0 },
    ]);
    await db.close();
    db = await Quiver.open({ path: folder.path });
    c = await db.collection('c');
    expect(c.stats().rows).toBe(N - 4);
    expect(await recall(c, vectors, (row) => !gone.has(row))).toBeGreaterThan(0.95);
    await db.close();
  });

  it('builds each segment its own graph at seal time when compaction is off', async () => {
    const vectors = data();
    const db = await Quiver.open({ memory: true, collection: { growingRows: 1000, autoCompact: false } });
    const c = await db.createCollection('c', schema);
    await insertAll(c, vectors);
    await c.flush();
    const layout = c.stats().segments.filter((s) => s.rows > 0);
    expect(layout.map((s) => [s.rows, s.vectorIndexes[0]!.kind, s.awaitingIndex])).toEqual([
      [1000, 'HNSW', false],
      [1000, 'HNSW', false],
      [1000, 'HNSW', false],
    ]);
    // A requested compaction merges them into one, extending the first graph.
    expect((await c.compact({ major: true })).tasks).toBeGreaterThan(0);
    expect(
      c
        .stats()
        .segments.filter((s) => s.rows > 0)
        .map((s) => s.rows),
    ).toEqual([N]);
    expect(await recall(c, vectors, () => true)).toBeGreaterThan(0.95);
    await db.close();
  });

  it('marks an interim segment as waiting for its graph, unless AUTOINDEX keeps it FLAT anyway', async () => {
    const vectors = data();
    const db = await Quiver.open({ memory: true, collection: { growingRows: 100_000, autoCompact: false } });
    const c = await db.createCollection('c', schema);
    await insertAll(c, vectors, 0, 1200);
    // Build segments from the growing rows directly, with and without `interim`.
    const growing = (c as unknown as { core: { data: { growing: never }; schema: never } }).core;
    const build = (rows: number, interim?: boolean) => {
      const source = [
        { segment: growing.data.growing, rows: Uint32Array.from({ length: rows }, (_, i) => i), keepTombstones: true },
      ];
      return buildSealedSegment(growing.schema, 90 + rows, source, { interim });
    };
    const interim = await build(1200, true);
    const built = await build(1200);
    // AUTOINDEX (the default) scans segments under 1,000 rows exactly: FLAT is their target, not a stand-in.
    const small = await build(300, true);
    expect([interim.vectorIndex('v').kind, waitsForIndex(interim, growing.schema)]).toEqual(['FLAT', true]);
    expect([built.vectorIndex('v').kind, waitsForIndex(built, growing.schema)]).toEqual(['HNSW', false]);
    expect([small.vectorIndex('v').kind, waitsForIndex(small, growing.schema)]).toEqual(['FLAT', false]);
    for (const s of [interim, built, small]) s.dispose();
    await db.close();
  });
});
