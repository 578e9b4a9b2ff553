/**
 * Reciprocal rank fusion (Cormack et al., 2009): each list adds weight_i / (k + rank) for every key it
 * returns, rank counted from 1. Scores are ignored, only ranks matter, so lists on any scale fuse without
 * normalization. k (default 60) flattens the curve: a larger k makes rank 1 and rank 10 count more alike.
 */

import type { RankedList } from './types.js';

export const DEFAULT_RRF_K = 60;

/**
 * Each entry's contribution to its key's fused score, per list: weights[i] / (k + rank). Lists must already
 * be free of duplicate keys (fuse() keeps a key's first occurrence).
 */
export function rrfContributions<K>(
  lists: readonly RankedList<K>[],
  weights: readonly number[],
  k: number,
): number[][] {
  return lists.map((list, i) => list.keys.map((_, r) => weights[i]! / (k + r + 1)));
}
