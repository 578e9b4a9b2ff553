/**
 * Scalar indexes: which index each type gets, what lookups return, encode/decode round trips, and CORRUPT
 * (never a crash or a hang) on damaged bytes.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { buildScalarIndex } from '../../../src/store/scalar/build-scalar-index.js';
import { decodeScalarIndex, encodeScalarIndex } from '../../../src/store/scalar/scalar-codec.js';
import type { InvertedIndex, ScalarIndex, SortedIndex } from '../../../src/store/scalar/scalar-index.js';
import { bound, rangeOf } from '../../../src/store/scalar/sorted-index.js';
import { type Column, numberColumn } from '../../../src/store/segment/columns.js';

const values = (v: unknown[]): Column => ({ kind: 'value', values: v });

function sorted(index: ScalarIndex | undefined): SortedIndex {
  if (index?.kind !== 'sorted') throw new Error('expected a sorted index');
  return index;
}

function inverted(index: ScalarIndex | undefined): InvertedIndex {
  if (index?.kind !== 'inverted') throw new Error('expected an inverted index');
  return index;
}

/** Everything an index answers, in a comparable form. */
function contents(index: ScalarIndex, keys: (string | boolean)[]): unknown {
  if (index.kind === 'sorted') return { values: [...index.values], rows: [...index.rows] };
  return { keyCount: index.keyCount, postings: keys.map((k) => [k, [...index.lookup(k)]]) };
}

describe('buildScalarIndex', () => {
  it('sorts numbers, skipping nulls, ties in row order', () => {
    const s = sorted(buildScalarIndex('int', numberColumn([3, null, 1, 3, -2, 1])));
    expect([...s.values]).toEqual([-2, 1, 1, 3, 3]);
    expect([...s.rows]).toEqual([4, 2, 5, 0, 3]);
    expect(rangeOf(s, '==', 3)).toEqual([3, 5]);
    expect(rangeOf(s, '<', 1)).toEqual([0, 1]);
    expect(rangeOf(s, '<=', 1)).toEqual([0, 3]);
    expect(rangeOf(s, '>', 1)).toEqual([3, 5]);
    expect(rangeOf(s, '>=', 4)).toEqual([5, 5]);
    expect(bound(s.values, 0, false)).toBe(1);
    expect(sorted(buildScalarIndex('float', numberColumn([0.5, -0.5]))).rows).toEqual(new Uint32Array([1, 0]));
  });

  it('inverts strings, bools and string[] elements', () => {
    const s = inverted(buildScalarIndex('string', values(['b', null, 'a', 'b'])));
    expect([...s.lookup('b')]).toEqual([0, 3]);
    expect([...s.lookup('zz')]).toEqual([]);
    expect(s.keyCount).toBe(2);
    const b = inverted(buildScalarIndex('bool', values([true, false, null, true])));
    expect([[...b.lookup(true)], [...b.lookup(false)]]).toEqual([[0, 3], [1]]);
    const a = inverted(buildScalarIndex('string[]', values([['x', 'y', 'x'], [], null, ['y']])));
    expect([[...a.lookup('x')], [...a.lookup('y')]]).toEqual([[0], [0, 3]]);
  });

  it('gives json fields no index and indexes primary keys by their type', () => {
    expect(buildScalarIndex('json', values([{ a: 1 }]))).toBeUndefined();
    expect(buildScalarIndex('int', numberColumn([2, 1]))?.kind).toBe('sorted');
    expect(buildScalarIndex('string', values(['k1', 'k2']))?.kind).toBe('inverted');
  });
});

describe('encode / decode', () => {
  const cases: [string, ScalarIndex, (string | boolean)[]][] = [
    ['sorted', buildScalarIndex('float', numberColumn([2.5, null, -1, 1e300, 2.5]))!, []],
    ['empty sorted', buildScalarIndex('int', numberColumn([]))!, []],
    [
      'strings',
      buildScalarIndex('string', values(['é', '', 'a\u0000b', '日本', null, '']))!,
      ['é', '', 'a\u0000b', '日本'],
    ],
    ['bools', buildScalarIndex('bool', values([true, null, false]))!, [true, false]],
    ['arrays', buildScalarIndex('string[]', values([['a', 'b'], ['b'], null, []]))!, ['a', 'b', 'c']],
    ['empty inverted', buildScalarIndex('string', values([]))!, ['a']],
  ];

  it.each(cases)('round-trips %s exactly', (_name, index, keys) => {
    const bytes = encodeScalarIndex(index);
    const back = decodeScalarIndex(bytes);
    expect(contents(back, keys)).toEqual(contents(index, keys));
    expect(encodeScalarIndex(back)).toEqual(bytes);
    // Decoding does not depend on the input's alignment in its buffer.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(contents(decodeScalarIndex(shifted.subarray(3)), keys)).toEqual(contents(index, keys));
  });

  it('round-trips random string columns', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.string({ maxLength: 4 }), { nil: null }), { maxLength: 50 }), (vs) => {
        const index = buildScalarIndex('string', values(vs))!;
        const keys = [...new Set(vs.filter((v): v is string => v !== null))];
        expect(contents(decodeScalarIndex(encodeScalarIndex(index)), keys)).toEqual(contents(index, keys));
      }),
    );
  });

  const corruptOrValid = (bytes: Uint8Array) => {
    try {
      decodeScalarIndex(bytes);
    } catch (err) {
      expect(err).toBeInstanceOf(QuiverError);
      expect((err as QuiverError).code).toBe('CORRUPT');
    }
  };

  it('throws CORRUPT on truncated, damaged or foreign bytes', () => {
    const good = cases.map(([, index]) => encodeScalarIndex(index));
    const bad: Uint8Array[] = [new Uint8Array(0), new Uint8Array(7), Uint8Array.of(9, 1, 0, 0, 0, 0, 0, 0)];
    for (const bytes of good) {
      bad.push(bytes.subarray(0, bytes.length - 1));
      const extra = new Uint8Array(bytes.length + 4);
      extra.set(bytes);
      bad.push(extra);
      const huge = bytes.slice();
      huge.set([0xff, 0xff, 0xff, 0xff], 4);
      bad.push(huge);
    }
    for (const bytes of bad)
      expect(() => decodeScalarIndex(bytes)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    const unsorted = encodeScalarIndex({ kind: 'sorted', values: Float64Array.of(2, 1), rows: Uint32Array.of(0, 1) });
    expect(() => decodeScalarIndex(unsorted)).toThrow(/out of order/);
  });

  it('never crashes or hangs on random bit flips and random bytes', () => {
    const good = cases.map(([, index]) => encodeScalarIndex(index));
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), (i, flips) => {
        const bytes = good[i]!.slice();
        for (const [at, v] of flips) if (bytes.length > 0) bytes[at % bytes.length] = v;
        corruptOrValid(bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), corruptOrValid), { numRuns: 2000 });
  });
});
