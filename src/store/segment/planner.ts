/**
 * The filter-aware search planner, run once per segment per query. It estimates from scalar indexes how many
 * rows a filter matches, then picks the cheaper exact path: an exact scan of a small candidate list, or an
 * HNSW search with a precomputed bitset and an `ef` raised as selectivity falls. It checks the result: when
 * HNSW returns fewer than k hits although k rows match, it falls back to an exact scan, so a search never
 * returns fewer than k hits while k rows match. Every decision is reported for `explain`.
 */

import { estimateFilter, type Filter, resolveFilter } from '../filter/index.js';
import type { Metric } from '../schema/types.js';
import { Bitset } from '../util/bitset.js';
import { FlatIndex } from '../vector/flat-index.js';
import type { VectorHits, VectorIndexKind } from '../vector/vector-index.js';
import { PARTITION_COLUMN, type Segment } from './segment.js';

export interface SegmentQuery {
  field: string;
  dim: number;
  metric: Metric;
  /** Normalized already for cosine. */
  vector: Float32Array;
  /** Hits wanted from this segment (the caller's k plus offset). */
  k: number;
  ef: number;
  /** IVF lists to probe; undefined: the index's default. */
  nprobe?: number;
  /** IVF_SQ8 / IVF_PQ re-ranking factor; undefined: the index's default. */
  rerank?: number;
  exact: boolean;
  filter?: Filter;
  partitions?: readonly string[];
  /**
   * Candidate lists at most this long are scanned exactly. Default: a cost model (see `scanExactly`), capped at
   * 2M floats' worth (≈5,200 rows at 384-d).
   */
  exactScanRows?: number;
}

export type Strategy = 'hnsw' | 'hnsw-filtered' | 'exact-scan' | 'exact-candidates' | 'empty';

export interface SegmentPlan {
  segment: number;
  state: 'growing' | 'sealed';
  rows: number;
  strategy: Strategy;
  reason: string;
  /** Rows the filter was estimated to match, before running it. */
  estimate?: { min: number; expected: number; max: number; exact: boolean };
  /** Rows that actually passed the filter, partitions and tombstones. */
  candidates?: number;
  /** The segment's ANN index, when it searched one (strategies `hnsw` and `hnsw-filtered` name any ANN index). */
  index?: VectorIndexKind;
  ef?: number;
}

export interface SegmentResult {
  hits: VectorHits;
  plan: SegmentPlan;
}

const EXACT_SCAN_FLOATS = 2_000_000;
/**
 * Where an exact scan of the candidates stops paying. A scan costs candidates × dim multiply-adds in JS; a
 * filtered HNSW search costs about 1/selectivity times an unfiltered one, in native code. bench:peers put the
 * crossover near candidates × dim × selectivity = 50,000: at 30k rows and 10% selectivity (3,000 candidates,
 * 115,000) the filtered graph search was 2.2× faster than the scan; at 1% (300 candidates) the scan was 50×
 * faster than hnswlib's filtered search.
 */
const EXACT_SCAN_BALANCE = 50_000;

/** The default choice between an exact scan of `rows` candidates and a filtered index search. */
function scanExactly(rows: number, segmentRows: number, dim: number, limit: number, fixed: boolean): boolean {
  if (rows > limit) return false;
  return fixed || rows * dim * (rows / Math.max(1, segmentRows)) <= EXACT_SCAN_BALANCE;
}

/**
 * Beam width for a filtered HNSW search. hnswlib's filtered search already keeps ef *matching* candidates and
 * walks through non-matching nodes, so recall holds with little extra width; the cost of each query grows as
 * 1/selectivity regardless, and a wide beam multiplies it. A gentle logarithmic raise (1.5× at 10%, 1.15×
 * at 50%) kept recall@10 ≥ 0.99 at 10% and 50% on 100k clustered vectors (bench/ann.ts), where ef/√s (3.2× at
 * 10%) cost 4× the QPS for no recall gain. Selective filters never get here: they are scanned exactly.
 */
export function filteredEf(ef: number, k: number, selectivity: number): number {
  const s = Math.min(1, Math.max(selectivity, 1e-6));
  return Math.min(4096, Math.ceil(Math.max(ef, k) * (1 + Math.log10(1 / s) / 2)));
}

/** Rows in the named partitions, or undefined when they cover the whole segment. */
export function partitionMask(segment: Segment, partitions: readonly string[]): Bitset {
  const mask = new Bitset(segment.rowCount);
  const index = segment.scalarIndex(PARTITION_COLUMN);
  if (index && index.kind === 'inverted') {
    for (const p of partitions) for (const row of index.lookup(p)) mask.add(row);
    return mask;
  }
  const wanted = new Set(partitions);
  for (let row = 0; row < segment.rowCount; row++) if (wanted.has(segment.partition(row))) mask.add(row);
  return mask;
}

/** Rows passing partitions, filter and tombstones, or undefined for "every live row" with no deletes. */
export function candidateRows(segment: Segment, filter?: Filter, partitions?: readonly string[]): Bitset | undefined {
  let rows = partitions ? partitionMask(segment, partitions) : undefined;
  if (filter) rows = resolveFilter(filter, segment, rows);
  if (!rows && segment.deletedCount === 0) return undefined;
  rows ??= Bitset.full(segment.rowCount);
  if (segment.deletedCount > 0) rows.andNot(segment.deleted);
  return rows;
}

function exactScan(segment: Segment, q: SegmentQuery, rows: Bitset | undefined): VectorHits {
  const column = segment.vectors(q.field);
  if (!column.resident) return exactCandidates(segment, q, rows ?? Bitset.full(segment.rowCount));
  const flat = new FlatIndex(column.resident, q.dim, q.metric, segment.rowCount);
  return flat.search(q.vector, q.k, rows ? { filter: rows } : {});
}

function exactCandidates(segment: Segment, q: SegmentQuery, rows: Bitset): VectorHits {
  const column = segment.vectors(q.field);
  const candidates = rows.toArray();
  if (column.resident) {
    return new FlatIndex(column.resident, q.dim, q.metric, segment.rowCount).searchRows(q.vector, q.k, candidates);
  }
  // A column on disk: read the candidates (runs of neighbours in one read each), scan them, map labels back.
  const gathered = column.gather(candidates);
  const hits = new FlatIndex(gathered, q.dim, q.metric, candidates.length).search(q.vector, q.k);
  for (let i = 0; i < hits.labels.length; i++) hits.labels[i] = candidates[hits.labels[i]!]!;
  return hits;
}

export function searchSegment(segment: Segment, q: SegmentQuery): SegmentResult {
  const base = { segment: segment.id, state: segment.state, rows: segment.rowCount };
  const restricted = q.filter !== undefined || q.partitions !== undefined;
  const live = segment.rowCount - segment.deletedCount;
  if (live === 0) {
    return { hits: emptyHits(), plan: { ...base, strategy: 'empty', reason: 'every row is deleted' } };
  }
  if (segment.state === 'growing' || q.exact) {
    const rows = candidateRows(segment, q.filter, q.partitions);
    const why = q.exact ? 'exact search requested' : 'growing segments have no index; scanned exactly';
    const plan: SegmentPlan = { ...base, strategy: 'exact-scan', reason: why, candidates: rows ? rows.count() : live };
    return { hits: exactScan(segment, q, rows), plan };
  }
  const index = segment.vectorIndex(q.field);
  if (!restricted) {
    const hits = index.search(q.vector, q.k, { ef: q.ef, nprobe: q.nprobe, rerank: q.rerank });
    const plan: SegmentPlan = { ...base, strategy: 'hnsw', index: index.kind, reason: 'no filter', ef: q.ef };
    if (hits.labels.length >= Math.min(q.k, live)) return { hits, plan };
    plan.strategy = 'exact-scan';
    plan.reason = `the index returned ${hits.labels.length} of ${Math.min(q.k, live)} hits; rescanned exactly`;
    return { hits: exactScan(segment, q, candidateRows(segment)), plan };
  }
  const limit = q.exactScanRows ?? Math.ceil(EXACT_SCAN_FLOATS / q.dim);
  const estimate = estimateWithPartitions(segment, q);
  const rows = candidateRows(segment, q.filter, q.partitions)!;
  const count = rows.count();
  const plan: SegmentPlan = { ...base, strategy: 'exact-candidates', reason: '', estimate, candidates: count };
  if (count === 0) {
    return { hits: emptyHits(), plan: { ...plan, strategy: 'empty', reason: 'no row matches the filter' } };
  }
  const fixed = q.exactScanRows !== undefined;
  const byEstimate = scanExactly(estimate.expected, segment.rowCount, q.dim, limit, fixed);
  if (byEstimate || scanExactly(count, segment.rowCount, q.dim, limit, fixed)) {
    plan.reason = byEstimate
      ? `estimated ${Math.round(estimate.expected)} matching rows: an exact scan of the candidates is cheaper`
      : `estimated ${Math.round(estimate.expected)} rows but only ${count} matched: exact scan of the candidates`;
    return { hits: exactCandidates(segment, q, rows), plan };
  }
  const ef = filteredEf(q.ef, q.k, count / segment.rowCount);
  const hits = index.search(q.vector, q.k, { ef, nprobe: q.nprobe, rerank: q.rerank, filter: rows });
  plan.strategy = 'hnsw-filtered';
  plan.index = index.kind;
  plan.ef = ef;
  const how =
    index.kind === 'HNSW' ? `ef ${ef}` : `nprobe ${q.nprobe ?? 'default'}, more lists while fewer than k match`;
  plan.reason = `${count} of ${segment.rowCount} rows match (${pct(count / segment.rowCount)}): ${index.kind} with a bitset filter, ${how}`;
  if (hits.labels.length >= Math.min(q.k, count)) return { hits, plan };
  plan.strategy = 'exact-candidates';
  plan.reason += `; it returned ${hits.labels.length} of ${Math.min(q.k, count)} hits, so the candidates were rescanned exactly`;
  return { hits: exactCandidates(segment, q, rows), plan };
}

function estimateWithPartitions(segment: Segment, q: SegmentQuery): NonNullable<SegmentPlan['estimate']> {
  const n = segment.rowCount;
  let est = q.filter ? estimateFilter(q.filter, segment) : { min: n, expected: n, max: n, exact: true };
  if (q.partitions) {
    const inPartitions = partitionMask(segment, q.partitions).count();
    const share = n === 0 ? 0 : inPartitions / n;
    est = {
      min: Math.max(0, est.min - (n - inPartitions)),
      expected: est.expected * share,
      max: Math.min(est.max, inPartitions),
      exact: est.exact && (share === 0 || share === 1),
    };
  }
  return est;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;

function emptyHits(): VectorHits {
  return { labels: new Uint32Array(0), distances: new Float32Array(0) };
}
