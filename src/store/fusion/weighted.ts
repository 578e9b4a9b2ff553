/**
 * Weighted score fusion (convex combination, as in Weaviate's and Vespa's hybrid ranking): each list's scores
 * are normalized (see normalize.ts), multiplied by the list's weight, and summed per key.
 *
 * A key that a list did not return contributes 0 for that list. That is the standard choice (Bruch et al.,
 * "An Analysis of Fusion Functions for Hybrid Retrieval", 2023): under min-max it equals that list's worst
 * returned score, so a key returned by both lists beats one returned by a single list at equal strength.
 * Under z-score, 0 is the list's mean, which is generous to keys the list did not return; min-max is the
 * default for that reason.
 */

import { type Normalization, normalizeScores } from './normalize.js';
import type { RankedList } from './types.js';

export const DEFAULT_NORMALIZATION: Normalization = 'minmax';

/** Each entry's contribution to its key's fused score, per list: weights[i] · normalized score. */
export function weightedContributions<K>(
  lists: readonly RankedList<K>[],
  weights: readonly number[],
  normalize: Normalization,
): number[][] {
  return lists.map((list, i) => {
    const w = weights[i]!;
    return normalizeScores(list.scores, normalize).map((s) => w * s);
  });
}
