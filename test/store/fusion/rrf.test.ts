/**
 * Reciprocal rank fusion through `fuse`: hand-computed scores (the arithmetic is in each test), the default
 * k of 60, per-list weights, and that scores play no part.
 */

import { describe, expect, it } from 'vitest';
import { fuse } from '../../../src/store/fusion/fuse.js';
import type { FusedHit, RankedList } from '../../../src/store/fusion/types.js';

const keys = <K>(hits: FusedHit<K>[]) => hits.map((h) => h.key);
const bm25: RankedList<string> = { keys: ['a', 'b', 'c'], scores: [12, 7, 3] };
const dense: RankedList<string> = { keys: ['b', 'd'], scores: [0.9, 0.5] };

describe('rrf', () => {
  it('sums 1 / (60 + rank) by default', () => {
    // a: 1/61 = 0.016393   b: 1/62 + 1/61 = 0.032522   c: 1/63 = 0.015873   d: 1/62 = 0.016129
    const hits = fuse([bm25, dense], { method: 'rrf' }, 10);
    expect(keys(hits)).toEqual(['b', 'a', 'd', 'c']);
    expect(hits[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(hits[1]!.score).toBeCloseTo(1 / 61, 12);
    expect(hits[2]!.score).toBeCloseTo(1 / 62, 12);
    expect(hits[3]!.score).toBeCloseTo(1 / 63, 12);
  });

  it('applies k and weights: weight_i / (k + rank)', () => {
    // k 1, weights [2, 1]:  a: 2/2 = 1   b: 2/3 + 1/2 = 1.1667   c: 2/4 = 0.5   d: 1/3 = 0.3333
    const hits = fuse([bm25, dense], { method: 'rrf', k: 1, weights: [2, 1] }, 10);
    expect(keys(hits)).toEqual(['b', 'a', 'c', 'd']);
    expect(hits.map((h) => h.score)).toEqual([2 / 3 + 1 / 2, 1, 0.5, 1 / 3]);
  });

  it('reports each list’s raw score, or null where the list lacks the key', () => {
    const hits = fuse([bm25, dense], { method: 'rrf' }, 10);
    expect(hits.map((h) => h.scores)).toEqual([
      [7, 0.9],
      [12, null],
      [null, 0.5],
      [3, null],
    ]);
  });

  it('ignores scores: only ranks count', () => {
    const rescored = { keys: bm25.keys, scores: [1000, 0.001, -5] };
    expect(keys(fuse([rescored, dense], { method: 'rrf' }, 10))).toEqual(
      keys(fuse([bm25, dense], { method: 'rrf' }, 10)),
    );
  });

  it('with one list keeps its order, scored 1/61, 1/62, ...', () => {
    const hits = fuse([bm25], { method: 'rrf' }, 2);
    expect(keys(hits)).toEqual(['a', 'b']);
    expect(hits[1]!.score).toBeCloseTo(1 / 62, 12);
  });

  it('equal-weight RRF lets a second list outvote the first: the SciFact failure mode', () => {
    // Two keys found by list 1 at ranks 1, 2 and by list 0 far down outrank list 0's own top key.
    const first = { keys: ['x', 'y', 'z', 'p', 'q'], scores: [5, 4, 3, 2, 1] };
    const second = { keys: ['q', 'p'], scores: [0.9, 0.8] };
    // q: 1/65 + 1/61 = 0.03178   p: 1/64 + 1/62 = 0.03175   x: 1/61 = 0.01639
    expect(keys(fuse([first, second], { method: 'rrf' }, 3))).toEqual(['q', 'p', 'x']);
  });
});
