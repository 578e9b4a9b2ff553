/**
 * The VectorIndex contract: FLAT and HNSW run the same tests through a factory that builds an index of the
 * implementation from row-major vectors. Every test runs for every metric (cosine on normalized data, ip and
 * l2 on raw data). Exactness is asserted only where the index kind promises it (FLAT); HNSW is held to the
 * rules that hold for any correct index (filters, tombstones, ordering, persistence) and to recall@10 ≥ 0.95.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusteredVectors, mulberry32 } from '../../bench/lib/clustered.js';
import { normalizeRows } from '../../bench/lib/measure.js';
import { isQuiverError } from '../../src/errors.js';
import type { Metric } from '../../src/store/schema/types.js';
import { filteredEf } from '../../src/store/segment/planner.js';
import { Bitset } from '../../src/store/util/bitset.js';
import { loadVectorIndex } from '../../src/store/vector/load-vector-index.js';
import { MemoryColumn } from '../../src/store/vector/vector-column.js';
import type { VectorHits, VectorIndex } from '../../src/store/vector/vector-index.js';

/** Builds an index over `vectors` (row-major, `vectors.length / dim` rows). The contract never mutates them. */
export type VectorIndexFactory = (vectors: Float32Array, dim: number, metric: Metric) => Promise<VectorIndex>;

export const METRICS: readonly Metric[] = ['cosine', 'ip', 'l2'];

// ---------------------------------------------------------------------------------------------------------
// Reference computations, in float64 and written the plain way (no shared code with src/store/vector).

/** Uniform vectors in [-1, 1]^dim, normalized when the metric is cosine. */
export function randomVectors(n: number, dim: number, metric: Metric, seed: number): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = r() * 2 - 1;
  if (metric === 'cosine') normalizeRows(out, dim);
  return out;
}

export function directDistance(metric: Metric, data: Float32Array, row: number, query: Float32Array): number {
  const dim = query.length;
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const a = data[row * dim + d]!;
    const b = query[d]!;
    s += metric === 'l2' ? (a - b) * (a - b) : a * b;
  }
  return metric === 'l2' ? s : 1 - s;
}

export interface Ranked {
  labels: number[];
  distances: number[];
}

/** Exact top-k over the rows `keep` accepts, ascending by distance then label. */
export function bruteForce(
  data: Float32Array,
  metric: Metric,
  query: Float32Array,
  k: number,
  keep: (row: number) => boolean = () => true,
): Ranked {
  const n = data.length / query.length;
  const all: { row: number; d: number }[] = [];
  for (let row = 0; row < n; row++) if (keep(row)) all.push({ row, d: directDistance(metric, data, row, query) });
  all.sort((a, b) => a.d - b.d || a.row - b.row);
  const top = all.slice(0, k);
  return { labels: top.map((x) => x.row), distances: top.map((x) => x.d) };
}

export function recallAt10(found: ArrayLike<number>, truth: readonly number[]): number {
  const want = new Set(truth.slice(0, 10));
  let hit = 0;
  for (let i = 0; i < Math.min(10, found.length); i++) if (want.has(found[i]!)) hit++;
  return want.size === 0 ? 1 : hit / want.size;
}

const tolerance = (x: number) => 1e-4 * Math.max(1, Math.abs(x));

/** Every hit's distance equals the direct computation for its row, and distances ascend. */
export function expectConsistentHits(hits: VectorHits, data: Float32Array, metric: Metric, query: Float32Array): void {
  expect(hits.labels.length).toBe(hits.distances.length);
  for (let i = 0; i < hits.labels.length; i++) {
    const want = directDistance(metric, data, hits.labels[i]!, query);
    const got = hits.distances[i]!;
    expect(Math.abs(got - want), `row ${hits.labels[i]}: distance ${got} vs direct ${want}`).toBeLessThanOrEqual(
      tolerance(want),
    );
    if (i > 0) expect(got).toBeGreaterThanOrEqual(hits.distances[i - 1]!);
  }
  expect(new Set(hits.labels).size, 'labels are distinct').toBe(hits.labels.length);
}

/** Hits equal the brute-force answer: same labels in the same order, distances within float tolerance. */
export function expectExact(hits: VectorHits, truth: Ranked): void {
  expect(Array.from(hits.labels)).toEqual(truth.labels);
  for (let i = 0; i < truth.distances.length; i++) {
    expect(Math.abs(hits.distances[i]! - truth.distances[i]!)).toBeLessThanOrEqual(tolerance(truth.distances[i]!));
  }
}

function row(data: Float32Array, dim: number, r: number): Float32Array {
  return data.slice(r * dim, (r + 1) * dim);
}

function randomRows(n: number, count: number, seed: number): number[] {
  const r = mulberry32(seed);
  const rows = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return rows.slice(0, count).sort((a, b) => a - b);
}

async function expectCorrupt(p: Promise<unknown>): Promise<void> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a QuiverError CORRUPT, but the load succeeded').toBeDefined();
  expect(isQuiverError(err, 'CORRUPT'), String(err)).toBe(true);
}

// ---------------------------------------------------------------------------------------------------------

const N = 300;
const DIM = 16;
const QUERIES = 20;

/** The clustered recall set: a size that builds in about a second with HNSW. */
const RECALL = { n: 5000, dim: 64, clusters: 50, sigma: 2, queries: 100 };
const DEFAULT_EF = 64;

export interface ContractOptions {
  /** The recall@10 floor on the clustered set at default settings. Default 0.95. */
  minRecall?: number;
}

export function runVectorIndexContract(name: string, factory: VectorIndexFactory, options: ContractOptions = {}): void {
  const minRecall = options.minRecall ?? 0.95;
  describe(`VectorIndex contract: ${name}`, () => {
    for (const metric of METRICS) {
      describe(metric, () => {
        const data = randomVectors(N, DIM, metric, 1);
        const queries = randomVectors(QUERIES, DIM, metric, 2);
        const query = (q: number) => row(queries, DIM, q);
        const built: VectorIndex[] = [];
        const make = async (vectors: Float32Array, dim = DIM): Promise<VectorIndex> => {
          const index = await factory(vectors, dim, metric);
          built.push(index);
          return index;
        };
        let shared: VectorIndex;

        beforeAll(async () => {
          shared = await make(data);
        });

        afterAll(() => {
          for (const index of built) index.dispose();
        });

        it('reports its kind, dim, metric and size', () => {
          expect(['FLAT', 'HNSW', 'IVF_FLAT', 'IVF_SQ8', 'IVF_PQ']).toContain(shared.kind);
          expect(shared.dim).toBe(DIM);
          expect(shared.metric).toBe(metric);
          expect(shared.size).toBe(N);
        });

        it('returns k hits whose distances equal a direct computation, ascending', () => {
          for (let q = 0; q < QUERIES; q++) {
            const hits = shared.search(query(q), 10);
            expect(hits.labels.length).toBe(10);
            expectConsistentHits(hits, data, metric, query(q));
            if (shared.kind === 'FLAT') expectExact(hits, bruteForce(data, metric, query(q), 10));
          }
        });

        it('finds a stored vector as its own nearest neighbour', () => {
          for (const r of [0, 17, N - 1]) {
            const hits = shared.search(row(data, DIM, r), 1);
            expect(Array.from(hits.labels)).toEqual([r]);
            expect(Math.abs(hits.distances[0]! - directDistance(metric, data, r, row(data, DIM, r)))).toBeLessThan(
              1e-4,
            );
          }
        });

        it('returns every row when k exceeds the size', () => {
          const hits = shared.search(query(0), N + 50);
          expect(hits.labels.length).toBe(N);
          expect(new Set(hits.labels).size).toBe(N);
          expectConsistentHits(hits, data, metric, query(0));
          if (shared.kind === 'FLAT') expectExact(hits, bruteForce(data, metric, query(0), N));
        });

        it('returns nothing for k = 0', () => {
          expect(shared.search(query(0), 0).labels.length).toBe(0);
        });

        it('searches an index of one row', async () => {
          const one = data.slice(0, DIM);
          const index = await make(one);
          expect(index.size).toBe(1);
          const hits = index.search(query(3), 10);
          expect(Array.from(hits.labels)).toEqual([0]);
          expectConsistentHits(hits, one, metric, query(3));
        });

        it('searches an empty index', async () => {
          const index = await make(new Float32Array(0));
          expect(index.size).toBe(0);
          const hits = index.search(query(0), 10);
          expect(hits.labels.length).toBe(0);
          expect(hits.distances.length).toBe(0);
          expect(index.search(query(0), 10, { filter: new Bitset(0) }).labels.length).toBe(0);
        });

        it('never returns a row the filter rejects', () => {
          for (const share of [0.1, 0.3, 0.7]) {
            const passing = randomRows(N, Math.round(N * share), 10 + share * 100);
            const filter = Bitset.fromIndices(N, passing);
            for (let q = 0; q < QUERIES; q++) {
              const hits = shared.search(query(q), 10, { filter });
              expect(hits.labels.length).toBe(10);
              for (const label of hits.labels) expect(filter.has(label), `row ${label} fails the filter`).toBe(true);
              expectConsistentHits(hits, data, metric, query(q));
              if (shared.kind === 'FLAT') {
                expectExact(
                  hits,
                  bruteForce(data, metric, query(q), 10, (r) => filter.has(r)),
                );
              }
            }
          }
        });

        it('returns exactly the passing rows when fewer than k pass', () => {
          const passing = [5, 42, 199, N - 1];
          const filter = Bitset.fromIndices(N, passing);
          for (let q = 0; q < QUERIES; q++) {
            const hits = shared.search(query(q), 10, { filter });
            expect([...hits.labels].sort((a, b) => a - b)).toEqual(passing);
            expectExact(
              hits,
              bruteForce(data, metric, query(q), 10, (r) => filter.has(r)),
            );
          }
        });

        it('returns nothing when the filter passes no row', () => {
          expect(shared.search(query(0), 10, { filter: new Bitset(N) }).labels.length).toBe(0);
        });

        it('never returns a deleted row, filtered or not', async () => {
          const index = await make(data);
          const deleted = new Set(randomRows(N, 100, 7));
          for (const r of deleted) index.markDeleted(r);
          const keep = (r: number) => !deleted.has(r);
          const all = index.search(query(0), N);
          expect(all.labels.length).toBe(N - deleted.size);
          for (const label of all.labels) expect(deleted.has(label), `deleted row ${label} returned`).toBe(false);
          const filter = Bitset.fromIndices(N, randomRows(N, 150, 8));
          for (let q = 0; q < QUERIES; q++) {
            const hits = index.search(query(q), 10);
            expect(hits.labels.length).toBe(10);
            for (const label of hits.labels) expect(deleted.has(label), `deleted row ${label} returned`).toBe(false);
            expectConsistentHits(hits, data, metric, query(q));
            if (index.kind === 'FLAT') expectExact(hits, bruteForce(data, metric, query(q), 10, keep));
            const filtered = index.search(query(q), 10, { filter });
            for (const label of filtered.labels) {
              expect(deleted.has(label), `deleted row ${label} returned`).toBe(false);
              expect(filter.has(label)).toBe(true);
            }
            if (index.kind === 'FLAT') {
              expectExact(
                filtered,
                bruteForce(data, metric, query(q), 10, (r) => keep(r) && filter.has(r)),
              );
            }
          }
        });

        it('treats markDeleted as idempotent', async () => {
          const index = await make(data);
          const deleted = randomRows(N, 40, 9);
          for (const r of deleted) index.markDeleted(r);
          for (const r of deleted) index.markDeleted(r);
          index.markDeleted(deleted[0]!);
          const hits = index.search(query(1), N);
          expect(hits.labels.length).toBe(N - deleted.length);
          expect(hits.labels.some((l) => deleted.includes(l))).toBe(false);
          // A deleted row inside a filter counts once too: the four passing rows minus the one deleted.
          const filter = Bitset.fromIndices(N, [
            deleted[0]!,
            ...randomRows(N, 300, 10)
              .filter((r) => !deleted.includes(r))
              .slice(0, 3),
          ]);
          expect(index.search(query(1), 10, { filter }).labels.length).toBe(3);
        });

        it('returns exactly the 3 rows left after deleting all others', async () => {
          const index = await make(data);
          const survivors = [3, 150, 271];
          for (let r = 0; r < N; r++) if (!survivors.includes(r)) index.markDeleted(r);
          for (let q = 0; q < QUERIES; q++) {
            const hits = index.search(query(q), 10);
            expect([...hits.labels].sort((a, b) => a - b)).toEqual(survivors);
            expectExact(
              hits,
              bruteForce(data, metric, query(q), 10, (r) => survivors.includes(r)),
            );
          }
          expect(Array.from(index.search(query(0), 10, { filter: Bitset.fromIndices(N, [150, 151]) }).labels)).toEqual([
            150,
          ]);
        });

        it('round-trips through serialize and loadVectorIndex with identical results', async () => {
          const index = await make(data);
          const deleted = randomRows(N, 30, 11);
          for (const r of deleted) index.markDeleted(r);
          const bytes = await index.serialize();
          const loaded = await loadVectorIndex(index.kind, bytes, new MemoryColumn(data, DIM, N), DIM, metric, N);
          built.push(loaded);
          expect(loaded.kind).toBe(index.kind);
          expect(loaded.size).toBe(N);
          expect(loaded.dim).toBe(DIM);
          expect(loaded.metric).toBe(metric);
          // The segment re-applies its tombstones on load; a graph that kept its marks must accept them again.
          for (const r of deleted) loaded.markDeleted(r);
          const filter = Bitset.fromIndices(N, randomRows(N, 100, 12));
          for (let q = 0; q < QUERIES; q++) {
            for (const options of [{}, { ef: 16 }, { filter }]) {
              const a = index.search(query(q), 10, options);
              const b = loaded.search(query(q), 10, options);
              expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
              expect(Array.from(b.distances)).toEqual(Array.from(a.distances));
            }
          }
          // And the loaded index serializes to bytes that load again.
          const again = await loadVectorIndex(
            index.kind,
            await loaded.serialize(),
            new MemoryColumn(data, DIM, N),
            DIM,
            metric,
            N,
          );
          built.push(again);
          for (const r of deleted) again.markDeleted(r);
          expect(Array.from(again.search(query(0), 10).labels)).toEqual(Array.from(index.search(query(0), 10).labels));
        });

        it('refuses to load with the wrong dimension (CORRUPT)', async () => {
          const bytes = await shared.serialize();
          await expectCorrupt(
            loadVectorIndex(shared.kind, bytes, new MemoryColumn(data, DIM * 2, N / 2), DIM * 2, metric, N / 2),
          );
          await expectCorrupt(
            loadVectorIndex(shared.kind, bytes, new MemoryColumn(data, DIM + 1, N), DIM + 1, metric, N),
          );
        });

        it('refuses to load with the wrong size (CORRUPT)', async () => {
          const bytes = await shared.serialize();
          await expectCorrupt(
            loadVectorIndex(shared.kind, bytes, new MemoryColumn(data, DIM, N - 1), DIM, metric, N - 1),
          );
          await expectCorrupt(
            loadVectorIndex(shared.kind, bytes, new MemoryColumn(data, DIM, N + 1), DIM, metric, N + 1),
          );
        });

        describe('recall on clustered data', () => {
          const { n, dim, queries: nq } = RECALL;
          const all = clusteredVectors({ n: n + nq, dim, clusters: RECALL.clusters, sigma: RECALL.sigma, seed: 3 });
          if (metric === 'cosine') normalizeRows(all, dim);
          const vectors = all.slice(0, n * dim);
          const qs = Array.from({ length: nq }, (_, q) => all.slice((n + q) * dim, (n + q + 1) * dim));
          let index: VectorIndex;

          beforeAll(async () => {
            index = await make(vectors, dim);
          });

          const meanRecall = (ef: number, filter?: Bitset): number => {
            let sum = 0;
            for (const q of qs) {
              const truth = bruteForce(vectors, metric, q, 10, filter ? (r) => filter.has(r) : undefined);
              const hits = index.search(q, 10, { ef, filter });
              if (filter) for (const label of hits.labels) expect(filter.has(label)).toBe(true);
              sum += recallAt10(hits.labels, truth.labels);
            }
            return sum / qs.length;
          };

          it(`recall@10 ≥ ${minRecall} at the default ef (${DEFAULT_EF})`, () => {
            const recall = meanRecall(DEFAULT_EF);
            expect(recall).toBeGreaterThanOrEqual(minRecall);
            // Omitting ef means the default.
            let sum = 0;
            for (const q of qs)
              sum += recallAt10(index.search(q, 10).labels, bruteForce(vectors, metric, q, 10).labels);
            expect(sum / qs.length).toBeGreaterThanOrEqual(minRecall);
          });

          for (const selectivity of [0.1, 0.5]) {
            it(`filtered recall@10 ≥ ${minRecall} at ${selectivity * 100}% selectivity with filteredEf`, () => {
              const filter = Bitset.fromIndices(n, randomRows(n, Math.round(n * selectivity), 20 + selectivity * 10));
              const ef = filteredEf(DEFAULT_EF, 10, selectivity);
              expect(meanRecall(ef, filter)).toBeGreaterThanOrEqual(minRecall);
            });
          }
        });
      });
    }
  });
}
