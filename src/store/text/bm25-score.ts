/**
 * BM25 scoring for `BM25Index.search`, term at a time: each query term's posting list adds its contribution
 * to a score accumulator, then the survivors of the filter and tombstones go through the shared TopK heap.
 * The accumulator is a Float64Array over the segment's rows, kept per index and zeroed after each use, with
 * a list of the rows touched, so a query costs the postings it reads whatever the segment's size.
 *
 * Lucene's BM25: idf = ln(1 + (N − df + 0.5) / (df + 0.5)), and per term
 * score = idf · tf · (k1 + 1) / (tf + k1 · (1 − b + b · len / avgLen)). A term repeated in the query counts
 * once per occurrence (as a Lucene BooleanQuery of term queries does).
 */

import { QuiverError } from '../../errors.js';
import { Bitset } from '../util/bitset.js';
import { TopK } from '../vector/top-k.js';
import type { BM25Index } from './bm25-index.js';

/** Collection-wide statistics, summed over segments, so every segment scores with the same IDF. */
export interface BM25GlobalStats {
  /** Rows with at least one term, over all segments. */
  docCount: number;
  /** Total length over docCount. */
  avgLength: number;
  /** Rows holding the term, over all segments. */
  docFreq: (term: string) => number;
}

export interface BM25SearchOptions {
  /** Term-frequency saturation. Default 1.2. */
  k1?: number;
  /** Length normalization, 0..1. Default 0.75. */
  b?: number;
  /** Only rows set here can be returned. Its size must be at least the index's rowCount. */
  filter?: Bitset;
  /** Rows set here (tombstones) are never returned. */
  deleted?: Bitset;
  /** Statistics to use instead of this segment's own. */
  global?: BM25GlobalStats;
}

export interface BM25Hits {
  rows: Uint32Array;
  /** Descending; equal scores list their rows ascending. */
  scores: Float32Array;
}

const NO_HITS: BM25Hits = Object.freeze({ rows: new Uint32Array(0), scores: new Float32Array(0) });

function invalid(field: string, message: string, received: unknown): never {
  throw new QuiverError('INVALID_ARGUMENT', `BM25 search: ${field} ${message}`, { field, received });
}

function number(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max))
    invalid(field, `must be in [${min}, ${max}]`, value);
  return value;
}

function bitset(field: string, value: unknown, rowCount: number): Bitset | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Bitset) || value.size < rowCount)
    invalid(field, `must be a Bitset of size ≥ ${rowCount}`, value);
  return value;
}

function globalStats(value: unknown): BM25GlobalStats | undefined {
  if (value === undefined) return undefined;
  const g = value as Partial<BM25GlobalStats> | null;
  if (typeof g !== 'object' || g === null) invalid('global', 'must be an object', value);
  number('global.docCount', g.docCount ?? Number.NaN, 0, 0, Number.MAX_SAFE_INTEGER);
  if (typeof g.avgLength !== 'number' || !(g.avgLength > 0 && Number.isFinite(g.avgLength))) {
    invalid('global.avgLength', 'must be a positive number', g.avgLength);
  }
  if (typeof g.docFreq !== 'function') invalid('global.docFreq', 'must be a function', g.docFreq);
  return g as BM25GlobalStats;
}

/** Lucene's BM25 idf: ln(1 + (N − df + 0.5) / (df + 0.5)). */
export function bm25Idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}

const scratches = new WeakMap<BM25Index, Float64Array>();

/** The index's zeroed accumulator (every use leaves it zeroed again). */
function scratch(index: BM25Index, rowCount: number): Float64Array {
  let acc = scratches.get(index);
  if (!acc) {
    acc = new Float64Array(rowCount);
    scratches.set(index, acc);
  }
  return acc;
}

export function scoreBM25(index: BM25Index, queryTerms: string[], k: number, options: BM25SearchOptions): BM25Hits {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) invalid('k', 'must be a non-negative integer', k);
  if (typeof options !== 'object' || options === null) invalid('options', 'must be an object', options);
  const k1 = number('k1', options.k1, 1.2, 0, Number.MAX_VALUE);
  const b = number('b', options.b, 0.75, 0, 1);
  const { rowCount, lengths } = index;
  const filter = bitset('filter', options.filter, rowCount);
  const deleted = bitset('deleted', options.deleted, rowCount);
  const global = globalStats(options.global);
  const docCount = global ? global.docCount : index.docCount;
  const avgLength = global ? global.avgLength : index.totalLength / index.docCount;

  // Term id → how often the query names it; repeats weigh in once per occurrence.
  const occurrences = new Map<number, number>();
  for (const term of queryTerms) {
    const id = index.termId(term);
    if (id !== undefined) occurrences.set(id, (occurrences.get(id) ?? 0) + 1);
  }
  if (occurrences.size === 0 || k === 0) return NO_HITS;

  const c1 = k1 * (1 - b);
  const c2 = (k1 * b) / avgLength;
  const ids: number[] = [];
  const weights: number[] = [];
  let touched = 0;
  for (const [id, count] of occurrences) {
    const term = index.terms[id]!;
    const df = global ? global.docFreq(term) : index.docFreq(term);
    if (typeof df !== 'number' || !(df >= 0 && df <= Number.MAX_SAFE_INTEGER)) {
      invalid('global.docFreq', `returned a bad count for "${term}"`, df);
    }
    ids.push(id);
    weights.push(count * bm25Idf(docCount, df) * (k1 + 1));
    touched += index.offsets[id + 1]! - index.offsets[id]!;
  }

  const top = new TopK(Math.min(k, rowCount));
  // One accumulator slot per row, reused across queries (searches run synchronously, one at a time), plus the
  // list of rows touched: the cost is the postings read, never the segment size, and no Map, whose per-entry
  // cost is ~20× a typed-array slot. Every contribution is > 0 (idf > 0, tf ≥ 1), so 0 means "not touched".
  const acc = scratch(index, rowCount);
  const hits = new Uint32Array(Math.min(touched, rowCount));
  let n = 0;
  for (let t = 0; t < ids.length; t++) {
    const { rows, freqs } = index.postings(ids[t]!);
    const w = weights[t]!;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const tf = freqs[i]!;
      if (acc[row] === 0) hits[n++] = row;
      acc[row]! += (w * tf) / (tf + c1 + c2 * lengths[row]!);
    }
  }
  for (let i = 0; i < n; i++) {
    const row = hits[i]!;
    const score = acc[row]!;
    acc[row] = 0;
    if ((filter !== undefined && !filter.has(row)) || deleted?.has(row)) continue;
    top.push(-score, row); // TopK compares in float32, so equal float32 scores tie-break by row
  }
  const { labels, distances } = top.result();
  const scores = new Float32Array(distances.length);
  for (let i = 0; i < scores.length; i++) scores[i] = 0 - distances[i]!;
  return { rows: labels, scores };
}
