/**
 * BM25 search over a full-text field of the whole collection. Every segment scores with the same
 * collection-wide statistics (document count, average length, per-term document frequency summed over
 * segments), so a row's score does not depend on which segment holds it, and the per-segment top lists merge
 * into one ranking exactly. As in Lucene, the statistics count tombstoned rows until compaction rewrites
 * their segment; the rows themselves are never returned.
 */

import { QuiverError } from '../../errors.js';
import { compileFilter } from '../filter/index.js';
import type { ResolvedTextField } from '../schema/full-text.js';
import type { ResolvedSchema } from '../schema/validate-schema.js';
import { candidateRows } from '../segment/planner.js';
import type { Segment } from '../segment/segment.js';
import type { BM25Index } from '../text/bm25-index.js';
import type { BM25GlobalStats } from '../text/bm25-score.js';
import type { CollectionData } from './collection-data.js';
import { type Projection, projectRow, resolveProjection } from './projection.js';
import { type ConsistencyLevel, MAX_TOPK, type SearchHit, type SearchResult } from './search.js';

export interface TextSearchOptions {
  /** The full-text field to search; may be omitted when the collection has one. */
  field?: string;
  /** Hits to return. Default 10, at most 16,384. */
  k?: number;
  offset?: number;
  filter?: string;
  params?: Record<string, unknown>;
  outputFields?: string[];
  partitions?: string[];
  /** BM25 term-frequency saturation for this search. Default: the field's (1.2 unless set). */
  k1?: number;
  /** BM25 length normalization for this search. Default: the field's (0.75 unless set). */
  b?: number;
  /**
   * Other full-text fields whose BM25 scores are added to the field's, each times its weight (each field
   * with its own statistics, analyzer, k1 and b), e.g. `{ title: 0.1 }` for a title boost.
   */
  boosts?: Record<string, number>;
  /** Milvus's consistency levels; embedded mode reads every acknowledged write at any level. */
  consistency?: ConsistencyLevel;
}

export function pickTextField(schema: ResolvedSchema, field?: string): ResolvedTextField {
  if (field === undefined) {
    if (schema.texts.length === 1) return schema.texts[0]!;
    throw new QuiverError(
      'INVALID_ARGUMENT',
      schema.texts.length === 0
        ? 'this collection has no full-text field; declare a string field with fullText: true'
        : 'this collection has several full-text fields; name one with "field"',
    );
  }
  const f = schema.texts.find((t) => t.name === field);
  if (f) return f;
  const exists = schema.fields.some((s) => s.name === field);
  throw new QuiverError(
    exists ? 'INVALID_ARGUMENT' : 'FIELD_NOT_FOUND',
    exists
      ? `"${field}" has no full-text index; declare it with fullText: true`
      : `"${field}" is not a field of this collection`,
    { field },
  );
}

function resolveBoosts(
  schema: ResolvedSchema,
  main: ResolvedTextField,
  boosts: unknown,
): { field: ResolvedTextField; weight: number }[] {
  if (boosts === undefined) return [];
  if (boosts === null || typeof boosts !== 'object' || Array.isArray(boosts)) {
    throw new QuiverError('INVALID_ARGUMENT', 'boosts must be an object of field name to weight', { field: 'boosts' });
  }
  return Object.entries(boosts as Record<string, unknown>).map(([name, weight]) => {
    if (typeof weight !== 'number' || !(weight > 0 && Number.isFinite(weight))) {
      throw new QuiverError('INVALID_ARGUMENT', `boosts.${name} must be a positive number`, {
        field: `boosts.${name}`,
      });
    }
    const f = pickTextField(schema, name);
    if (f === main) throw new QuiverError('INVALID_ARGUMENT', `boosts names the searched field "${name}" again`);
    return { field: f, weight };
  });
}

function checkNumber(name: string, v: unknown, min: number, max: number): void {
  if (v !== undefined && (typeof v !== 'number' || !(v >= min && v <= max))) {
    throw new QuiverError('INVALID_ARGUMENT', `${name} must be a number in [${min}, ${max}]`, { field: name });
  }
}

function checkInt(name: string, v: unknown, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_TOPK) {
    throw new QuiverError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${MAX_TOPK}]`, { field: name });
  }
  return v;
}

/** Statistics summed over the segments' indexes of one field; document frequencies memoized per query. */
function globalStats(segments: Segment[], field: string): BM25GlobalStats | undefined {
  let docCount = 0;
  let totalLength = 0;
  const indexes: BM25Index[] = [];
  for (const s of segments) {
    const index = s.textIndex(field);
    if (!index) continue;
    indexes.push(index);
    docCount += index.docCount;
    totalLength += index.totalLength;
  }
  if (docCount === 0) return undefined;
  const memo = new Map<string, number>();
  return {
    docCount,
    avgLength: totalLength / docCount,
    docFreq: (term) => {
      let df = memo.get(term);
      if (df === undefined) {
        df = 0;
        for (const index of indexes) df += index.docFreq(term);
        memo.set(term, df);
      }
      return df;
    },
  };
}

export interface TextCandidate {
  segment: Segment;
  row: number;
  score: number;
}

export interface PreparedTextSearch {
  field: ResolvedTextField;
  k: number;
  offset: number;
  projection: Projection;
  /** The best `want` live rows for `text`, best first. */
  candidates: (text: string, want: number) => TextCandidate[];
  run: (text: string) => SearchResult;
}

/** Validates options once; `run` then scores one query text against the current segments. */
export function prepareTextSearch(
  data: CollectionData,
  options: TextSearchOptions,
  checkPartitions: (p?: string[]) => void,
  /** Statistics to score with instead of this data's own: a cluster query node holds only part of the rows. */
  statsFor?: (field: string) => BM25GlobalStats | undefined,
): PreparedTextSearch {
  const schema = data.schema;
  const field = pickTextField(schema, options.field);
  const k = checkInt('k', options.k, 1, 10);
  const offset = checkInt('offset', options.offset, 0, 0);
  if (k + offset > MAX_TOPK) throw new QuiverError('INVALID_ARGUMENT', `k + offset must be at most ${MAX_TOPK}`);
  checkNumber('k1', options.k1, 0, 100);
  checkNumber('b', options.b, 0, 1);
  const k1 = options.k1 ?? field.k1;
  const b = options.b ?? field.b;
  checkPartitions(options.partitions);
  const filter = options.filter === undefined ? undefined : compileFilter(options.filter, schema, options.params);
  const projection = resolveProjection(schema, options.outputFields);
  const boosts = resolveBoosts(schema, field, options.boosts);

  const candidates = (text: string, want: number): TextCandidate[] => {
    if (boosts.length > 0) return boosted(text, want);
    if (typeof text !== 'string') throw new QuiverError('INVALID_ARGUMENT', 'text must be a string', { field: 'text' });
    const terms = field.analyzer.analyze(text);
    if (terms.length === 0) return [];
    const segments = data.segments();
    const global = statsFor ? statsFor(field.name) : globalStats(segments, field.name);
    if (!global) return [];
    const all: TextCandidate[] = [];
    for (const segment of segments) {
      if (segment.rowCount === segment.deletedCount) continue;
      const index = segment.textIndex(field.name)!;
      const rows = candidateRows(segment, filter, options.partitions);
      const hits = index.search(terms, want, rows ? { k1, b, global, filter: rows } : { k1, b, global });
      for (let i = 0; i < hits.rows.length; i++) all.push({ segment, row: hits.rows[i]!, score: hits.scores[i]! });
    }
    all.sort((x, y) => y.score - x.score || x.segment.id - y.segment.id || x.row - y.row);
    return all.length > want ? all.slice(0, want) : all;
  };

  /**
   * Multi-field scoring: every matching row of every field is scored (a per-field top list would miss rows
   * that rank low on each field but high on the sum), the weighted scores are summed per row, and the best
   * `want` are kept.
   */
  const boosted = (text: string, want: number): TextCandidate[] => {
    const segments = data.segments();
    const parts = [{ field, weight: 1 }, ...boosts].map(({ field: f, weight }) => ({
      f,
      weight,
      terms: f.analyzer.analyze(text),
      global: statsFor ? statsFor(f.name) : globalStats(segments, f.name),
      k1: f === field ? k1 : f.k1,
      b: f === field ? b : f.b,
    }));
    const all: TextCandidate[] = [];
    for (const segment of segments) {
      if (segment.rowCount === segment.deletedCount) continue;
      const rows = candidateRows(segment, filter, options.partitions);
      const sums = new Map<number, number>();
      for (const p of parts) {
        if (p.terms.length === 0 || !p.global) continue;
        const index = segment.textIndex(p.f.name)!;
        const opts = { k1: p.k1, b: p.b, global: p.global, ...(rows ? { filter: rows } : {}) };
        const hits = index.search(p.terms, segment.rowCount, opts);
        for (let i = 0; i < hits.rows.length; i++) {
          const row = hits.rows[i]!;
          sums.set(row, (sums.get(row) ?? 0) + p.weight * hits.scores[i]!);
        }
      }
      for (const [row, score] of sums) all.push({ segment, row, score });
    }
    all.sort((x, y) => y.score - x.score || x.segment.id - y.segment.id || x.row - y.row);
    return all.length > want ? all.slice(0, want) : all;
  };

  const run = (text: string): SearchResult => {
    const ranked = candidates(text, k + offset).slice(offset);
    const hits: SearchHit[] = ranked.map((c) => ({
      id: c.segment.pk(c.row),
      score: c.score,
      fields: projectRow(c.segment, c.row, projection),
    }));
    return { hits };
  };
  return { field, k, offset, projection, candidates, run };
}
