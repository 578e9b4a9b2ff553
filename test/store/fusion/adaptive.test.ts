/**
 * Adaptive fusion: the agreement measure, the per-query weights it yields, hand-computed fused scores, and
 * the two properties it is for: a list that disagrees with the anchor is ignored (the result is the anchor's
 * ranking), and one that agrees contributes its full base weight.
 */

import { describe, expect, it } from 'vitest';
import { adaptiveWeights, defaultAdaptiveWeights, topAgreement } from '../../../src/store/fusion/adaptive.js';
import { fuse } from '../../../src/store/fusion/fuse.js';
import type { FusedHit, RankedList } from '../../../src/store/fusion/types.js';

const keys = <K>(hits: FusedHit<K>[]) => hits.map((h) => h.key);
const anchor: RankedList<string> = { keys: ['a', 'b', 'c', 'd'], scores: [4, 3, 2, 1] };

describe('agreement', () => {
  it('is |top_depth(a) ∩ top_depth(b)| / min(depth, |a|, |b|)', () => {
    expect(topAgreement(['a', 'b', 'c', 'd'], ['c', 'e', 'a', 'f'], 4)).toBe(0.5);
    expect(topAgreement(['a', 'b', 'c', 'd'], ['c', 'e', 'a', 'f'], 2)).toBe(0); // {a, b} vs {c, e}
    expect(topAgreement(['a', 'b'], ['b', 'x', 'a', 'y'], 10)).toBe(1); // 2 shared / min(10, 2, 4)
    expect(topAgreement(['a', 'b'], ['b', 'x', 'y', 'z'], 10)).toBe(0.5);
    expect(topAgreement([], ['a'], 10)).toBe(0);
  });

  it('scales every list but the anchor; defaults are 1 for the anchor and 0.5 for the others', () => {
    expect(defaultAdaptiveWeights(3, 1)).toEqual([0.5, 1, 0.5]);
    const dense = { keys: ['c', 'e', 'a', 'f'], scores: [0.9, 0.8, 0.7, 0.6] };
    expect(adaptiveWeights([anchor, dense], 0, [1, 0.5], 4)).toEqual([1, 0.25]);
    expect(adaptiveWeights([dense, anchor], 1, [0.5, 1], 4)).toEqual([0.25, 1]);
  });

  it('keeps the base weights when the anchor returned nothing', () => {
    const empty = { keys: [], scores: [] };
    const dense = { keys: ['x'], scores: [0.3] };
    expect(adaptiveWeights([empty, dense], 0, [1, 0.5], 10)).toEqual([1, 0.5]);
    expect(keys(fuse([empty, dense], { method: 'adaptive' }, 10))).toEqual(['x']);
  });
});

describe('adaptive fusion', () => {
  it('fuses with min-max and the adapted weights', () => {
    // agreement@4 = |{a,b,c,d} ∩ {c,e,a,f}| / 4 = 0.5 → dense weight 0.5 · 0.5 = 0.25
    // anchor minmax: a 1, b 2/3, c 1/3, d 0;   dense minmax: c 1, e 2/3, a 1/3, f 0
    // a: 1 + 0.25/3 = 1.0833   b: 0.6667   c: 1/3 + 0.25 = 0.5833   e: 0.25·2/3 = 0.1667   d: 0   f: 0
    const dense = { keys: ['c', 'e', 'a', 'f'], scores: [0.9, 0.8, 0.7, 0.6] };
    const hits = fuse([anchor, dense], { method: 'adaptive', depth: 4 }, 10);
    expect(keys(hits)).toEqual(['a', 'b', 'c', 'e', 'd', 'f']);
    expect(hits[0]!.score).toBeCloseTo(1 + 0.25 / 3, 12);
    expect(hits[2]!.score).toBeCloseTo(1 / 3 + 0.25, 12);
    expect(hits[3]!.score).toBeCloseTo(0.25 * (2 / 3), 12);
  });

  it('minAgreement drops a list that agrees less than it, and keeps one that agrees as much', () => {
    // Same lists as above: agreement 0.5 at depth 4.
    const dense = { keys: ['c', 'e', 'a', 'f'], scores: [0.9, 0.8, 0.7, 0.6] };
    expect(keys(fuse([anchor, dense], { method: 'adaptive', depth: 4, minAgreement: 0.75 }, 10))).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    const kept = fuse([anchor, dense], { method: 'adaptive', depth: 4, minAgreement: 0.5 }, 10);
    expect(kept[0]!.score).toBeCloseTo(1 + 0.25 / 3, 12);
    expect(() => fuse([anchor, dense], { method: 'adaptive', minAgreement: 2 }, 10)).toThrow(/minAgreement/);
  });

  it('degrades to the anchor when the other list shares nothing with its top', () => {
    // agreement 0 → dense weight 0: the anchor's ranking, none of x, y, z, e
    const dense = { keys: ['x', 'y', 'z', 'e', 'c'], scores: [0.9, 0.8, 0.7, 0.6, 0.5] };
    const hits = fuse([anchor, dense], { method: 'adaptive', depth: 4 }, 10);
    expect(keys(hits)).toEqual(['a', 'b', 'c', 'd']);
    expect(hits.map((h) => h.scores)).toEqual([
      [4, null],
      [3, null],
      [2, 0.5],
      [1, null],
    ]);
  });

  it('gives an agreeing list its full base weight, so it can reorder the anchor', () => {
    // Same top 4 in another order: agreement 1, dense weight 0.5.
    // anchor: a 1, b 2/3, c 1/3, d 0;  dense: d 1, c 2/3, b 1/3, a 0
    // a 1   b 2/3 + 1/6 = 0.8333   c 1/3 + 1/3 = 0.6667   d 0.5
    const dense = { keys: ['d', 'c', 'b', 'a'], scores: [0.9, 0.8, 0.7, 0.6] };
    const hits = fuse([anchor, dense], { method: 'adaptive' }, 10);
    expect(keys(hits)).toEqual(['a', 'b', 'c', 'd']);
    const want = [1, 2 / 3 + 1 / 6, 2 / 3, 0.5];
    for (let i = 0; i < want.length; i++) expect(hits[i]!.score).toBeCloseTo(want[i]!, 12);
    // Base weights [1, 2]: a 1 + 0 = 1   b 2/3 + 2/3 = 4/3   c 1/3 + 4/3 = 5/3   d 0 + 2 = 2: fully reordered.
    expect(keys(fuse([anchor, dense], { method: 'adaptive', weights: [1, 2] }, 10))).toEqual(['d', 'c', 'b', 'a']);
  });

  it('takes any list as the anchor', () => {
    const dense = { keys: ['x', 'y'], scores: [0.9, 0.8] };
    expect(keys(fuse([dense, anchor], { method: 'adaptive', anchor: 1 }, 10))).toEqual(['a', 'b', 'c', 'd']);
    expect(keys(fuse([dense, anchor], { method: 'adaptive' }, 10))).toEqual(['x', 'y']);
  });
});
