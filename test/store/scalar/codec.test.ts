/**
 * Scalar index encoding: round trips for inverted and sorted indexes, and decodeScalarIndex on truncated,
 * bit-flipped, random and crafted bytes either returns an index or throws QuiverError CORRUPT, never another
 * error and never a hang.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { buildScalarIndex } from '../../../src/store/scalar/build-scalar-index.js';
import { decodeScalarIndex, encodeScalarIndex } from '../../../src/store/scalar/scalar-codec.js';
import type { ScalarIndex, SortedIndex } from '../../../src/store/scalar/scalar-index.js';
import { numberColumn } from '../../../src/store/segment/columns.js';

const keyArb = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 }), fc.boolean());
type Built = { index: ScalarIndex; probes: (string | boolean)[] };
const invertedArb: fc.Arbitrary<Built> = fc
  .array(fc.oneof(fc.constant(null), keyArb, fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })), {
    maxLength: 40,
  })
  .map((values) => ({
    index: buildScalarIndex('string', { kind: 'value', values })!,
    probes: [...values.flat().filter((v): v is string | boolean => v !== null), 'never-a-key', true, false],
  }));
const sortedArb: fc.Arbitrary<Built> = fc
  .array(fc.option(fc.double({ noNaN: true }), { nil: null }), { maxLength: 40 })
  .map((values) => ({ index: buildScalarIndex('float', numberColumn(values))!, probes: [] }));
const indexArb = fc.oneof(invertedArb, sortedArb);

/** An index as plain data, through the public interface only (`probes` are the keys to look up). */
function plainOf(index: ScalarIndex, probes: readonly (string | boolean)[]): unknown {
  if (index.kind === 'sorted') return { values: Array.from(index.values), rows: Array.from(index.rows) };
  return { keyCount: index.keyCount, postings: probes.map((k) => [k, Array.from(index.lookup(k))]) };
}

/** decode either succeeds or throws QuiverError CORRUPT. */
function decodeOrCorrupt(bytes: Uint8Array): ScalarIndex | undefined {
  try {
    const index = decodeScalarIndex(bytes);
    expect(['sorted', 'inverted']).toContain(index.kind);
    return index;
  } catch (err) {
    if (!(err instanceof QuiverError)) throw err;
    expect(err.code).toBe('CORRUPT');
    return undefined;
  }
}

describe('round trips', () => {
  it('decode(encode(index)) equals the index, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(indexArb, ({ index, probes }) => {
        const bytes = encodeScalarIndex(index);
        const back = decodeScalarIndex(bytes);
        expect(back.kind).toBe(index.kind);
        expect(plainOf(back, probes)).toEqual(plainOf(index, probes));
        expect(encodeScalarIndex(back)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps -0, infinities and extreme values of a sorted index', () => {
    const index = buildScalarIndex('float', numberColumn([Number.POSITIVE_INFINITY, -0, -Number.MAX_VALUE, 5e-324]))!;
    const back = decodeScalarIndex(encodeScalarIndex(index)) as SortedIndex;
    expect(Array.from(back.values)).toEqual(Array.from((index as SortedIndex).values));
    expect(Object.is(back.values[1], -0)).toBe(true);
  });

  it('decodes from a view that does not start at offset 0 of its buffer', () => {
    const index = buildScalarIndex('string', { kind: 'value', values: ['x', ['y', 'x'], true] })!;
    const bytes = encodeScalarIndex(index);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    const probes = ['x', 'y', true, false, 'z'];
    expect(plainOf(decodeScalarIndex(padded.subarray(3)), probes)).toEqual(plainOf(index, probes));
  });
});

describe('damaged bytes', () => {
  it('every truncation is CORRUPT', () => {
    fc.assert(
      fc.property(indexArb, fc.nat(), ({ index }, cut) => {
        const bytes = encodeScalarIndex(index);
        const err = (() => {
          try {
            decodeScalarIndex(bytes.subarray(0, cut % bytes.length));
          } catch (e) {
            return e;
          }
        })();
        expect(err).toBeInstanceOf(QuiverError);
        expect((err as QuiverError).code).toBe('CORRUPT');
      }),
      { numRuns: 300 },
    );
  });

  it('every single bit flip of a small index decodes or is CORRUPT', () => {
    const indexes = [
      buildScalarIndex('string', { kind: 'value', values: ['ab', null, ['c', 'ab'], true, false, 'é'] })!,
      buildScalarIndex('int', numberColumn([3, null, -1, 3, 7]))!,
    ];
    for (const index of indexes) {
      const bytes = encodeScalarIndex(index);
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const flipped = bytes.slice();
        flipped[bit >>> 3]! ^= 1 << (bit & 7);
        decodeOrCorrupt(flipped);
      }
    }
  });

  it('random bit flips and byte overwrites decode or are CORRUPT', () => {
    fc.assert(
      fc.property(
        indexArb,
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        ({ index }, hits) => {
          const bytes = encodeScalarIndex(index).slice();
          for (const [at, v] of hits) bytes[at % bytes.length] = v;
          decodeOrCorrupt(bytes);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('random bytes decode or are CORRUPT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(undefined, 1, 2), (bytes, tag) => {
        const b = bytes.slice();
        if (tag !== undefined && b.length > 1) {
          b[0] = tag;
          b[1] = 1;
        }
        decodeOrCorrupt(b);
      }),
      { numRuns: 1000 },
    );
  });

  it('a header claiming huge counts is CORRUPT without allocating them', () => {
    for (const tag of [1, 2]) {
      const b = new Uint8Array(32);
      const view = new DataView(b.buffer);
      b[0] = tag;
      b[1] = 1;
      view.setUint32(4, 0xffffffff, true);
      view.setUint32(8, 0xffffffff, true);
      view.setUint32(12, 0xfffffff0, true);
      expect(decodeOrCorrupt(b)).toBeUndefined();
    }
  });

  it('an empty input and a non-Uint8Array are CORRUPT', () => {
    expect(decodeOrCorrupt(new Uint8Array(0))).toBeUndefined();
    expect(decodeOrCorrupt([1, 1, 0, 0, 0, 0, 0, 0] as unknown as Uint8Array)).toBeUndefined();
  });
});
