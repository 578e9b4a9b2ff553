/**
 * Adaptive fusion: min-max weighted fusion (see weighted.ts) whose per-list weights are set per query by how
 * much each list agrees with one trusted list, the anchor (in a hybrid search, BM25):
 *
 *   agreement_i = |top_D(list_i) ∩ top_D(anchor)| / min(D, |list_i|, |anchor|)    (D = depth, default 10)
 *   weight_i    = base_i · agreement_i   for every list but the anchor;   weight_anchor = base_anchor
 *   score(key)  = Σ_i weight_i · minmax_i(key)                              (0 where list i lacks the key)
 *
 * Base weights default to 1 for the anchor and 0.5 for the others. So a dense list whose top 10 shares
 * nothing with BM25's top 10 gets weight 0 and the result is exactly BM25's ranking; one that shares 3 of 10
 * gets 0.15; one that returns BM25's top 10 in another order gets its full 0.5. When the anchor returned
 * nothing (no query term is in the index) there is nothing to disagree with: every list keeps its base weight.
 *
 * Why this shape: on SciFact (bench/tune-fusion.ts) a weak dense model (GloVe-SIF, nDCG@10 0.24 against
 * BM25's 0.70) must not pull BM25 down, as equal-weight RRF does (0.43), while a fixed dense weight that is
 * safe for a weak model (≤ 0.1) would waste a strong one. With GloVe the rule lands on a mean dense weight of
 * ~0.09 by itself (0 for ~22% of queries), and it needs no score calibration. Agreement is not correctness:
 * it only bounds how far a list that BM25 does not vouch for can move the ranking.
 */

import type { RankedList } from './types.js';

export const DEFAULT_ADAPTIVE_DEPTH = 10;
/** Base weight of every list but the anchor, relative to the anchor's 1, when `weights` is not given. */
export const DEFAULT_ADAPTIVE_WEIGHT = 0.5;

/**
 * |top_depth(a) ∩ top_depth(b)| / min(depth, |a|, |b|): 1 when the shorter top is wholly inside the other's,
 * 0 when they share nothing or either is empty.
 */
export function topAgreement<K>(a: readonly K[], b: readonly K[], depth: number): number {
  const n = Math.min(depth, a.length, b.length);
  if (n === 0) return 0;
  const top = new Set(a.slice(0, depth));
  let shared = 0;
  for (const key of b.slice(0, depth)) if (top.has(key)) shared++;
  return shared / n;
}

/** Base weights when the spec gives none: 1 for the anchor, DEFAULT_ADAPTIVE_WEIGHT for the others. */
export function defaultAdaptiveWeights(count: number, anchor: number): number[] {
  return Array.from({ length: count }, (_, i) => (i === anchor ? 1 : DEFAULT_ADAPTIVE_WEIGHT));
}

/**
 * The per-list weights adaptive fusion uses for this query: the base weights with every non-anchor list's
 * scaled by its agreement with the anchor. Exported so callers can show why a list counted as it did.
 *
 * @example
 * adaptiveWeights([bm25, dense], 0, [1, 0.5], 10); // [1, 0.15] when 3 of their top 10 are shared
 */
export function adaptiveWeights<K>(
  lists: readonly RankedList<K>[],
  anchor: number,
  weights: readonly number[],
  depth: number,
  minAgreement = 0,
): number[] {
  const anchorKeys = lists[anchor]!.keys;
  return lists.map((list, i) => {
    const base = weights[i]!;
    if (i === anchor || anchorKeys.length === 0) return base;
    const agreement = topAgreement(anchorKeys, list.keys, depth);
    return agreement < minAgreement ? 0 : base * agreement;
  });
}
