/**
 * Weighted score fusion and its normalizations: min-max, z-score and none, each with hand-computed scores;
 * all-equal and single-hit lists; a missing key contributing 0; a zero weight.
 */

import { describe, expect, it } from 'vitest';
import { fuse } from '../../../src/store/fusion/fuse.js';
import { minMax, normalizeScores, zScore } from '../../../src/store/fusion/normalize.js';
import type { FusedHit, RankedList } from '../../../src/store/fusion/types.js';

const keys = <K>(hits: FusedHit<K>[]) => hits.map((h) => h.key);
const scores = <K>(hits: FusedHit<K>[]) => hits.map((h) => h.score);
const bm25: RankedList<string> = { keys: ['a', 'b', 'c'], scores: [10, 6, 2] };
const dense: RankedList<string> = { keys: ['b', 'd'], scores: [0.9, 0.5] };

describe('normalizations', () => {
  it('min-max maps a list onto [0, 1]; all-equal scores (one hit included) become 1', () => {
    expect(minMax([10, 6, 2])).toEqual([1, 0.5, 0]);
    expect(minMax([5, 5])).toEqual([1, 1]);
    expect(minMax([3])).toEqual([1]);
    expect(minMax([])).toEqual([]);
  });

  it('z-score uses the population standard deviation; all-equal scores become 0', () => {
    // mean 6, variance (16 + 0 + 16) / 3 = 10.667, σ = 3.266: 4 / 3.266 = 1.2247
    const z = zScore([10, 6, 2]);
    expect(z[0]).toBeCloseTo(4 / Math.sqrt(32 / 3), 12);
    expect(z[1]).toBe(0);
    expect(z[2]).toBeCloseTo(-4 / Math.sqrt(32 / 3), 12);
    expect(zScore([7, 7])).toEqual([0, 0]);
    expect(zScore([])).toEqual([]);
  });

  it('none copies', () => {
    const s = [3, 1];
    const out = normalizeScores(s, 'none');
    expect(out).toEqual([3, 1]);
    expect(out).not.toBe(s);
  });
});

describe('weighted fusion', () => {
  it('min-max (the default): Σ w_i · minmax_i, a missing key adding 0', () => {
    // bm25 → a 1, b 0.5, c 0;  dense → b 1, d 0;  weights [1, 0.5]
    // a: 1   b: 0.5 + 0.5·1 = 1   c: 0   d: 0.5·0 = 0
    // a and b tie at 1: a is met first (rank 1 of list 0), b next (rank 1 of list 1). d (rank 2) before c (rank 3).
    const hits = fuse([bm25, dense], { method: 'weighted', weights: [1, 0.5] }, 10);
    expect(keys(hits)).toEqual(['a', 'b', 'd', 'c']);
    expect(scores(hits)).toEqual([1, 1, 0, 0]);
  });

  it('z-score: Σ w_i · z_i', () => {
    // bm25 → a 1.2247, b 0, c −1.2247;  dense (mean 0.7, σ 0.2) → b 1, d −1;  weights [1, 1]
    // a 1.2247 > b 1 > d −1 > c −1.2247
    const hits = fuse([bm25, dense], { method: 'weighted', weights: [1, 1], normalize: 'zscore' }, 10);
    expect(keys(hits)).toEqual(['a', 'b', 'd', 'c']);
    expect(hits[0]!.score).toBeCloseTo(1.224745, 6);
    expect(hits[1]!.score).toBeCloseTo(1, 12);
    expect(hits[2]!.score).toBeCloseTo(-1, 12);
  });

  it('none: raw scores times weights', () => {
    // a: 3·1 = 3   b: 1·1 + 2·2 = 5
    const hits = fuse(
      [
        { keys: ['a', 'b'], scores: [3, 1] },
        { keys: ['b'], scores: [2] },
      ],
      { method: 'weighted', weights: [1, 2], normalize: 'none' },
      10,
    );
    expect(keys(hits)).toEqual(['b', 'a']);
    expect(scores(hits)).toEqual([5, 3]);
  });

  it('a list whose scores are all equal counts each hit as its best', () => {
    // flat → x 1, y 1;  bm25 → a 1, b 0.5, c 0;  weights [1, 1]:  a 1, x 1, y 1, b 0.5, c 0
    const flat = { keys: ['x', 'y'], scores: [0.4, 0.4] };
    expect(keys(fuse([bm25, flat], { method: 'weighted', weights: [1, 1] }, 10))).toEqual(['a', 'x', 'y', 'b', 'c']);
  });

  it('weight 0 gives exactly the other list, adding none of its own keys', () => {
    const hits = fuse([bm25, dense], { method: 'weighted', weights: [1, 0] }, 10);
    expect(keys(hits)).toEqual(['a', 'b', 'c']);
    expect(hits[1]!.scores).toEqual([6, 0.9]);
  });

  it('keys may be numbers', () => {
    const hits = fuse(
      [
        { keys: [3, 1], scores: [2, 1] },
        { keys: [1, 2], scores: [2, 1] },
      ],
      { method: 'weighted', weights: [1, 1] },
      10,
    );
    // 3: 1   1: 0 + 1 = 1   2: 0 → tie 3, 1 broken by first appearance (3 is list 0's rank 1)
    expect(keys(hits)).toEqual([3, 1, 2]);
  });
});
