/**
 * Vector search over a whole collection: it compiles the filter once, asks the planner to search every
 * segment, merges the per-segment top lists into one ranking, applies range bounds and the offset, and
 * projects the output fields. One query runs synchronously from start to finish, so it sees one state of
 * the collection: never half of a write batch.
 */

import { QuiverError } from '../../errors.js';
import { compileFilter } from '../filter/index.js';
import type { PrimaryKey } from '../schema/batch.js';
import type { Metric, Row } from '../schema/types.js';
import type { ResolvedSchema, ResolvedVectorField } from '../schema/validate-schema.js';
import { type SegmentPlan, searchSegment } from '../segment/planner.js';
import type { Segment } from '../segment/segment.js';
import { normalizeInPlace } from '../vector/distance.js';
import type { CollectionData } from './collection-data.js';
import { type Projection, projectRow, resolveProjection } from './projection.js';

/** Milvus's consistency levels. In embedded mode every level reads all acknowledged writes. */
export type ConsistencyLevel = 'strong' | 'bounded' | 'session' | 'eventually';

export interface SearchOptions {
  /** The vector field to search; may be omitted when the collection has one. */
  field?: string;
  /** Hits to return. Default 10, at most 16,384. */
  k?: number;
  /** Hits to skip before the first returned (pagination). */
  offset?: number;
  /** A filter expression; see docs/filter-language.md. */
  filter?: string;
  /** Values for `{name}` placeholders in the filter. */
  params?: Record<string, unknown>;
  /** HNSW beam width. Default: the field's index `ef` (64). */
  ef?: number;
  /** IVF lists to probe per segment. Default: the field's index `nprobe`. */
  nprobe?: number;
  /** IVF_SQ8 / IVF_PQ: candidates re-ranked on full vectors per hit. Default: the field's index `rerank`. */
  rerank?: number;
  /** Exact (brute-force) search: ground truth, slower. */
  exact?: boolean;
  outputFields?: string[];
  partitions?: string[];
  /** Range search: cosine/ip keep score > radius; l2 keeps distance < radius. */
  radius?: number;
  /** Range search inner bound: cosine/ip keep score ≤ rangeFilter; l2 keeps distance ≥ rangeFilter. */
  rangeFilter?: number;
  /** Return the planner's decision for every segment. */
  explain?: boolean;
  consistency?: ConsistencyLevel;
}

export interface SearchHit {
  id: PrimaryKey;
  /** Cosine similarity, inner product, or squared euclidean distance (for l2, lower is closer). */
  score: number;
  fields: Row;
}

export interface SearchResult {
  hits: SearchHit[];
  explain?: SegmentPlan[];
}

export const MAX_TOPK = 16_384;

export interface Candidate {
  segment: Segment;
  row: number;
  distance: number;
}

export function pickVectorField(schema: ResolvedSchema, field?: string): ResolvedVectorField {
  if (field === undefined) {
    if (schema.vectors.length > 1) {
      throw new QuiverError('INVALID_ARGUMENT', `this collection has several vector fields; name one with "field"`);
    }
    return schema.vectors[0]!;
  }
  const f = schema.vectors.find((v) => v.name === field);
  if (!f) throw new QuiverError('FIELD_NOT_FOUND', `"${field}" is not a vector field of this collection`, { field });
  return f;
}

/** Checks and normalizes one query vector into a fresh Float32Array. */
export function prepareQuery(f: ResolvedVectorField, vector: unknown): Float32Array {
  const v = vector as ArrayLike<number> | null | undefined;
  if (!v || typeof v !== 'object' || typeof v.length !== 'number') {
    throw new QuiverError('INVALID_ARGUMENT', 'a query vector must be an array of numbers');
  }
  if (v.length !== f.dim) {
    throw new QuiverError('DIMENSION_MISMATCH', `query vector has ${v.length} dims; "${f.name}" has ${f.dim}`, {
      field: f.name,
      expected: f.dim,
      received: v.length,
    });
  }
  const q = new Float32Array(f.dim);
  if (v instanceof Float32Array || v instanceof Float64Array) {
    q.set(v); // typed input needs no per-element type check
  } else {
    for (let i = 0; i < f.dim; i++) {
      const x = v[i];
      if (typeof x !== 'number') {
        throw new QuiverError('INVALID_VECTOR', `query vector [${i}] is ${String(x)}, not a number`, { index: i });
      }
      q[i] = x;
    }
  }
  // One pass catches NaN, ±Infinity, and doubles too large for float32 (they become Infinity here).
  for (let i = 0; i < f.dim; i++) {
    const x = q[i]!;
    if (x - x !== 0) {
      const range = Number.isFinite(v[i]) ? ' (outside the float32 range)' : '';
      throw new QuiverError('INVALID_VECTOR', `query vector [${i}] is ${String(v[i])}${range}, not a finite number`, {
        index: i,
      });
    }
  }
  if (f.metric === 'cosine' && normalizeInPlace(q, 0, f.dim) === 0) {
    throw new QuiverError('INVALID_VECTOR', 'an all-zero query vector has no cosine similarity');
  }
  return q;
}

function checkInt(name: string, v: number | undefined, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new QuiverError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${max}]; got ${String(v)}`, {
      field: name,
    });
  }
  return v;
}

export const toScore = (metric: Metric, distance: number) => (metric === 'l2' ? distance : 1 - distance);

function inRange(metric: Metric, score: number, radius?: number, rangeFilter?: number): boolean {
  if (metric === 'l2')
    return (radius === undefined || score < radius) && (rangeFilter === undefined || score >= rangeFilter);
  return (radius === undefined || score > radius) && (rangeFilter === undefined || score <= rangeFilter);
}

export interface PreparedSearch {
  field: ResolvedVectorField;
  k: number;
  offset: number;
  ef: number;
  projection: Projection;
  /** The best `want` rows for one query, nearest first, without range bounds or offset. */
  collect: (query: Float32Array, want: number) => Candidate[];
  run: (query: Float32Array) => SearchResult;
}

/** Validates options once; `run` then searches one query vector against the current segments. */
export function prepareSearch(
  data: CollectionData,
  options: SearchOptions,
  checkPartitions: (p?: string[]) => void,
  exactScanRows?: number,
): PreparedSearch {
  const schema = data.schema;
  const field = pickVectorField(schema, options.field);
  const k = checkInt('k', options.k, 1, MAX_TOPK, 10);
  const offset = checkInt('offset', options.offset, 0, MAX_TOPK, 0);
  if (k + offset > MAX_TOPK) throw new QuiverError('INVALID_ARGUMENT', `k + offset must be at most ${MAX_TOPK}`);
  const defaultEf =
    field.index.type === 'HNSW' ? field.index.ef : field.index.type === 'AUTOINDEX' ? field.index.hnsw.ef : 64;
  const ef = checkInt('ef', options.ef, 1, 32_768, defaultEf);
  const nprobe = options.nprobe === undefined ? undefined : checkInt('nprobe', options.nprobe, 1, 65_536, 1);
  const rerank = options.rerank === undefined ? undefined : checkInt('rerank', options.rerank, 1, 64, 1);
  for (const [name, value] of [
    ['radius', options.radius],
    ['rangeFilter', options.rangeFilter],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new QuiverError('INVALID_ARGUMENT', `${name} must be a finite number`, { field: name });
    }
  }
  checkPartitions(options.partitions);
  const filter = options.filter === undefined ? undefined : compileFilter(options.filter, schema, options.params);
  const projection = resolveProjection(schema, options.outputFields);
  const ranged = options.radius !== undefined || options.rangeFilter !== undefined;

  /** The best `want` rows for one query, nearest first; per-segment plans go to `plans` when given. */
  const collect = (query: Float32Array, want: number, plans?: SegmentPlan[]): Candidate[] => {
    const all: Candidate[] = [];
    // One query object for every segment: this runs per query, so it allocates as little as it can.
    const q = {
      field: field.name,
      dim: field.dim,
      metric: field.metric,
      vector: query,
      k: want,
      ef: Math.max(ef, want),
      nprobe,
      rerank,
      exact: options.exact === true,
      filter,
      partitions: options.partitions,
      exactScanRows,
    };
    for (const segment of data.segments()) {
      if (segment.rowCount === segment.deletedCount && !plans) continue;
      const { hits, plan } = searchSegment(segment, q);
      plans?.push(plan);
      for (let i = 0; i < hits.labels.length; i++)
        all.push({ segment, row: hits.labels[i]!, distance: hits.distances[i]! });
    }
    all.sort((a, b) => a.distance - b.distance || a.segment.id - b.segment.id || a.row - b.row);
    return all.length > want ? all.slice(0, want) : all;
  };

  const run = (query: Float32Array): SearchResult => {
    const live = data.liveRows;
    let want = k + offset;
    for (;;) {
      const plans: SegmentPlan[] | undefined = options.explain ? [] : undefined;
      let ranked = collect(query, want, plans);
      if (ranged) {
        const farthest = ranked[ranked.length - 1];
        const full = ranked.length === want;
        const score = (c: Candidate) => toScore(field.metric, c.distance);
        ranked = ranked.filter((c) => inRange(field.metric, score(c), options.radius, options.rangeFilter));
        // The inner bound may have excluded the nearest hits. While the farthest hit is still inside the
        // outer bound, more in-range rows may lie beyond it: widen the search until enough remain.
        const outerOk = farthest !== undefined && inRange(field.metric, score(farthest), options.radius);
        if (ranked.length < k + offset && full && outerOk && want < live && want < MAX_TOPK) {
          want = Math.min(want * 4, live, MAX_TOPK);
          continue;
        }
      }
      const hits = ranked.slice(offset, offset + k).map((c) => ({
        id: c.segment.pk(c.row),
        score: toScore(field.metric, c.distance),
        fields: projectRow(c.segment, c.row, projection),
      }));
      return plans ? { hits, explain: plans } : { hits };
    }
  };
  return { field, k, offset, ef, projection, collect, run };
}
