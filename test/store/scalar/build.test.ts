/**
 * Scalar index builds against a brute-force scan: inverted (string, bool, string[] by element) and sorted
 * (int, float) indexes, rangeOf for every operator, and which types buildScalarIndex indexes at all.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildScalarIndex } from '../../../src/store/scalar/build-scalar-index.js';
import type { InvertedIndex, SortedIndex } from '../../../src/store/scalar/scalar-index.js';
import { rangeOf } from '../../../src/store/scalar/sorted-index.js';
import { numberColumn, type ValueColumn } from '../../../src/store/segment/columns.js';

const value = fc.oneof(
  fc.constant(null),
  fc.constantFrom('a', 'b', '', 'é', '😀', 'A'),
  fc.boolean(),
  fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 4 }),
);

describe('inverted index', () => {
  it('lists, for every key, exactly the ascending rows that hold it', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 80 }), (values) => {
        const column: ValueColumn = { kind: 'value', values };
        const index = buildScalarIndex('string', column) as InvertedIndex;
        expect(index.kind).toBe('inverted');
        const keys = new Set<string | boolean>();
        for (const v of values) {
          if (typeof v === 'string' || typeof v === 'boolean') keys.add(v);
          else if (Array.isArray(v)) for (const x of v) keys.add(x);
        }
        expect(index.keyCount).toBe(keys.size);
        for (const k of [...keys, 'zzz', true, false]) {
          const want = values.flatMap((v, row) =>
            v === k || (Array.isArray(v) && (v as unknown[]).includes(k)) ? [row] : [],
          );
          expect(Array.from(index.lookup(k))).toEqual(want);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('indexes bool and string[] columns the same way', () => {
    const bools = buildScalarIndex('bool', { kind: 'value', values: [true, null, false, true] }) as InvertedIndex;
    expect(Array.from(bools.lookup(true))).toEqual([0, 3]);
    expect(Array.from(bools.lookup(false))).toEqual([2]);
    const arrays = buildScalarIndex('string[]', {
      kind: 'value',
      values: [['a', 'a'], [], null, ['b', 'a']],
    }) as InvertedIndex;
    expect(Array.from(arrays.lookup('a'))).toEqual([0, 3]);
    expect(arrays.keyCount).toBe(2);
  });
});

describe('sorted index', () => {
  const nums = fc.array(fc.option(fc.constantFrom(-2, -0.5, 0, 1, 1, 3, 1e9, -1e-9), { nil: null }), { maxLength: 80 });

  it('holds the non-null values ascending, ties by row, with their rows', () => {
    fc.assert(
      fc.property(nums, (values) => {
        const index = buildScalarIndex('float', numberColumn(values)) as SortedIndex;
        expect(index.kind).toBe('sorted');
        const want = values
          .flatMap((v, row) => (v === null ? [] : [{ v, row }]))
          .sort((a, b) => a.v - b.v || a.row - b.row);
        expect(Array.from(index.rows)).toEqual(want.map((x) => x.row));
        expect(Array.from(index.values)).toEqual(want.map((x) => x.v));
      }),
      { numRuns: 300 },
    );
  });

  it('rangeOf matches a scan for every operator', () => {
    const ops = ['==', '<', '<=', '>', '>='] as const;
    fc.assert(
      fc.property(nums, fc.constantFrom(-3, -2, -0.5, 0, 0.5, 1, 3, 1e9), fc.constantFrom(...ops), (values, x, op) => {
        const index = buildScalarIndex('int', numberColumn(values)) as SortedIndex;
        const [from, to] = rangeOf(index, op, x);
        const got = Array.from(index.rows.subarray(from, to)).sort((a, b) => a - b);
        const test = {
          '==': (v: number) => v === x,
          '<': (v: number) => v < x,
          '<=': (v: number) => v <= x,
          '>': (v: number) => v > x,
          '>=': (v: number) => v >= x,
        }[op];
        const want = values.flatMap((v, row) => (v !== null && test(v) ? [row] : []));
        expect(got).toEqual(want);
      }),
      { numRuns: 400 },
    );
  });
});

describe('buildScalarIndex', () => {
  it('builds nothing for json, or for a column of the wrong kind', () => {
    expect(buildScalarIndex('json', { kind: 'value', values: [{ a: 1 }] })).toBeUndefined();
    expect(buildScalarIndex('int', { kind: 'value', values: [1] })).toBeUndefined();
    expect(buildScalarIndex('string', numberColumn([1]))).toBeUndefined();
  });

  it('handles empty columns', () => {
    expect((buildScalarIndex('int', numberColumn([])) as SortedIndex).values.length).toBe(0);
    expect((buildScalarIndex('string', { kind: 'value', values: [] }) as InvertedIndex).keyCount).toBe(0);
  });
});
