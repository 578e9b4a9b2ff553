/**
 * Test helpers for the BM25 suites: a deliberately plain BM25 (Lucene's formula, one loop per document and
 * query term, no postings, no accumulator tricks) to check the index against, a top-k checker that
 * tolerates float32 ties, and fast-check arbitraries for small random corpora and queries.
 */

import fc from 'fast-check';
import { expect } from 'vitest';
import type { Analyzer } from '../../../src/store/text/analyzer.js';
import type { BM25Hits } from '../../../src/store/text/bm25-score.js';

export interface ReferenceOptions {
  k1: number;
  b: number;
  keep?: (row: number) => boolean;
  global?: { docCount: number; avgLength: number; docFreq: (term: string) => number };
}

/** Every row that holds at least one query term and passes `keep`, with its BM25 score. */
export function referenceScores(
  texts: readonly (string | null)[],
  analyzer: Analyzer,
  queryTerms: readonly string[],
  options: ReferenceOptions,
): Map<number, number> {
  const docs = texts.map((t) => (t === null ? [] : analyzer.analyze(t)));
  const withTerms = docs.filter((d) => d.length > 0);
  const n = options.global?.docCount ?? withTerms.length;
  const avg = options.global?.avgLength ?? withTerms.reduce((s, d) => s + d.length, 0) / withTerms.length;
  const df = (term: string) =>
    options.global ? options.global.docFreq(term) : docs.filter((d) => d.includes(term)).length;
  const scores = new Map<number, number>();
  docs.forEach((doc, row) => {
    if (options.keep && !options.keep(row)) return;
    let score = 0;
    let matched = false;
    for (const term of queryTerms) {
      const tf = doc.filter((w) => w === term).length;
      if (tf === 0) continue;
      matched = true;
      const idf = Math.log(1 + (n - df(term) + 0.5) / (df(term) + 0.5));
      score += (idf * tf * (options.k1 + 1)) / (tf + options.k1 * (1 - options.b + (options.b * doc.length) / avg));
    }
    if (matched) scores.set(row, score);
  });
  return scores;
}

/**
 * `hits` is a correct top-k of `expected`: the right count, each score within `tol` of the reference,
 * descending with ties by row, no row twice, and no row left out that beats the last one kept.
 */
export function expectTopK(hits: BM25Hits, expected: Map<number, number>, k: number, tol = 1e-4): void {
  expect(hits.rows.length).toBe(Math.min(k, expected.size));
  expect(hits.scores.length).toBe(hits.rows.length);
  expect(new Set(hits.rows).size).toBe(hits.rows.length);
  for (let i = 0; i < hits.rows.length; i++) {
    const want = expected.get(hits.rows[i]!);
    expect(want, `row ${hits.rows[i]} should not match`).toBeDefined();
    expect(Math.abs(hits.scores[i]! - want!)).toBeLessThan(tol);
    if (i > 0) {
      const prev = hits.scores[i - 1]!;
      expect(prev > hits.scores[i]! || (prev === hits.scores[i] && hits.rows[i - 1]! < hits.rows[i]!)).toBe(true);
    }
  }
  if (hits.rows.length === 0) return;
  const last = hits.scores[hits.rows.length - 1]!;
  const kept = new Set(hits.rows);
  for (const [row, score] of expected) if (!kept.has(row)) expect(score).toBeLessThanOrEqual(last + tol);
}

/** Words of the random corpora: 'the' and 'of' are English stopwords; the rest stem to themselves or not. */
export const VOCAB = ['apple', 'apples', 'pear', 'plum', 'running', 'runs', 'the', 'of', 'kiwi', 'fig', 'x'];

export const textArb: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom('', '  ', '!?') },
  {
    weight: 6,
    arbitrary: fc
      .array(fc.constantFrom(...VOCAB), { maxLength: 12 })
      .chain((words) => fc.constantFrom(' ', ', ', '\n').map((sep) => words.join(sep))),
  },
);

export const corpusArb = fc.array(textArb, { maxLength: 40 });

/** Query terms as the index stores them (analyzed), plus some that no row has, with repeats. */
export function queryArb(analyzer: Analyzer): fc.Arbitrary<string[]> {
  const terms = [...new Set(VOCAB.flatMap((w) => analyzer.analyze(w)))];
  return fc.array(fc.constantFrom(...terms, 'zebra', ''), { maxLength: 5 });
}
