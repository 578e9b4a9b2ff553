/**
 * TopK: the bounded heap that picks the k best hits must agree with a full sort by (distance, label) for any
 * input order, any k (including 0 and k above the count), and inputs full of ties.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopK } from '../../../src/store/vector/top-k.js';

interface Entry {
  d: number;
  label: number;
}

function reference(entries: Entry[], k: number): Entry[] {
  return [...entries].sort((a, b) => a.d - b.d || a.label - b.label).slice(0, k);
}

function viaTopK(entries: Entry[], k: number): { kept: Entry[]; size: number } {
  const top = new TopK(k);
  for (const e of entries) top.push(e.d, e.label);
  const { labels, distances } = top.result();
  expect(labels.length).toBe(distances.length);
  return { kept: Array.from(labels, (label, i) => ({ d: distances[i]!, label })), size: top.size };
}

/** Distinct labels in random order with float32-exact distances; a small pool of distances forces ties. */
const entriesArb = fc
  .tuple(fc.integer({ min: 0, max: 200 }), fc.boolean(), fc.integer({ min: 1, max: 2 ** 31 }))
  .chain(([n, tiesOnly, seed]) =>
    fc.tuple(
      fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i * 7 + (seed % 5)),
        { minLength: n, maxLength: n },
      ),
      fc.array(
        tiesOnly
          ? fc.integer({ min: 0, max: 3 }).map((x) => x / 4)
          : fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }),
        { minLength: n, maxLength: n },
      ),
    ),
  )
  .map(([labels, ds]) => labels.map((label, i) => ({ label, d: ds[i]! === 0 ? 0 : ds[i]! })));

describe('TopK', () => {
  it('equals a full sort by distance then label (property)', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer({ min: 0, max: 220 }), (entries, k) => {
        const { kept, size } = viaTopK(entries, k);
        expect(kept).toEqual(reference(entries, k));
        expect(size).toBe(Math.min(k, entries.length));
      }),
      { numRuns: 400, seed: 20240601 },
    );
  });

  it('tracks the worst kept distance', () => {
    const top = new TopK(3);
    expect(top.worst).toBe(Number.POSITIVE_INFINITY);
    for (const [d, l] of [
      [5, 0],
      [1, 1],
      [3, 2],
    ] as const)
      top.push(d, l);
    expect(top.worst).toBe(5);
    top.push(2, 3);
    expect(top.worst).toBe(3);
    top.push(9, 4);
    expect(top.worst).toBe(3);
    expect(Array.from(top.result().labels)).toEqual([1, 3, 2]);
  });

  it('prefers the lower label among equal distances regardless of arrival order', () => {
    const top = new TopK(2);
    for (const label of [9, 4, 7, 1, 8]) top.push(0.5, label);
    expect(Array.from(top.result().labels)).toEqual([1, 4]);
  });

  it('keeps nothing when k is 0', () => {
    const top = new TopK(0);
    top.push(1, 1);
    expect(top.result().labels.length).toBe(0);
    expect(top.size).toBe(0);
  });

  it('agrees with a full sort on a large seeded random input', () => {
    let s = 12345;
    const rand = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const entries: Entry[] = Array.from({ length: 50_000 }, (_, label) => ({
      label,
      d: Math.fround(Math.floor(rand() * 5000) / 64),
    }));
    for (const k of [1, 10, 100, 1000]) expect(viaTopK(entries, k).kept).toEqual(reference(entries, k));
  });
});
