/**
 * FLAT: the VectorIndex contract for every metric, plus what only exact search promises: searchRows over an
 * explicit candidate list equals brute force over those rows, skips tombstones, and ties break by label.
 */

import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/lib/clustered.js';
import { FlatIndex } from '../../../src/store/vector/flat-index.js';
import {
  bruteForce,
  expectConsistentHits,
  expectExact,
  METRICS,
  randomVectors,
  runVectorIndexContract,
} from '../../contracts/vector-index.contract.js';

runVectorIndexContract(
  'FLAT',
  async (vectors, dim, metric) => new FlatIndex(vectors, dim, metric, vectors.length / dim),
);

const N = 500;
const DIM = 24;

function candidates(seed: number, count: number): number[] {
  const r = mulberry32(seed);
  const set = new Set<number>();
  while (set.size < count) set.add(Math.floor(r() * N));
  // Unsorted on purpose: the planner may hand rows over in any order.
  return [...set];
}

describe('FlatIndex.searchRows', () => {
  for (const metric of METRICS) {
    describe(metric, () => {
      const data = randomVectors(N, DIM, metric, 31);
      const queries = randomVectors(10, DIM, metric, 32);
      const query = (q: number) => queries.subarray(q * DIM, (q + 1) * DIM);

      it('equals brute force over the candidate rows', () => {
        const index = new FlatIndex(data, DIM, metric, N);
        for (const count of [1, 7, 60, 200]) {
          const rows = candidates(count, count);
          const keep = new Set(rows);
          for (let q = 0; q < 10; q++) {
            for (const k of [1, 10, count + 5]) {
              const hits = index.searchRows(query(q), k, rows);
              expectExact(
                hits,
                bruteForce(data, metric, query(q), k, (r) => keep.has(r)),
              );
              expectConsistentHits(hits, data, metric, query(q));
            }
          }
        }
        expect(index.searchRows(query(0), 10, []).labels.length).toBe(0);
        expect(index.searchRows(query(0), 0, [1, 2, 3]).labels.length).toBe(0);
      });

      it('accepts a Uint32Array of candidates', () => {
        const index = new FlatIndex(data, DIM, metric, N);
        const rows = candidates(5, 80);
        const keep = new Set(rows);
        const hits = index.searchRows(query(1), 10, Uint32Array.from(rows));
        expectExact(
          hits,
          bruteForce(data, metric, query(1), 10, (r) => keep.has(r)),
        );
      });

      it('skips tombstoned rows in the candidate list', () => {
        const index = new FlatIndex(data, DIM, metric, N);
        const rows = candidates(9, 120);
        const deleted = new Set(rows.filter((_, i) => i % 3 === 0));
        for (const r of deleted) index.markDeleted(r);
        const keep = (r: number) => rows.includes(r) && !deleted.has(r);
        for (let q = 0; q < 10; q++) {
          const hits = index.searchRows(query(q), 10, rows);
          for (const label of hits.labels) expect(deleted.has(label)).toBe(false);
          expectExact(hits, bruteForce(data, metric, query(q), 10, keep));
        }
        // Asking for more than survive returns exactly the survivors.
        const all = index.searchRows(query(0), rows.length, rows);
        expect(all.labels.length).toBe(rows.length - deleted.size);
        // A list of only tombstones returns nothing.
        expect(index.searchRows(query(0), 10, [...deleted]).labels.length).toBe(0);
      });
    });
  }
});

describe('FlatIndex ties', () => {
  it('breaks equal distances by ascending label, with and without a filter or tombstones', () => {
    // Integer coordinates make distances exact, so duplicated rows tie exactly.
    const dim = 4;
    const base = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ];
    const data = Float32Array.from(base.flat());
    const q = Float32Array.from([1, 0, 0, 0]);
    for (const metric of METRICS) {
      const index = new FlatIndex(data, dim, metric, base.length);
      expect(Array.from(index.search(q, 4).labels)).toEqual([0, 2, 4, 1]);
      expect(Array.from(index.search(q, 2).labels)).toEqual([0, 2]);
      expect(Array.from(index.searchRows(q, 2, [4, 2, 0]).labels)).toEqual([0, 2]);
      expect(Array.from(index.searchRows(q, 2, [4, 5, 2, 0]).labels)).toEqual([0, 2]);
      index.markDeleted(0);
      expect(Array.from(index.search(q, 3).labels)).toEqual([2, 4, 1]);
    }
  });
});
