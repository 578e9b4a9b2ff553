/**
 * Hybrid search in one call: several sub-searches (dense over any vector field, BM25 over any full-text
 * field) run with the same filter and partitions against one state of the collection, each returns its
 * best `limit` candidates, and a fusion method (RRF, weighted score fusion, or adaptive weighting) merges
 * them into one ranking. Each hit reports the fused score and every sub-search's own score, so callers can
 * see why a row ranked where it did. The whole call runs synchronously: it never sees half a write.
 */

import { QuiverError } from '../../errors.js';
import { fuse } from '../fusion/fuse.js';

import type { FusionSpec, RankedList } from '../fusion/types.js';
import type { PrimaryKey } from '../schema/batch.js';
import type { Metric, Row } from '../schema/types.js';
import type { Segment } from '../segment/segment.js';
import type { CollectionData } from './collection-data.js';
import { projectRow, resolveProjection } from './projection.js';
import { type ConsistencyLevel, MAX_TOPK, prepareQuery, prepareSearch, toScore } from './search.js';
import { prepareTextSearch } from './text-search.js';

export interface VectorSubSearch {
  vector: ArrayLike<number>;
  /** The vector field; may be omitted when the collection has one. */
  field?: string;
  ef?: number;
  /** IVF lists to probe per segment (see SearchOptions). */
  nprobe?: number;
  /** IVF_SQ8 / IVF_PQ re-ranking factor (see SearchOptions). */
  rerank?: number;
  exact?: boolean;
}

export interface TextSubSearch {
  text: string;
  /** The full-text field; may be omitted when the collection has one. */
  field?: string;
  k1?: number;
  b?: number;
  /** Other full-text fields added with weights, e.g. `{ title: 0.1 }` (see TextSearchOptions.boosts). */
  boosts?: Record<string, number>;
}

export type SubSearch = VectorSubSearch | TextSubSearch;

export interface HybridSearchOptions {
  /** One to eight sub-searches. Their results are fused in this order (weights follow it too). */
  requests: SubSearch[];
  /** Hits to return. Default 10. */
  k?: number;
  offset?: number;
  /** Candidates each sub-search contributes to fusion. Default max(100, k + offset). */
  limit?: number;
  /**
   * How the lists are merged. Default: `defaultFusion(requests)`, min-max weighted fusion with BM25 at 1 and
   * vectors at 0.2. An adaptive spec without an anchor anchors on the first text sub-search.
   */
  fusion?: FusionSpec;
  filter?: string;
  params?: Record<string, unknown>;
  partitions?: string[];
  outputFields?: string[];
  /** Milvus's consistency levels; embedded mode reads every acknowledged write at any level. */
  consistency?: ConsistencyLevel;
}

export interface HybridHit {
  id: PrimaryKey;
  /** The fused score; higher is better. */
  score: number;
  /** Per sub-search, in request order: its own score for this row (as `search` reports it), or null when the
   * row was not among that sub-search's candidates. */
  scores: (number | null)[];
  fields: Row;
}

export interface HybridResult {
  hits: HybridHit[];
}

/** Weight of each text (BM25) sub-search's min-max normalized scores in the default fusion. */
export const DEFAULT_TEXT_WEIGHT = 1;
/**
 * Weight of each vector sub-search in the default fusion, chosen on SciFact's train queries with the
 * offline default model (docs/retrieval.md): 0.1 / 0.15 / 0.2 / 0.25 / 0.3 / 0.4 gave 0.701 / 0.702 /
 * 0.705 / 0.702 / 0.703 / 0.698 nDCG@10 against BM25's 0.697; equal weights (or RRF) let a dense model
 * much weaker than BM25 pull the fusion down by 0.2 nDCG@10.
 */
export const DEFAULT_VECTOR_WEIGHT = 0.2;

/**
 * The fusion a hybrid search uses when it names none: weighted fusion of min-max normalized scores, text
 * sub-searches at DEFAULT_TEXT_WEIGHT and vector ones at DEFAULT_VECTOR_WEIGHT. With vector sub-searches
 * only, they weigh alike.
 */
export function defaultFusion(requests: readonly SubSearch[]): FusionSpec {
  const isText = requests.map((r) => (r as Partial<TextSubSearch>).text !== undefined);
  const anyText = isText.some(Boolean);
  return {
    method: 'weighted',
    normalize: 'minmax',
    weights: isText.map((t) => (t || !anyText ? DEFAULT_TEXT_WEIGHT : DEFAULT_VECTOR_WEIGHT)),
  };
}

/** Adaptive fusion anchors on one list; unless the caller names it, that is the first text (BM25) sub-search. */
export function withAnchor(spec: FusionSpec, requests: readonly SubSearch[]): FusionSpec {
  if (spec.method !== 'adaptive' || spec.anchor !== undefined) return spec;
  const text = requests.findIndex((r) => (r as Partial<TextSubSearch>).text !== undefined);
  return { ...spec, anchor: Math.max(0, text) };
}

const MAX_REQUESTS = 8;

interface Located {
  segment: Segment;
  row: number;
}

function int(name: string, v: unknown, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_TOPK) {
    throw new QuiverError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${MAX_TOPK}]`, { field: name });
  }
  return v;
}

export function hybridSearch(
  data: CollectionData,
  options: HybridSearchOptions,
  checkPartitions: (p?: string[]) => void,
  exactScanRows?: number,
): HybridResult {
  if (options === null || typeof options !== 'object') {
    throw new QuiverError('INVALID_ARGUMENT', 'hybridSearch takes an options object');
  }
  const { requests } = options;
  if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_REQUESTS) {
    throw new QuiverError('INVALID_ARGUMENT', `requests must hold 1 to ${MAX_REQUESTS} sub-searches`, {
      field: 'requests',
    });
  }
  const k = int('k', options.k, 1, 10);
  const offset = int('offset', options.offset, 0, 0);
  if (k + offset > MAX_TOPK) throw new QuiverError('INVALID_ARGUMENT', `k + offset must be at most ${MAX_TOPK}`);
  const limit = int('limit', options.limit, 1, Math.max(100, k + offset));
  const projection = resolveProjection(data.schema, options.outputFields);
  const shared = { filter: options.filter, params: options.params, partitions: options.partitions, outputFields: [] };

  // Validate every sub-search (and the filter) before running any.
  const metrics: (Metric | 'bm25')[] = [];
  const runs = requests.map((r, i): (() => RankedList<PrimaryKey>) => {
    const sub = r as Partial<VectorSubSearch & TextSubSearch>;
    if (sub === null || typeof sub !== 'object' || (sub.vector === undefined) === (sub.text === undefined)) {
      throw new QuiverError('INVALID_ARGUMENT', `requests[${i}] needs exactly one of "vector" or "text"`, {
        field: `requests[${i}]`,
      });
    }
    if (sub.text !== undefined) {
      const p = prepareTextSearch(
        data,
        { ...shared, field: sub.field, k1: sub.k1, b: sub.b, boosts: sub.boosts },
        checkPartitions,
      );
      metrics.push('bm25');
      return () => ranked(p.candidates(sub.text!, limit), (c) => c.score);
    }
    const p = prepareSearch(
      data,
      { ...shared, field: sub.field, ef: sub.ef, nprobe: sub.nprobe, rerank: sub.rerank, exact: sub.exact },
      checkPartitions,
      exactScanRows,
    );
    const query = prepareQuery(p.field, sub.vector);
    const metric = p.field.metric;
    metrics.push(metric);
    // Fusion wants "higher is better": similarity for cosine and ip, the negated distance for l2.
    return () => ranked(p.collect(query, limit), (c) => (metric === 'l2' ? -c.distance : toScore(metric, c.distance)));
  });

  function ranked<C extends Located>(cands: C[], score: (c: C) => number): RankedList<PrimaryKey> {
    const list: RankedList<PrimaryKey> = { keys: new Array(cands.length), scores: new Array(cands.length) };
    for (let i = 0; i < cands.length; i++) {
      const c = cands[i]!;
      list.keys[i] = c.segment.pk(c.row);
      list.scores[i] = score(c);
    }
    return list;
  }
  const lists = runs.map((run) => run());

  const fused = fuse(
    lists,
    options.fusion === undefined ? defaultFusion(requests) : withAnchor(options.fusion, requests),
    k + offset,
  );
  const hits = fused.slice(offset).map((h): HybridHit => {
    // The key index locates the few rows returned; nothing has changed since the sub-searches ran.
    const at = data.keys.get(h.key)!;
    // Report each sub-search's score as `search` would: an l2 distance, not the negated one fusion ranked by.
    const scores = h.scores.map((s, i) => (s !== null && metrics[i] === 'l2' ? -s : s));
    return { id: h.key, score: h.score, scores, fields: projectRow(at.segment, at.row, projection) };
  });
  return { hits };
}
