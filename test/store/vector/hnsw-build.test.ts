/**
 * buildHnswIndex runs hnswlib's synchronous addPoint in a worker thread: building 20,000 × 128 must not stall
 * the event loop, and an AbortSignal must reject the build with a QuiverError and stop the worker. Extending a
 * serialized graph keeps its rows' labels and finds the new rows as well as a fresh build does.
 */

import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { clusteredVectors } from '../../../bench/lib/clustered.js';
import { exactTopK, normalizeRows, recallAt } from '../../../bench/lib/measure.js';
import { isQuiverError } from '../../../src/errors.js';
import { buildHnswIndex } from '../../../src/store/vector/hnsw-build.js';

const DIM = 128;
const PARAMS = { M: 16, efConstruction: 100, seed: 7 };

const workers = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
const tempFiles = async () => (await readdir(tmpdir())).filter((f) => f.startsWith(`quiver-hnsw-${process.pid}-`));

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

describe('buildHnswIndex', () => {
  it('keeps the event loop responsive while building 20,000 × 128', async () => {
    const vectors = clusteredVectors({ n: 20_000, dim: DIM, clusters: 100, sigma: 2, seed: 5 });
    normalizeRows(vectors, DIM);
    let last = performance.now();
    let maxLag = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last);
      last = now;
      ticks++;
    }, 5);
    const start = performance.now();
    try {
      const index = await buildHnswIndex(vectors, DIM, 'cosine', PARAMS);
      expect(index.size).toBe(20_000);
      const hits = index.search(vectors.subarray(123 * DIM, 124 * DIM), 1);
      expect(hits.labels[0]).toBe(123);
      index.dispose();
    } finally {
      clearInterval(timer);
    }
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `HNSW build 20,000 × ${DIM}: ${seconds.toFixed(2)} s, event-loop max lag ${maxLag.toFixed(1)} ms over ${ticks} ticks`,
    );
    expect(ticks).toBeGreaterThan(10);
    expect(maxLag).toBeLessThan(150);
  });

  it('rejects with a QuiverError when aborted mid-build and stops the worker', async () => {
    const vectors = clusteredVectors({ n: 20_000, dim: DIM, clusters: 100, sigma: 2, seed: 6 });
    const before = workers();
    const ac = new AbortController();
    const build = buildHnswIndex(vectors, DIM, 'l2', PARAMS, { signal: ac.signal });
    const outcome = build.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await until(() => workers() > before, 5000);
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const err = await outcome;
    expect(isQuiverError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe('CLOSED');
    // The worker goes away and leaves no temp file behind.
    expect(await until(() => workers() === before, 5000), 'the build worker is still running').toBe(true);
    expect(await tempFiles()).toEqual([]);
  });

  it('rejects at once when the signal is already aborted, starting no worker', async () => {
    const before = workers();
    const ac = new AbortController();
    ac.abort();
    const err = await buildHnswIndex(new Float32Array(64 * DIM), DIM, 'ip', PARAMS, { signal: ac.signal }).catch(
      (e: unknown) => e,
    );
    expect(isQuiverError(err, 'CLOSED'), String(err)).toBe(true);
    expect(workers()).toBe(before);
  });

  it('extends a serialized graph with new rows: labels stay, recall matches a fresh build', async () => {
    const n = 6000;
    const base = 4000;
    const vectors = clusteredVectors({ n, dim: DIM, clusters: 60, sigma: 2, seed: 9 });
    normalizeRows(vectors, DIM);
    const small = await buildHnswIndex(vectors.subarray(0, base * DIM), DIM, 'cosine', PARAMS);
    small.markDeleted(17);
    const bytes = await small.serialize();
    small.dispose();
    const extended = await buildHnswIndex(vectors, DIM, 'cosine', PARAMS, { base: bytes });
    const fresh = await buildHnswIndex(vectors, DIM, 'cosine', PARAMS);
    try {
      expect(extended.size).toBe(n);
      // A base row and an added row are each their own nearest neighbour, under their own labels.
      for (const row of [5, 3999, 4000, 5999]) {
        expect(extended.search(vectors.subarray(row * DIM, (row + 1) * DIM), 1).labels[0]).toBe(row);
      }
      // The base's tombstone travels with its graph.
      const hits = extended.search(vectors.subarray(17 * DIM, 18 * DIM), 5, { ef: 200 });
      expect([...hits.labels]).not.toContain(17);
      const queries = clusteredVectors({ n: 100, dim: DIM, clusters: 60, sigma: 2, seed: 9 });
      normalizeRows(queries, DIM);
      let recallExtended = 0;
      let recallFresh = 0;
      for (let q = 0; q < 100; q++) {
        const query = queries.subarray(q * DIM, (q + 1) * DIM);
        const truth = exactTopK(vectors, DIM, query, 10, (row) => row !== 17);
        recallExtended += recallAt(extended.search(query, 10, { ef: 64 }).labels, truth, 10) / 100;
        const freshHits = [...fresh.search(query, 11, { ef: 64 }).labels].filter((row) => row !== 17);
        recallFresh += recallAt(freshHits, truth, 10) / 100;
      }
      expect(recallExtended).toBeGreaterThan(0.95);
      expect(recallExtended).toBeGreaterThan(recallFresh - 0.02);
    } finally {
      extended.dispose();
      fresh.dispose();
    }
    expect(await tempFiles()).toEqual([]);
  });
});
