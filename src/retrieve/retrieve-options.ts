/**
 * Checks a retrieve call's options and fills in every default in one place, so the Retriever itself only
 * runs the steps. A bad value fails with INVALID_ARGUMENT naming the option in `details.field`; the filter,
 * partitions and fusion are the store's to check, and its errors reach the caller unchanged.
 */

import { QuiverError } from '../errors.js';
import type { FusionSpec } from '../store/fusion/types.js';
import { DEFAULT_MMR_LAMBDA } from './mmr.js';
import type { RetrieveOptions } from './types.js';

/** The store's largest k; larger pools are refused by it, so they are refused here first, by name. */
const MAX_K = 16_384;
export const DEFAULT_K = 5;
const MODES = ['hybrid', 'dense', 'bm25'] as const;

export interface ResolvedRetrieveOptions {
  k: number;
  mode: 'hybrid' | 'dense' | 'bm25';
  /** Candidates per sub-search. */
  candidates: number;
  /** Hits asked of the store: enough for MMR, grouping and reranking to choose k from. */
  pool: number;
  filter?: string;
  params?: Record<string, unknown>;
  partitions?: string[];
  fusion?: FusionSpec;
  mmr?: { lambda: number; fetchK: number };
  maxChunksPerDocument?: number;
  /** 0 when no rerank runs. */
  rerankDepth: number;
}

function bad(field: string, message: string): QuiverError {
  return new QuiverError('INVALID_ARGUMENT', message, { field });
}

function int(field: string, v: unknown, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_K) {
    throw bad(field, `${field} must be an integer in [${min}, ${MAX_K}]; got ${String(v)}`);
  }
  return v;
}

export function resolveRetrieveOptions(
  query: unknown,
  options: RetrieveOptions,
  hasReranker: boolean,
): ResolvedRetrieveOptions {
  if (typeof query !== 'string' || query.trim() === '') {
    throw bad('query', 'the query must be a non-empty string');
  }
  if (options === null || typeof options !== 'object') throw bad('options', 'retrieve options must be an object');
  const k = int('k', options.k, DEFAULT_K);
  const mode = options.mode ?? 'hybrid';
  if (!MODES.includes(mode)) throw bad('mode', `mode must be one of ${MODES.join(', ')}; got ${String(mode)}`);
  const candidates = int('candidates', options.candidates, Math.min(MAX_K, Math.max(50, 4 * k)));
  if (options.filter !== undefined && typeof options.filter !== 'string') {
    throw bad('filter', 'filter must be a string expression');
  }

  let mmr: ResolvedRetrieveOptions['mmr'];
  if (options.mmr !== undefined) {
    if (options.mmr === null || typeof options.mmr !== 'object') throw bad('mmr', 'mmr must be an object');
    const lambda = options.mmr.lambda ?? DEFAULT_MMR_LAMBDA;
    if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1)) {
      throw bad('mmr.lambda', `mmr.lambda must be a number in [0, 1]; got ${String(lambda)}`);
    }
    mmr = { lambda, fetchK: int('mmr.fetchK', options.mmr.fetchK, Math.max(k, candidates)) };
  }
  const maxChunksPerDocument =
    options.maxChunksPerDocument === undefined
      ? undefined
      : int('maxChunksPerDocument', options.maxChunksPerDocument, 1);

  if (options.rerank !== undefined && typeof options.rerank !== 'boolean') {
    throw bad('rerank', 'rerank must be true or false');
  }
  if (options.rerank === true && !hasReranker) {
    throw bad('rerank', 'rerank: true needs a Retriever constructed with a reranker');
  }
  const rerank = options.rerank ?? hasReranker;
  // Reranked scores are not comparable with the fused ones below them, so at least k chunks are reranked.
  const rerankDepth = rerank ? Math.max(k, int('rerankDepth', options.rerankDepth, candidates)) : 0;

  // MMR picks from its fetchK; without MMR the pool is every candidate, so that grouping can skip a document's
  // extra chunks and still fill k slots.
  const pool = Math.max(k, mmr ? mmr.fetchK : candidates);
  return {
    k,
    mode,
    candidates,
    pool,
    filter: options.filter,
    params: options.params,
    partitions: options.partitions,
    fusion: options.fusion,
    mmr,
    maxChunksPerDocument,
    rerankDepth,
  };
}
