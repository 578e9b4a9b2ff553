/**
 * Milvus REST v2 `entities/hybrid_search` on Quiver: several vector sub-searches (`search`: each with its own
 * `data`, `annsField`, `filter` + `exprParams`, `limit`, `offset`, `metricType` and `params`), reranked into
 * one list (`rerank`), cut to `limit` (default 100). The sub-searches run back to back in one synchronous
 * stretch, so all of them see one state of the collection. Reranking follows Milvus's own formulas:
 *   rrf       score = Σ 1 / (k + rank), rank from 1, k default 60 (0 < k < 16384)
 *   weighted  score = Σ weight_i · norm(score_i), one weight in [0, 1] per sub-search, where norm (on by
 *             default; `params.norm_score: false` turns it off) is (1 + s) / 2 for COSINE,
 *             0.5 + atan(s) / π for IP and 1 − 2·atan(d) / π for L2 (L2 always gets this last mapping, so that
 *             higher is better for every list).
 * A hit's `distance` is its fused score. Several query vectors per sub-search (the same count in each) give one
 * fused list per query, flat, with `topks`.
 */

import { MAX_TOPK } from '../../store/collection/search.js';
import type { PrimaryKey } from '../../store/schema/batch.js';
import type { Metric, Row } from '../../store/schema/types.js';
import { projection } from './output-fields.js';
import { invalid, unsupported } from './responses.js';
import { openView } from './schema-meta.js';
import { checkMetric, hitWriter, queryVectors, searchKnobs, vectorField } from './search.js';
import type { MilvusOp, MilvusRoute } from './types.js';
import { checkConsistency, hybridBody, nonEmpty, parseBody } from './validate.js';

type Rerank = { strategy: 'rrf'; k: number } | { strategy: 'weighted'; weights: number[]; normalize: boolean };

function rerankOf(rerank: { strategy: string; params?: Record<string, unknown> } | undefined, lists: number): Rerank {
  // Milvus requires a rerank; with none, Quiver takes RRF with its default constant.
  if (!rerank) return { strategy: 'rrf', k: 60 };
  const strategy = rerank.strategy.toLowerCase();
  const params = rerank.params ?? {};
  if (strategy === 'rrf') {
    const k = params.k === undefined ? 60 : Number(params.k);
    if (!Number.isFinite(k) || k <= 0 || k >= 16_384) throw invalid('rrf k must be in (0, 16384)');
    return { strategy: 'rrf', k };
  }
  if (strategy === 'weighted') {
    const weights = params.weights;
    if (!Array.isArray(weights) || weights.length !== lists) {
      throw invalid(`the length of weights param mismatch with ann search requests: ${lists} sub-searches`);
    }
    for (const w of weights) {
      if (typeof w !== 'number' || !(w >= 0 && w <= 1)) throw invalid('rank param weight should be in range [0, 1]');
    }
    const norm = params.norm_score;
    if (norm !== undefined && norm !== true && norm !== false && norm !== 'true' && norm !== 'false') {
      throw invalid('norm_score must be true or false');
    }
    return { strategy: 'weighted', weights: weights as number[], normalize: norm !== false && norm !== 'false' };
  }
  throw unsupported(`rerank strategy ${rerank.strategy}`, 'use rrf or weighted');
}

function normalizer(metric: Metric, normalize: boolean): (score: number) => number {
  const l2 = (d: number) => 1 - (2 * Math.atan(d)) / Math.PI;
  if (metric === 'l2') return l2;
  if (!normalize) return (s) => s;
  return metric === 'cosine' ? (s) => (1 + s) * 0.5 : (s) => 0.5 + Math.atan(s) / Math.PI;
}

interface Hit {
  id: PrimaryKey;
  score: number;
  fields: Row;
}

/** One fused ranking from per-sub-search hit lists (each best first). Ties keep first-seen order. */
export function fuse(rerank: Rerank, lists: { metric: Metric; hits: Hit[] }[]): Hit[] {
  const acc = new Map<PrimaryKey, Hit & { order: number }>();
  lists.forEach((list, i) => {
    const norm = rerank.strategy === 'weighted' ? normalizer(list.metric, rerank.normalize) : undefined;
    list.hits.forEach((h, rank) => {
      const add = rerank.strategy === 'rrf' ? 1 / (rerank.k + rank + 1) : (rerank.weights[i] ?? 0) * norm!(h.score);
      const seen = acc.get(h.id);
      if (seen) seen.score += add;
      else acc.set(h.id, { id: h.id, score: add, fields: h.fields, order: acc.size });
    });
  });
  return [...acc.values()].sort((a, b) => b.score - a.score || a.order - b.order);
}

const hybridSearch: MilvusOp = async ({ db, body, int64AsString }) => {
  const req = parseBody(hybridBody, body);
  if (req.groupingField || req.search.some((s) => s.groupingField)) {
    throw unsupported('groupingField (grouping search)');
  }
  checkConsistency(req.consistencyLevel);
  const limit = req.limit ?? 100;
  const offset = req.offset ?? 0;
  if (limit < 1 || limit + offset > MAX_TOPK) throw invalid(`limit must be in [1, ${MAX_TOPK}] (with offset)`);
  const rerank = rerankOf(req.rerank, req.search.length);
  const view = await openView(db, req.collectionName);
  const p = projection(view, req.outputFields, 'none');
  const partitions = nonEmpty(req.partitionNames);
  const subs = req.search.map((s, i) => {
    const field = vectorField(view, s.annsField);
    const nested = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);
    checkMetric(field, s.metricType ?? s.params?.metricType ?? s.searchParams?.metricType);
    return {
      field,
      vectors: queryVectors(s.data, `search[${i}].data`),
      knobs: searchKnobs(s.params, nested(s.params?.params), s.searchParams, nested(s.searchParams?.params)),
      filter: s.filter || undefined,
      params: s.exprParams,
      k: s.limit ?? limit,
      offset: s.offset ?? 0,
    };
  });
  const nq = subs[0]!.vectors.length;
  if (subs.some((s) => s.vectors.length !== nq)) {
    throw invalid('every sub-search must carry the same number of query vectors');
  }
  // Started together, before any await: each searchBatch runs to its end synchronously, on one state.
  const pending = subs.map((s) =>
    view.collection.searchBatch({
      vectors: s.vectors,
      field: s.field.name,
      k: s.k,
      offset: s.offset,
      filter: s.filter,
      params: s.params,
      partitions,
      outputFields: p.fields,
      ...s.knobs,
    }),
  );
  const results = await Promise.all(pending);
  const hit = hitWriter(view, p, int64AsString);
  const data: Record<string, unknown>[] = [];
  const topks: number[] = [];
  for (let q = 0; q < nq; q++) {
    const fused = fuse(
      rerank,
      subs.map((s, i) => ({ metric: s.field.metric!, hits: results[i]![q]!.hits })),
    ).slice(offset, offset + limit);
    topks.push(fused.length);
    for (const h of fused) data.push(hit(h.id, h.fields, h.score));
  }
  return { data, extra: { cost: 0, topks } };
};

export const hybridSearchRoutes: MilvusRoute[] = [
  {
    path: 'entities/hybrid_search',
    scope: 'read',
    op: hybridSearch,
    body: hybridBody,
    summary: 'Milvus: several vector searches reranked into one (rrf or weighted)',
  },
  {
    // The older name of the same operation, which Milvus still serves.
    path: 'entities/advanced_search',
    scope: 'read',
    op: hybridSearch,
    body: hybridBody,
    summary: 'Milvus: hybrid_search under its older name',
  },
];
