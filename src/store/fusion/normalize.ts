/**
 * Score normalization for weighted fusion: puts one list's scores on a common scale so that a BM25 score
 * (0..40) and a cosine similarity (0..1) can be summed. Pure functions over one list at a time.
 */

export type Normalization = 'minmax' | 'zscore' | 'none';

export const NORMALIZATIONS: readonly Normalization[] = ['minmax', 'zscore', 'none'];

/**
 * min-max: (s − min) / (max − min), so the list's best is 1 and its worst 0. A list whose scores are all
 * equal (one hit included) gives every hit 1: each is as good as that list's best.
 */
export function minMax(scores: readonly number[]): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const s of scores) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const range = max - min;
  return scores.map((s) => (range > 0 ? (s - min) / range : 1));
}

/**
 * z-score: (s − mean) / σ, with σ the population standard deviation. A list whose scores are all equal gives
 * every hit 0 (each sits at the mean).
 */
export function zScore(scores: readonly number[]): number[] {
  const n = scores.length;
  if (n === 0) return [];
  const mean = scores.reduce((a, s) => a + s, 0) / n;
  const variance = scores.reduce((a, s) => a + (s - mean) ** 2, 0) / n;
  const sd = Math.sqrt(variance);
  return scores.map((s) => (sd > 0 ? (s - mean) / sd : 0));
}

export function normalizeScores(scores: readonly number[], method: Normalization): number[] {
  if (method === 'minmax') return minMax(scores);
  if (method === 'zscore') return zScore(scores);
  return scores.slice();
}
