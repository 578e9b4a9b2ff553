/**
 * BM25 index encoding: round trips keep every array, the analyzer and search results exactly, and re-encode
 * to the same bytes; every truncation is CORRUPT; every single-bit flip of a small index and random byte
 * overwrites either throw CORRUPT or decode to an index that re-encodes to exactly the damaged bytes (a
 * change the format cannot see, such as a letter of a term, which the segment checksum catches).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { createAnalyzer } from '../../../src/store/text/analyzer.js';
import type { AnalyzerOptions } from '../../../src/store/text/analyzer-options.js';
import { decodeBM25, encodeBM25 } from '../../../src/store/text/bm25-codec.js';
import { BM25Index } from '../../../src/store/text/bm25-index.js';
import { corpusArb, queryArb } from './reference-bm25.js';

const optionsArb: fc.Arbitrary<AnalyzerOptions> = fc.record(
  {
    language: fc.constantFrom('en' as const, 'none' as const),
    lowercase: fc.boolean(),
    stopwords: fc.oneof(fc.constantFrom('en' as const, 'none' as const), fc.array(fc.string({ maxLength: 5 }))),
    stem: fc.boolean(),
    minTokenLength: fc.integer({ min: 1, max: 3 }),
    maxTokenLength: fc.integer({ min: 3, max: 64 }),
  },
  { requiredKeys: [] },
);

/** Random texts mixing the test vocabulary with arbitrary unicode, so terms hold multi-byte characters. */
const textsArb = fc
  .array(fc.oneof(corpusArb, fc.array(fc.option(fc.string({ unit: 'grapheme', maxLength: 20 })))))
  .map((parts) => parts.flat());

/** An index as plain data, through its public fields. */
function plainOf(index: BM25Index) {
  return {
    analyzer: index.analyzer.options,
    rowCount: index.rowCount,
    terms: [...index.terms],
    offsets: Array.from(index.offsets),
    rows: Array.from(index.rows),
    freqs: Array.from(index.freqs),
    freqWidth: index.freqs.BYTES_PER_ELEMENT,
    lengths: Array.from(index.lengths),
    stats: index.stats(),
  };
}

function corruptOrIndex(bytes: Uint8Array): BM25Index | undefined {
  try {
    return decodeBM25(bytes);
  } catch (err) {
    if (!(err instanceof QuiverError)) throw err;
    expect(err.code).toBe('CORRUPT');
    return undefined;
  }
}

/** Decoding damaged bytes throws CORRUPT, or yields an index whose encoding is exactly those bytes. */
function expectCaughtOrFaithful(damaged: Uint8Array): void {
  const index = corruptOrIndex(damaged);
  if (index) expect(encodeBM25(index)).toEqual(damaged);
}

describe('round trips', () => {
  it('decode(encode(index)) keeps every array, the analyzer and search results, and re-encodes identically', () => {
    fc.assert(
      fc.property(textsArb, optionsArb, (texts, options) => {
        const analyzer = createAnalyzer(options);
        const index = BM25Index.build(texts, analyzer);
        const bytes = encodeBM25(index);
        const back = decodeBM25(bytes);
        expect(plainOf(back)).toEqual(plainOf(index));
        expect(encodeBM25(back)).toEqual(bytes);
        for (const query of fc.sample(queryArb(analyzer), 5).concat([[...index.terms]])) {
          expect(back.search(query, 10, { k1: 0.9, b: 0.4 })).toEqual(index.search(query, 10, { k1: 0.9, b: 0.4 }));
          expect(back.matchRows(query, 'all').words).toEqual(index.matchRows(query, 'all').words);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps 32-bit frequencies, empty indexes and rows without text', () => {
    const a = createAnalyzer({ language: 'none' });
    for (const texts of [['cat '.repeat(70_000), 'dog cat'], [], [null, '', '!!'], ['x']]) {
      const index = BM25Index.build(texts, a);
      const back = decodeBM25(encodeBM25(index));
      expect(plainOf(back)).toEqual(plainOf(index));
    }
  });

  it('decodes from a view that does not start at offset 0 of its buffer', () => {
    const index = BM25Index.build(['red apples', 'green apples and pears'], createAnalyzer());
    const bytes = encodeBM25(index);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(plainOf(decodeBM25(padded.subarray(3)))).toEqual(plainOf(index));
  });

  it('checks the analyzer options the caller expects', () => {
    const index = BM25Index.build(['red apples'], createAnalyzer({ stem: false }));
    const bytes = encodeBM25(index);
    expect(decodeBM25(bytes, { stem: false, language: 'en' }).analyzer.options.stem).toBe(false);
    try {
      decodeBM25(bytes, {});
      expect.unreachable('decode should refuse other analyzer options');
    } catch (err) {
      expect(err).toBeInstanceOf(QuiverError);
      expect((err as QuiverError).code).toBe('INCOMPATIBLE');
    }
    expect(() => decodeBM25(bytes, { stem: 'no' } as unknown as AnalyzerOptions)).toThrow(/stem/);
    // Damage reads as damage, even when the options would not match either.
    try {
      decodeBM25(bytes.subarray(0, bytes.length - 1), {});
      expect.unreachable('a truncated index should not decode');
    } catch (err) {
      expect((err as QuiverError).code).toBe('CORRUPT');
    }
  });
});

describe('damaged bytes', () => {
  const small = BM25Index.build(['Red apples, café', null, 'green apples apples', '', 'pears'], createAnalyzer());
  const wide = BM25Index.build(['ab '.repeat(66_000), 'cd ab'], createAnalyzer({ language: 'none' }));

  it('every truncation is CORRUPT', () => {
    for (const index of [small, BM25Index.build([], createAnalyzer())]) {
      const bytes = encodeBM25(index);
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(corruptOrIndex(bytes.subarray(0, cut)), `cut at ${cut}`).toBeUndefined();
      }
    }
    fc.assert(
      fc.property(textsArb, fc.nat(), (texts, cut) => {
        const bytes = encodeBM25(BM25Index.build(texts, createAnalyzer()));
        expect(corruptOrIndex(bytes.subarray(0, cut % bytes.length))).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('a byte appended is CORRUPT, and so is what is not a Uint8Array', () => {
    const bytes = encodeBM25(small);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(corruptOrIndex(longer)).toBeUndefined();
    expect(corruptOrIndex([1, 2, 3] as unknown as Uint8Array)).toBeUndefined();
  });

  it('every single-bit flip of a small index is CORRUPT or re-encodes to the flipped bytes', () => {
    for (const index of [small, wide]) {
      const bytes = encodeBM25(index);
      const view = new DataView(bytes.buffer);
      const analyzerEnd = 32 + view.getUint32(20, true);
      const termEndsAt = 32 + Math.ceil((analyzerEnd - 32) / 4) * 4;
      const termEndsEnd = termEndsAt + (index.terms.length + 1) * 4;
      const textAt = bytes.length - view.getUint32(24, true);
      let caught = 0;
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const at = bit >>> 3;
        const flipped = bytes.slice();
        flipped[at]! ^= 1 << (bit & 7);
        expectCaughtOrFaithful(flipped);
        if (corruptOrIndex(flipped) === undefined) caught++;
        // Outside the analyzer options, the term boundaries and the term text, every flip is seen: the
        // postings, frequencies and row lengths check each other.
        else
          expect((at >= 32 && at < analyzerEnd) || (at >= termEndsAt && at < termEndsEnd) || at >= textAt).toBe(true);
      }
      expect(caught / (bytes.length * 8)).toBeGreaterThan(0.9);
    }
  });

  it('analyzer options that parse but are not in canonical form are CORRUPT', () => {
    const bytes = encodeBM25(small);
    const view = new DataView(bytes.buffer);
    const length = view.getUint32(20, true);
    const json = new TextDecoder().decode(bytes.subarray(32, 32 + length));
    // One more byte still fits the 4-byte padding, so only the header's length changes.
    expect(length % 4).not.toBe(0);
    const spaced = new TextEncoder().encode(`{ ${json.slice(1)}`);
    const damaged = bytes.slice();
    damaged.set(spaced, 32);
    new DataView(damaged.buffer).setUint32(20, length + 1, true);
    expect(JSON.parse(new TextDecoder().decode(damaged.subarray(32, 33 + length)))).toEqual(JSON.parse(json));
    expect(corruptOrIndex(damaged)).toBeUndefined();
  });

  it('random byte overwrites are CORRUPT or re-encode to the damaged bytes', () => {
    fc.assert(
      fc.property(
        textsArb,
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        (texts, hits) => {
          const bytes = encodeBM25(BM25Index.build(texts, createAnalyzer())).slice();
          for (const [at, value] of hits) bytes[at % bytes.length] = value;
          expectCaughtOrFaithful(bytes);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a header that claims huge arrays is CORRUPT before anything is allocated', () => {
    const bytes = encodeBM25(small).slice();
    const view = new DataView(bytes.buffer);
    for (const at of [8, 12, 16, 20, 24]) {
      const damaged = bytes.slice();
      new DataView(damaged.buffer).setUint32(at, 0xffffffff, true);
      expect(corruptOrIndex(damaged)).toBeUndefined();
    }
    expect(view.getUint32(8, true)).toBe(5);
  });
});
