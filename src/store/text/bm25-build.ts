/**
 * Builds the arrays of a BM25 index from a segment's texts in one pass: each row is analyzed, its term
 * frequencies are counted with a per-term "last row seen" scratch (no Map per document), and the
 * (term, row, tf) triples, which arrive in row order, are counting-sorted into CSR posting lists, so every
 * list comes out ascending by row. Term ids follow the terms' sorted (UTF-16 code unit) order.
 */

import { QuiverError } from '../../errors.js';
import type { Analyzer } from './analyzer.js';

/** The arrays a BM25 index is made of; `BM25Index` and the codec both take and give this shape. */
export interface BM25Parts {
  /** Number of rows, including rows with no text or no terms. */
  rowCount: number;
  /** Term id → term; strictly ascending (UTF-16 code unit order). */
  terms: string[];
  /** Term id i's postings are `rows[offsets[i]] .. rows[offsets[i + 1] - 1]`, ascending, with `freqs` beside. */
  offsets: Uint32Array;
  rows: Uint32Array;
  /** Uint16Array unless some term occurs more than 65,535 times in one row. */
  freqs: Uint16Array | Uint32Array;
  /** Terms per row (the sum of its term frequencies). */
  lengths: Uint32Array;
  /** Term → id, when the producer already has it (saves rebuilding it). */
  ids?: Map<string, number>;
}

function grow<T extends Uint32Array | Int32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export function buildBM25Parts(texts: readonly (string | null)[], analyzer: Analyzer): BM25Parts {
  if (!Array.isArray(texts)) throw new QuiverError('INVALID_ARGUMENT', 'texts must be an array of strings or nulls');
  const rowCount = texts.length;
  const ids = new Map<string, number>();
  const terms: string[] = [];
  const lengths = new Uint32Array(rowCount);
  let counts = new Uint32Array(256);
  let lastRow = new Int32Array(256).fill(-1);
  let tf = new Uint32Array(256);
  let pairTerm = new Uint32Array(1024);
  let pairRow = new Uint32Array(1024);
  let pairTf = new Uint32Array(1024);
  let pairs = 0;
  let maxTf = 0;
  const docTerms: number[] = [];

  for (let row = 0; row < rowCount; row++) {
    const text = texts[row];
    if (text === null || text === undefined) continue;
    if (typeof text !== 'string') {
      throw new QuiverError('INVALID_ARGUMENT', `row ${row}: text must be a string or null`, { row });
    }
    const words = analyzer.analyze(text);
    lengths[row] = words.length;
    docTerms.length = 0;
    for (const word of words) {
      let id = ids.get(word);
      if (id === undefined) {
        id = terms.length;
        ids.set(word, id);
        terms.push(word);
        if (id >= lastRow.length) {
          const old = lastRow.length;
          counts = grow(counts, id + 1);
          tf = grow(tf, id + 1);
          lastRow = grow(lastRow, id + 1);
          lastRow.fill(-1, old);
        }
      }
      if (lastRow[id] !== row) {
        lastRow[id] = row;
        tf[id] = 1;
        docTerms.push(id);
      } else tf[id]!++;
    }
    if (pairs + docTerms.length > pairRow.length) {
      pairTerm = grow(pairTerm, pairs + docTerms.length);
      pairRow = grow(pairRow, pairs + docTerms.length);
      pairTf = grow(pairTf, pairs + docTerms.length);
    }
    for (const id of docTerms) {
      const f = tf[id]!;
      if (f > maxTf) maxTf = f;
      counts[id]!++;
      pairTerm[pairs] = id;
      pairRow[pairs] = row;
      pairTf[pairs++] = f;
    }
  }

  // Renumber terms in sorted order: the dictionary becomes canonical, ready for prefix and range lookups,
  // and a decoder can check that it is strictly ascending.
  const k = terms.length;
  const byTerm = Array.from({ length: k }, (_, i) => i).sort((a, b) => (terms[a]! < terms[b]! ? -1 : 1));
  const rank = new Uint32Array(k);
  const sorted: string[] = new Array(k);
  for (let r = 0; r < k; r++) {
    rank[byTerm[r]!] = r;
    sorted[r] = terms[byTerm[r]!]!;
    ids.set(sorted[r]!, r);
  }
  const offsets = new Uint32Array(k + 1);
  for (let r = 0; r < k; r++) offsets[r + 1] = offsets[r]! + counts[byTerm[r]!]!;
  const cursor = offsets.slice(0, k);
  const rows = new Uint32Array(pairs);
  const freqs = maxTf > 0xffff ? new Uint32Array(pairs) : new Uint16Array(pairs);
  for (let j = 0; j < pairs; j++) {
    const at = cursor[rank[pairTerm[j]!]!]!++;
    rows[at] = pairRow[j]!;
    freqs[at] = pairTf[j]!;
  }
  return { rowCount, terms: sorted, offsets, rows, freqs, lengths, ids };
}
