/**
 * Comparing two rankings that should be the same, such as one search answered by a cluster and by an embedded
 * store holding the same rows.
 */

import { expect } from 'vitest';

/**
 * Same scores in the same order, and the same ids for every score; rows with equal scores may come in any
 * order (neither store promises one), and the last group of ties may be cut differently at k.
 */
export function expectSameRanking(a: { id: unknown; score: number }[], b: { id: unknown; score: number }[]): void {
  expect(a.map((h) => h.score)).toEqual(b.map((h) => expect.closeTo(h.score, 9)));
  const groups = (hits: { id: unknown; score: number }[]) => {
    const out = new Map<string, string[]>();
    for (const h of hits) {
      const key = h.score.toFixed(9);
      out.set(key, [...(out.get(key) ?? []), String(h.id)].sort());
    }
    return out;
  };
  const ga = groups(a);
  const gb = groups(b);
  const last = a.length > 0 ? a[a.length - 1]!.score.toFixed(9) : '';
  for (const [score, ids] of ga) if (score !== last) expect(ids).toEqual(gb.get(score));
  expect(a.length).toBeGreaterThan(0);
}
