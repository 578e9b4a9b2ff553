/**
 * Fusion types: how a hybrid search turns several ranked lists (one per sub-search: a vector field or a
 * BM25 text field) into one ranking. Every list is best-first and its scores are "higher is better" (an l2
 * distance is negated before it gets here).
 */

/** Reciprocal rank fusion: score = Σ weight_i / (k + rank_i), rank from 1. */
export interface RrfFusion {
  method: 'rrf';
  /** Rank constant. Default 60. */
  k?: number;
  /** One weight per list, default 1 each. */
  weights?: number[];
}

/** Weighted score fusion: each list's scores are normalized, then summed with weights. */
export interface WeightedFusion {
  method: 'weighted';
  /** One weight per list, each ≥ 0, not all zero. */
  weights: number[];
  /** How each list's scores are put on one scale. Default 'minmax'. */
  normalize?: 'minmax' | 'zscore' | 'none';
}

/**
 * Weighted (min-max) fusion whose weights adapt per query to how much the lists agree with one trusted
 * list, the anchor (usually BM25): every other list's weight is scaled by the share of its top `depth` keys
 * that the anchor's top `depth` also holds. A list that disagrees with the anchor fades out, so the fusion
 * degrades to the anchor alone; one that agrees contributes its full weight. See adaptive.ts.
 */
export interface AdaptiveFusion {
  method: 'adaptive';
  /** Index of the trusted list, whose weight is never scaled. Default 0. */
  anchor?: number;
  /** Base weight per list before adaptation; the anchor's must be > 0. Default 1 for the anchor, 0.5 for the others. */
  weights?: number[];
  /** How many top keys of each list the agreement compares. Default 10. */
  depth?: number;
  /** A list whose agreement with the anchor is below this (0..1) gets no weight at all. Default 0. */
  minAgreement?: number;
}

export type FusionSpec = RrfFusion | WeightedFusion | AdaptiveFusion;

/** One sub-search's result as fusion sees it: keys best-first with their scores (higher is better). */
export interface RankedList<K> {
  keys: K[];
  scores: number[];
}

export interface FusedHit<K> {
  key: K;
  /** The fused score, higher is better. */
  score: number;
  /** Per input list: the raw score this key had there, or null when that list did not return it. */
  scores: (number | null)[];
}
