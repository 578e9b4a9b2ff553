/**
 * A bounded max-heap that keeps the k smallest distances seen, over typed arrays, so choosing the best k of
 * a million candidates allocates nothing per candidate. Ties break by label, so results are deterministic.
 */

import type { VectorHits } from './vector-index.js';

export class TopK {
  private readonly k: number;
  private readonly dist: Float32Array;
  private readonly label: Uint32Array;
  private n = 0;

  constructor(k: number) {
    this.k = k;
    this.dist = new Float32Array(k);
    this.label = new Uint32Array(k);
  }

  get size(): number {
    return this.n;
  }

  /** The largest distance kept, or Infinity while fewer than k are kept. */
  get worst(): number {
    return this.n < this.k ? Number.POSITIVE_INFINITY : this.dist[0]!;
  }

  private greater(i: number, j: number): boolean {
    const a = this.dist[i]!;
    const b = this.dist[j]!;
    return a > b || (a === b && this.label[i]! > this.label[j]!);
  }

  private swap(i: number, j: number): void {
    const d = this.dist[i]!;
    this.dist[i] = this.dist[j]!;
    this.dist[j] = d;
    const l = this.label[i]!;
    this.label[i] = this.label[j]!;
    this.label[j] = l;
  }

  push(value: number, label: number): void {
    if (this.k === 0) return;
    // Compare in the precision the heap stores, or a tie with a kept float32 could break the wrong way.
    const distance = Math.fround(value);
    if (this.n < this.k) {
      let i = this.n++;
      this.dist[i] = distance;
      this.label[i] = label;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.greater(i, p)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    const top = this.dist[0]!;
    if (distance > top || (distance === top && label >= this.label[0]!)) return;
    this.dist[0] = distance;
    this.label[0] = label;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.n && this.greater(l, m)) m = l;
      if (r < this.n && this.greater(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  /** The kept entries, ascending by distance then label. */
  result(): VectorHits {
    const order = Array.from({ length: this.n }, (_, i) => i).sort(
      (a, b) => this.dist[a]! - this.dist[b]! || this.label[a]! - this.label[b]!,
    );
    const labels = new Uint32Array(this.n);
    const distances = new Float32Array(this.n);
    for (let i = 0; i < this.n; i++) {
      labels[i] = this.label[order[i]!]!;
      distances[i] = this.dist[order[i]!]!;
    }
    return { labels, distances };
  }
}
