/**
 * The growing segment's BM25 index: it analyzes each row as it is appended (so queries never re-analyze
 * stored text) and keeps per-term posting lists that only ever grow at the end, in row order. A query asks
 * for a snapshot: an immutable BM25Index over the rows so far, built from the postings in one linear pass
 * and cached until the next append. Terms keep their first-seen order here; only sealed segments' indexes
 * are canonical (sorted), because only they are persisted.
 */

import type { Analyzer } from './analyzer.js';
import { BM25Index } from './bm25-index.js';

interface Postings {
  rows: number[];
  freqs: number[];
}

export class GrowingBM25 {
  private readonly postings: Postings[] = [];
  private readonly ids = new Map<string, number>();
  private readonly terms: string[] = [];
  private lengths = new Uint32Array(1024);
  private rows = 0;
  private postingCount = 0;
  private maxFreq = 0;
  private cached: BM25Index | undefined;

  constructor(readonly analyzer: Analyzer) {}

  get rowCount(): number {
    return this.rows;
  }

  /** Appends one row's text (null: a row without text). Rows must arrive in order, one call per row. */
  append(text: string | null): void {
    const row = this.rows++;
    if (row >= this.lengths.length) {
      const grown = new Uint32Array(this.lengths.length * 2);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.cached = undefined;
    if (text === null) return;
    const words = this.analyzer.analyze(text);
    this.lengths[row] = words.length;
    const counts = new Map<number, number>();
    for (const word of words) {
      let id = this.ids.get(word);
      if (id === undefined) {
        id = this.terms.length;
        this.ids.set(word, id);
        this.terms.push(word);
        this.postings.push({ rows: [], freqs: [] });
      }
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const [id, freq] of counts) {
      const p = this.postings[id]!;
      p.rows.push(row);
      p.freqs.push(freq);
      if (freq > this.maxFreq) this.maxFreq = freq;
    }
    this.postingCount += counts.size;
  }

  /** An immutable index over every row appended so far. */
  snapshot(): BM25Index {
    if (this.cached && this.cached.rowCount === this.rows) return this.cached;
    const k = this.terms.length;
    const offsets = new Uint32Array(k + 1);
    const rows = new Uint32Array(this.postingCount);
    const freqs = this.maxFreq > 0xffff ? new Uint32Array(this.postingCount) : new Uint16Array(this.postingCount);
    let at = 0;
    for (let id = 0; id < k; id++) {
      const p = this.postings[id]!;
      for (let i = 0; i < p.rows.length; i++, at++) {
        rows[at] = p.rows[i]!;
        freqs[at] = p.freqs[i]!;
      }
      offsets[id + 1] = at;
    }
    this.cached = new BM25Index(this.analyzer, {
      rowCount: this.rows,
      terms: this.terms.slice(),
      offsets,
      rows,
      freqs,
      lengths: this.lengths.slice(0, this.rows),
      ids: new Map(this.ids),
    });
    return this.cached;
  }
}
