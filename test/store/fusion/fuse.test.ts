/**
 * `fuse` itself, for every method: limits, empty and single lists, duplicate keys, deterministic ties,
 * invariants checked on random lists, and every validation error with its code and field.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adaptiveWeights, defaultAdaptiveWeights } from '../../../src/store/fusion/adaptive.js';
import { fuse } from '../../../src/store/fusion/fuse.js';
import type { FusedHit, FusionSpec, RankedList } from '../../../src/store/fusion/types.js';
import { expectCode } from '../../helpers/errors.js';

const keys = <K>(hits: FusedHit<K>[]) => hits.map((h) => h.key);
const a: RankedList<string> = { keys: ['a', 'b', 'c'], scores: [3, 2, 1] };
const b: RankedList<string> = { keys: ['c', 'd'], scores: [0.8, 0.4] };
const empty: RankedList<string> = { keys: [], scores: [] };
const specs: FusionSpec[] = [
  { method: 'rrf' },
  { method: 'weighted', weights: [1, 1] },
  { method: 'weighted', weights: [1, 1], normalize: 'zscore' },
  { method: 'weighted', weights: [1, 1], normalize: 'none' },
  { method: 'adaptive' },
];

describe('fuse, every method', () => {
  it.each(specs)('$method $normalize: limit, empty lists, one list', (spec) => {
    expect(fuse([a, b], spec, 2)).toHaveLength(2);
    expect(fuse([a, b], spec, 0)).toEqual([]);
    expect(fuse([empty, empty], spec, 10)).toEqual([]);
    expect(keys(fuse([a, empty], spec, 10))).toEqual(['a', 'b', 'c']);
    const one = spec.method === 'weighted' ? { ...spec, weights: [1] } : spec;
    expect(keys(fuse([a], one, 10))).toEqual(['a', 'b', 'c']);
  });

  it.each(specs)('$method $normalize: a repeated key counts once, at its first rank', (spec) => {
    const repeated = { keys: ['a', 'b', 'a', 'c'], scores: [3, 2, 9, 1] };
    expect(fuse([repeated, b], spec, 10)).toEqual(fuse([a, b], spec, 10));
  });

  it('breaks ties by first appearance: rank by rank, list by list', () => {
    // RRF: p and q each appear once at rank 1, r and s at rank 2: equal scores, met in order p, q, r, s.
    const hits = fuse(
      [
        { keys: ['p', 'r'], scores: [1, 1] },
        { keys: ['q', 's'], scores: [1, 1] },
      ],
      { method: 'rrf' },
      10,
    );
    expect(keys(hits)).toEqual(['p', 'q', 'r', 's']);
    // A list with equal scores keeps its own order under min-max (all 1).
    expect(
      keys(fuse([{ keys: ['z', 'y', 'x'], scores: [2, 2, 2] }], { method: 'weighted', weights: [1] }, 10)),
    ).toEqual(['z', 'y', 'x']);
  });

  it('does not modify its inputs', () => {
    const lists = [structuredClone(a), structuredClone(b)];
    for (const spec of specs) fuse(lists, spec, 10);
    expect(lists).toEqual([a, b]);
  });
});

describe('invariants on random lists', () => {
  const list = fc
    .uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 15 })
    .chain((ks) =>
      fc.record({
        keys: fc.constant(ks),
        scores: fc.array(fc.double({ min: -100, max: 100, noNaN: true }), {
          minLength: ks.length,
          maxLength: ks.length,
        }),
      }),
    )
    .map((l) => ({ keys: l.keys, scores: [...l.scores].sort((x, y) => y - x) }));

  it('output is sorted, unique, within the limit, drawn from the inputs, with the raw scores', () => {
    fc.assert(
      fc.property(fc.array(list, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 40 }), (lists, limit) => {
        const n = lists.length;
        for (const spec of [
          { method: 'rrf' },
          { method: 'weighted', weights: new Array(n).fill(1), normalize: 'zscore' },
          { method: 'adaptive', depth: 5 },
        ] as FusionSpec[]) {
          const hits = fuse(lists, spec, limit);
          // Adaptive leaves out lists whose agreement with the anchor is 0.
          const weights = spec.method === 'adaptive' ? adaptiveWeights(lists, 0, defaultAdaptiveWeights(n, 0), 5) : [];
          const union = new Set(lists.flatMap((l, i) => (weights[i] === 0 ? [] : l.keys)));
          expect(hits.length).toBe(Math.min(limit, union.size));
          expect(new Set(keys(hits)).size).toBe(hits.length);
          for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
          for (const h of hits) {
            h.scores.forEach((s, i) => {
              const at = lists[i]!.keys.indexOf(h.key);
              expect(s).toBe(at === -1 ? null : lists[i]!.scores[at]);
            });
          }
        }
      }),
    );
  });

  it('weights that zero every list but one return that list exactly', () => {
    fc.assert(
      fc.property(list, list, (x, y) => {
        const hits = fuse([x, y], { method: 'weighted', weights: [1, 0] }, 100);
        // Equal scores in x keep x's order, so the result is x's keys in x's order.
        expect(keys(hits)).toEqual(x.keys);
      }),
    );
  });
});

describe('validation', () => {
  const field = async (f: () => unknown, name: string) => {
    const err = await expectCode(f, 'INVALID_ARGUMENT');
    expect(err.details.field).toBe(name);
  };

  it('rejects an unknown method or a spec that is not an object', async () => {
    await field(() => fuse([a], { method: 'borda' } as unknown as FusionSpec, 10), 'method');
    await field(() => fuse([a], null as unknown as FusionSpec, 10), 'fusion');
  });

  it('rejects weights of the wrong length, negative, NaN, infinite or all zero', async () => {
    await field(() => fuse([a, b], { method: 'weighted', weights: [1] }, 10), 'weights');
    await field(() => fuse([a, b], { method: 'rrf', weights: [1, 1, 1] }, 10), 'weights');
    await field(() => fuse([a, b], { method: 'weighted', weights: [1, -0.1] }, 10), 'weights');
    await field(() => fuse([a, b], { method: 'weighted', weights: [1, Number.NaN] }, 10), 'weights');
    await field(() => fuse([a, b], { method: 'adaptive', weights: [1, Number.POSITIVE_INFINITY] }, 10), 'weights');
    await field(() => fuse([a, b], { method: 'weighted', weights: [0, 0] }, 10), 'weights');
    await field(() => fuse([a, b], { method: 'rrf', weights: [0, 0] }, 10), 'weights');
    await field(() => fuse([a, b], { method: 'weighted' } as unknown as FusionSpec, 10), 'weights');
    await field(() => fuse([a, b], { method: 'weighted', weights: '1,1' } as unknown as FusionSpec, 10), 'weights');
  });

  it('rejects an adaptive anchor of weight 0', async () => {
    await field(() => fuse([a, b], { method: 'adaptive', weights: [0, 1] }, 10), 'weights');
  });

  it('rejects k ≤ 0 or not a finite number', async () => {
    await field(() => fuse([a], { method: 'rrf', k: 0 }, 10), 'k');
    await field(() => fuse([a], { method: 'rrf', k: -60 }, 10), 'k');
    await field(() => fuse([a], { method: 'rrf', k: Number.NaN }, 10), 'k');
    await field(() => fuse([a], { method: 'rrf', k: '60' } as unknown as FusionSpec, 10), 'k');
  });

  it('rejects an unknown normalization, a bad anchor or depth', async () => {
    const bad = { method: 'weighted', weights: [1], normalize: 'l2' } as unknown as FusionSpec;
    await field(() => fuse([a], bad, 10), 'normalize');
    await field(() => fuse([a, b], { method: 'adaptive', anchor: 2 }, 10), 'anchor');
    await field(() => fuse([a, b], { method: 'adaptive', anchor: 0.5 }, 10), 'anchor');
    await field(() => fuse([a, b], { method: 'adaptive', depth: 0 }, 10), 'depth');
  });

  it('rejects a limit that is not a non-negative integer', async () => {
    for (const limit of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
      await field(() => fuse([a], { method: 'rrf' }, limit as number), 'limit');
    }
  });

  it('rejects malformed lists', async () => {
    await field(() => fuse([], { method: 'rrf' }, 10), 'lists');
    await field(() => fuse([{ keys: ['a'], scores: [] }], { method: 'rrf' }, 10), 'lists');
    await field(() => fuse([{ keys: ['a'], scores: [Number.NaN] }], { method: 'rrf' }, 10), 'lists');
    await field(() => fuse([{ keys: ['a'] } as unknown as RankedList<string>], { method: 'rrf' }, 10), 'lists');
    await field(() => fuse(null as unknown as RankedList<string>[], { method: 'rrf' }, 10), 'lists');
  });
});
