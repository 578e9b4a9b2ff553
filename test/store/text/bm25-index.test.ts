/**
 * BM25Index: search equals a plain reference BM25 on random corpora and queries (property test), respects
 * filter and tombstone bitsets, handles k past the matches, empty and unknown queries, uses global
 * statistics when given (two segments with summed stats score like one), and matchRows any/all.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAnalyzer } from '../../../src/store/text/analyzer.js';
import { BM25Index } from '../../../src/store/text/bm25-index.js';
import { Bitset } from '../../../src/store/util/bitset.js';
import { quiverErrorOf } from '../../helpers/errors.js';
import { corpusArb, expectTopK, queryArb, referenceScores } from './reference-bm25.js';

const en = createAnalyzer();
const plain = createAnalyzer({ language: 'none' });

const bitsArb = (n: number) => fc.array(fc.boolean(), { minLength: n, maxLength: n });
const paramsArb = fc.record({
  k1: fc.constantFrom(0, 0.5, 0.9, 1.2, 2),
  b: fc.constantFrom(0, 0.4, 0.75, 1),
  k: fc.integer({ min: 0, max: 12 }),
});

describe('BM25Index.build', () => {
  it('keeps postings ascending, frequencies, lengths and statistics', () => {
    const index = BM25Index.build(['red apple red', null, '', 'green apples', 'the of'], en);
    expect(index.rowCount).toBe(5);
    expect(Array.from(index.lengths)).toEqual([3, 0, 0, 2, 0]);
    expect(index.stats()).toEqual({ docCount: 2, totalLength: 5 });
    expect(index.docFreq('appl')).toBe(2);
    expect(index.docFreq('red')).toBe(1);
    expect(index.docFreq('apple')).toBe(0);
    const red = index.postings(index.termId('red')!);
    expect([Array.from(red.rows), Array.from(red.freqs)]).toEqual([[0], [2]]);
    const apple = index.postings(index.termId('appl')!);
    expect([Array.from(apple.rows), Array.from(apple.freqs)]).toEqual([
      [0, 3],
      [1, 1],
    ]);
    expect(index.freqs).toBeInstanceOf(Uint16Array);
    // The dictionary is sorted, whatever order the terms came in.
    expect(index.terms).toEqual(['appl', 'green', 'red']);
    expect(index.termId('green')).toBe(1);
  });

  it('switches to 32-bit frequencies when a term repeats more than 65,535 times in a row', () => {
    const index = BM25Index.build(['cat '.repeat(70_000), 'cat dog'], plain);
    expect(index.freqs).toBeInstanceOf(Uint32Array);
    expect(Array.from(index.postings(index.termId('cat')!).freqs)).toEqual([70_000, 1]);
    expect(index.stats().totalLength).toBe(70_002);
  });

  it('rejects a text that is neither a string nor null', () => {
    const err = quiverErrorOf(() => BM25Index.build(['ok', 7 as unknown as string], en));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.details.row).toBe(1);
  });

  it('indexes an empty segment', () => {
    const index = BM25Index.build([], en);
    expect(index.stats()).toEqual({ docCount: 0, totalLength: 0 });
    expect(index.search(['appl'], 10).rows.length).toBe(0);
    expect(index.matchRows(['appl'], 'any').size).toBe(0);
  });
});

describe('BM25Index.search', () => {
  it('equals the reference BM25, with filter and tombstones, for random corpora and queries', () => {
    for (const analyzer of [en, plain]) {
      fc.assert(
        fc.property(
          corpusArb.chain((texts) =>
            fc.tuple(fc.constant(texts), bitsArb(texts.length), bitsArb(texts.length), fc.boolean()),
          ),
          queryArb(analyzer),
          paramsArb,
          ([texts, filterBits, deletedBits, useBitsets], query, { k1, b, k }) => {
            const index = BM25Index.build(texts, analyzer);
            const filter = Bitset.fromIndices(
              texts.length,
              [...filterBits.keys()].filter((i) => filterBits[i]),
            );
            const deleted = Bitset.fromIndices(
              texts.length,
              [...deletedBits.keys()].filter((i) => deletedBits[i]),
            );
            const keep = useBitsets ? (row: number) => filterBits[row]! && !deletedBits[row] : undefined;
            const hits = index.search(query, k, useBitsets ? { k1, b, filter, deleted } : { k1, b });
            expectTopK(hits, referenceScores(texts, analyzer, query, { k1, b, keep }), k);
            // The best k are exactly the first k of the full ranking, ties included.
            const all = index.search(query, texts.length, useBitsets ? { k1, b, filter, deleted } : { k1, b });
            expect(hits.rows).toEqual(all.rows.subarray(0, hits.rows.length));
            expect(hits.scores).toEqual(all.scores.subarray(0, hits.rows.length));
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  it('uses the dense accumulator and the sparse one alike (common and rare terms on a large segment)', () => {
    const texts = Array.from({ length: 400 }, (_, i) =>
      i % 97 === 0 ? `rare common ${'common '.repeat(i % 5)}` : `common filler${i % 7} ${'filler '.repeat(i % 3)}`,
    );
    const index = BM25Index.build(texts, plain);
    for (const query of [['rare'], ['common'], ['rare', 'common', 'rare'], ['filler3', 'rare']]) {
      expectTopK(index.search(query, 50), referenceScores(texts, plain, query, { k1: 1.2, b: 0.75 }), 50);
    }
  });

  it('orders by descending score and breaks ties by ascending row', () => {
    const index = BM25Index.build(['cat', 'dog', 'cat', 'cat cat', 'cat'], plain);
    const hits = index.search(['cat'], 10);
    expect(Array.from(hits.rows)).toEqual([3, 0, 2, 4]);
    expect(hits.scores[1]).toBe(hits.scores[2]);
    expect(hits.scores[0]).toBeGreaterThan(hits.scores[1]!);
    expect(Array.from(index.search(['cat'], 2).rows)).toEqual([3, 0]);
    // The same on a segment large enough for the sparse (Map) accumulator.
    // Several document lengths, so some float64 scores round up to float32 and some down.
    for (let extra = 0; extra < 6; extra++) {
      const doc = `cat${' dog'.repeat(extra)}`;
      const texts = Array.from({ length: 200 }, (_, i) =>
        i === 0 ? 'cat cat' : i % 10 === 0 && i <= 40 ? doc : 'dog',
      );
      const big = BM25Index.build(texts, plain);
      expect(Array.from(big.search(['cat'], 2).rows)).toEqual([0, 10]);
      expect(Array.from(big.search(['cat'], 3).rows)).toEqual([0, 10, 20]);
    }
  });

  it('counts a repeated query term once per occurrence', () => {
    const index = BM25Index.build(['cat dog', 'dog', 'cat', 'bird'], plain);
    const once = index.search(['cat', 'dog'], 10);
    const twice = index.search(['cat', 'cat', 'dog'], 10);
    const catOnly = index.search(['cat'], 10);
    // Row 2 holds only "cat": doubling the term doubles its score.
    const row2 = (h: typeof once) => h.scores[Array.from(h.rows).indexOf(2)]!;
    expect(row2(twice)).toBeCloseTo(2 * row2(catOnly), 5);
    expect(row2(once)).toBeCloseTo(row2(catOnly), 5);
  });

  it('never returns filtered-out or deleted rows, and returns fewer than k when fewer match', () => {
    const index = BM25Index.build(['a b', 'a', 'a a', 'b', 'a c'], plain);
    expect(Array.from(index.search(['a'], 100).rows).sort()).toEqual([0, 1, 2, 4]);
    const deleted = Bitset.fromIndices(5, [2]);
    const filter = Bitset.fromIndices(5, [0, 2, 3, 4]);
    expect(Array.from(index.search(['a'], 100, { deleted, filter }).rows).sort()).toEqual([0, 4]);
    expect(index.search(['a'], 100, { filter: new Bitset(5) }).rows.length).toBe(0);
    expect(index.search(['a'], 100, { deleted: Bitset.full(5) }).rows.length).toBe(0);
  });

  it('returns nothing for an empty query, unknown terms or k = 0', () => {
    const index = BM25Index.build(['a b', 'c'], plain);
    expect(index.search([], 10).rows.length).toBe(0);
    expect(index.search(['zzz', ''], 10).rows.length).toBe(0);
    expect(index.search(['a'], 0).rows.length).toBe(0);
    expect(Array.from(index.search(['zzz', 'c'], 10).rows)).toEqual([1]);
  });

  it('uses global statistics: two segments with summed stats score exactly like one index', () => {
    const segA = ['apple pie', 'apple apple tart', 'pear', null];
    const segB = ['pear tart', 'apple', 'plum plum plum pie tart', 'kiwi'];
    const whole = BM25Index.build([...segA, ...segB], plain);
    const a = BM25Index.build(segA, plain);
    const b = BM25Index.build(segB, plain);
    const sa = a.stats();
    const sb = b.stats();
    const global = {
      docCount: sa.docCount + sb.docCount,
      avgLength: (sa.totalLength + sb.totalLength) / (sa.docCount + sb.docCount),
      docFreq: (t: string) => a.docFreq(t) + b.docFreq(t),
    };
    for (const query of [['apple'], ['tart', 'pie'], ['plum', 'apple', 'pear']]) {
      const expected = whole.search(query, 10, { k1: 0.9, b: 0.4 });
      const merged = [
        ...Array.from(a.search(query, 10, { k1: 0.9, b: 0.4, global }).rows, (r, i) => [r, i, 'a'] as const),
        ...Array.from(
          b.search(query, 10, { k1: 0.9, b: 0.4, global }).rows,
          (r, i) => [r + segA.length, i, 'b'] as const,
        ),
      ];
      const scoreOf = new Map(Array.from(expected.rows, (r, i) => [r, expected.scores[i]!]));
      expect(merged.length).toBe(expected.rows.length);
      for (const [row, i, seg] of merged) {
        const hits =
          seg === 'a'
            ? a.search(query, 10, { k1: 0.9, b: 0.4, global })
            : b.search(query, 10, { k1: 0.9, b: 0.4, global });
        expect(hits.scores[i]).toBeCloseTo(scoreOf.get(row)!, 5);
      }
    }
  });

  it('global statistics change idf as the formula says', () => {
    const index = BM25Index.build(['cat', 'dog'], plain);
    const local = index.search(['cat'], 1, { k1: 1.2, b: 0 }).scores[0]!;
    // With b = 0 and tf = 1 the score is idf · (k1 + 1) / (1 + k1) = idf.
    expect(local).toBeCloseTo(Math.log(1 + (2 - 1 + 0.5) / (1 + 0.5)), 6);
    const global = { docCount: 1000, avgLength: 1, docFreq: () => 10 };
    const wide = index.search(['cat'], 1, { k1: 1.2, b: 0, global }).scores[0]!;
    expect(wide).toBeCloseTo(Math.log(1 + (1000 - 10 + 0.5) / (10 + 0.5)), 5);
    expect(wide).toBeGreaterThan(local);
    expectTopK(
      index.search(['cat', 'dog'], 5, {
        k1: 0.9,
        b: 0.4,
        global: { docCount: 50, avgLength: 3, docFreq: (t) => (t === 'cat' ? 2 : 40) },
      }),
      referenceScores(['cat', 'dog'], plain, ['cat', 'dog'], {
        k1: 0.9,
        b: 0.4,
        global: { docCount: 50, avgLength: 3, docFreq: (t) => (t === 'cat' ? 2 : 40) },
      }),
      5,
    );
  });

  it('rejects bad arguments with INVALID_ARGUMENT naming the field', () => {
    const index = BM25Index.build(['a', 'b'], plain);
    const field = (f: () => unknown) => {
      const err = quiverErrorOf(f);
      expect(err.code).toBe('INVALID_ARGUMENT');
      return err.details.field;
    };
    expect(field(() => index.search(['a'], -1))).toBe('k');
    expect(field(() => index.search(['a'], 1.5))).toBe('k');
    expect(field(() => index.search(['a'], 1, { k1: -1 }))).toBe('k1');
    expect(field(() => index.search(['a'], 1, { b: 2 }))).toBe('b');
    expect(field(() => index.search(['a'], 1, { b: Number.NaN }))).toBe('b');
    expect(field(() => index.search(['a'], 1, { filter: new Bitset(1) }))).toBe('filter');
    expect(field(() => index.search(['a'], 1, { deleted: [1] as unknown as Bitset }))).toBe('deleted');
    expect(field(() => index.search(['a'], 1, { global: { docCount: 2, avgLength: 0, docFreq: () => 1 } }))).toBe(
      'global.avgLength',
    );
    expect(field(() => index.search(['a'], 1, { global: { docCount: -1, avgLength: 1, docFreq: () => 1 } }))).toBe(
      'global.docCount',
    );
    expect(
      field(() => index.search(['a'], 1, { global: { docCount: 2, avgLength: 1, docFreq: () => Number.NaN } })),
    ).toBe('global.docFreq');
    expect(field(() => index.search('a' as unknown as string[], 1))).toBe('queryTerms');
    expect(field(() => index.matchRows(['a'], 'some' as 'any'))).toBe('mode');
  });
});

describe('BM25Index.matchRows', () => {
  const index = BM25Index.build(['red apple', 'green apple', null, 'red pear', 'red green apple', ''], plain);
  const rows = (terms: string[], mode: 'any' | 'all') => Array.from(index.matchRows(terms, mode).toArray());

  it('any: rows holding at least one of the terms', () => {
    expect(rows(['red'], 'any')).toEqual([0, 3, 4]);
    expect(rows(['pear', 'green', 'zzz'], 'any')).toEqual([1, 3, 4]);
    expect(rows(['zzz'], 'any')).toEqual([]);
  });

  it('all: rows holding every term; an unknown term matches nothing', () => {
    expect(rows(['red', 'apple'], 'all')).toEqual([0, 4]);
    expect(rows(['apple', 'green', 'red', 'apple'], 'all')).toEqual([4]);
    expect(rows(['red', 'zzz'], 'all')).toEqual([]);
    expect(rows(['pear', 'green'], 'all')).toEqual([]);
  });

  it('no terms match no rows, and the bitset spans the segment', () => {
    expect(rows([], 'any')).toEqual([]);
    expect(rows([], 'all')).toEqual([]);
    expect(index.matchRows(['red'], 'any').size).toBe(6);
  });

  it('agrees with a scan on random corpora', () => {
    fc.assert(
      fc.property(corpusArb, queryArb(en), fc.constantFrom('any' as const, 'all' as const), (texts, terms, mode) => {
        const idx = BM25Index.build(texts, en);
        const docs = texts.map((t) => new Set(t === null ? [] : en.analyze(t)));
        const want = docs.flatMap((d, row) =>
          terms.length > 0 && (mode === 'any' ? terms.some((t) => d.has(t)) : terms.every((t) => d.has(t)))
            ? [row]
            : [],
        );
        expect(Array.from(idx.matchRows(terms, mode).toArray())).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
