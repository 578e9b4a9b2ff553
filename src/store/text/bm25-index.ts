/**
 * An immutable, segment-local BM25 inverted index over one text field: per term a posting list of rows
 * (ascending) with term frequencies, per row its length in terms. It answers top-k BM25 search and
 * "rows containing any/all of these terms" (for a `text_match` filter), and exposes the statistics a
 * collection sums across segments for global IDF. Rows are segment row offsets, so filter and tombstone
 * bitsets apply directly.
 *
 * Terms given to `search` and `matchRows` must already be analyzed with `index.analyzer`.
 */

import { QuiverError } from '../../errors.js';
import { Bitset } from '../util/bitset.js';
import type { Analyzer } from './analyzer.js';
import { type BM25Parts, buildBM25Parts } from './bm25-build.js';
import { type BM25Hits, type BM25SearchOptions, scoreBM25 } from './bm25-score.js';

export interface BM25Stats {
  /** Rows with at least one term. */
  docCount: number;
  /** Sum of the row lengths, in terms. */
  totalLength: number;
}

const EMPTY = new Uint32Array(0);

function checkTerms(terms: unknown, what: string): asserts terms is string[] {
  if (!Array.isArray(terms) || !terms.every((t) => typeof t === 'string')) {
    throw new QuiverError('INVALID_ARGUMENT', `${what} must be an array of strings`, { field: what });
  }
}

/** Intersection of two ascending row lists. */
function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, n);
}

export class BM25Index {
  readonly rowCount: number;
  /** Term id → term. */
  readonly terms: readonly string[];
  readonly offsets: Uint32Array;
  readonly rows: Uint32Array;
  readonly freqs: Uint16Array | Uint32Array;
  readonly lengths: Uint32Array;
  readonly docCount: number;
  readonly totalLength: number;
  private readonly ids: Map<string, number>;

  /**
   * Trusts `parts` (the builder and the decoder guarantee distinct terms, monotonic offsets, ascending rows
   * below rowCount, and lengths equal to the sums of frequencies). Use `BM25Index.build` or `decodeBM25`.
   */
  constructor(
    readonly analyzer: Analyzer,
    parts: BM25Parts,
  ) {
    this.rowCount = parts.rowCount;
    this.terms = parts.terms;
    this.offsets = parts.offsets;
    this.rows = parts.rows;
    this.freqs = parts.freqs;
    this.lengths = parts.lengths;
    if (parts.ids) this.ids = parts.ids;
    else {
      this.ids = new Map();
      for (let i = 0; i < parts.terms.length; i++) this.ids.set(parts.terms[i]!, i);
    }
    let docCount = 0;
    let totalLength = 0;
    for (const len of parts.lengths) {
      if (len > 0) docCount++;
      totalLength += len;
    }
    this.docCount = docCount;
    this.totalLength = totalLength;
  }

  /**
   * Indexes `texts[i]` as row i; null is a row with no text.
   *
   * @example
   * const index = BM25Index.build(['red apples', null, 'green apples'], createAnalyzer());
   * index.search(index.analyzer.analyze('apple'), 10, {}); // rows [0, 2], equal scores
   */
  static build(texts: readonly (string | null)[], analyzer: Analyzer): BM25Index {
    return new BM25Index(analyzer, buildBM25Parts(texts, analyzer));
  }

  stats(): BM25Stats {
    return { docCount: this.docCount, totalLength: this.totalLength };
  }

  /** Term id of an analyzed term, or undefined when no row has it. */
  termId(term: string): number | undefined {
    return this.ids.get(term);
  }

  /** Number of rows holding the (analyzed) term. */
  docFreq(term: string): number {
    const id = this.ids.get(term);
    return id === undefined ? 0 : this.offsets[id + 1]! - this.offsets[id]!;
  }

  /** The rows holding term id `id`, ascending, and the term's frequency in each. */
  postings(id: number): { rows: Uint32Array; freqs: Uint16Array | Uint32Array } {
    const from = this.offsets[id]!;
    const to = this.offsets[id + 1]!;
    return { rows: this.rows.subarray(from, to), freqs: this.freqs.subarray(from, to) };
  }

  /**
   * The best `k` rows by BM25 (Lucene's formula), by descending score, ties by ascending row. A term that
   * occurs twice in the query counts twice, as in a Lucene BooleanQuery of term queries. See bm25-score.ts.
   */
  search(queryTerms: string[], k: number, options: BM25SearchOptions = {}): BM25Hits {
    checkTerms(queryTerms, 'queryTerms');
    return scoreBM25(this, queryTerms, k, options);
  }

  /**
   * Rows holding any (or all) of the analyzed `terms`, as a bitset of size `rowCount`. No terms match no
   * rows, in either mode, since an empty text query asks for nothing.
   */
  matchRows(terms: string[], mode: 'any' | 'all'): Bitset {
    checkTerms(terms, 'terms');
    if (mode !== 'any' && mode !== 'all') {
      throw new QuiverError('INVALID_ARGUMENT', `mode must be 'any' or 'all'`, { field: 'mode', received: mode });
    }
    const out = new Bitset(this.rowCount);
    if (terms.length === 0) return out;
    const lists: Uint32Array[] = [];
    for (const term of new Set(terms)) {
      const id = this.ids.get(term);
      if (id !== undefined) lists.push(this.postings(id).rows);
      else if (mode === 'all') return out;
    }
    if (mode === 'any') {
      for (const list of lists) for (let i = 0; i < list.length; i++) out.add(list[i]!);
      return out;
    }
    // Shortest list first, so each intersection is bounded by the smallest result so far.
    lists.sort((a, b) => a.length - b.length);
    let acc = lists[0] ?? EMPTY;
    for (let i = 1; i < lists.length && acc.length > 0; i++) acc = intersect(acc, lists[i]!);
    for (let i = 0; i < acc.length; i++) out.add(acc[i]!);
    return out;
  }
}
