/**
 * IVF indexes (Milvus's IVF_FLAT, IVF_SQ8 and IVF_PQ): a coarse quantizer of `nlist` centroids splits the
 * segment's rows into inverted lists, and a search scans only the lists whose centroids are nearest the query.
 *
 * - IVF_FLAT scans the rows' full vectors (the segment's own column): exact distances inside the lists.
 * - IVF_SQ8 scans one byte per dimension; IVF_PQ scans `m` bytes per row (the residual from the list's
 *   centroid, product-quantized). Both keep the best `k × rerank` rows by their approximate distance.
 *
 * Every hit's reported distance is computed on the full vector, and hits are ordered by it, so the quantized
 * indexes re-rank their candidates on the full vectors before answering. They read those rows one by one, so
 * their column may stay on disk (vector-column.ts); IVF_FLAT needs its column in memory.
 *
 * With a filter, `nprobe` grows as selectivity falls (as HNSW's filtered beam width does), and probing goes on
 * past it until `k` rows that pass the filter and are not deleted were seen (or every list was scanned), so a
 * search returns k hits whenever k rows pass: a selective filter costs more lists, never missing hits.
 */

import { QuiverError } from '../../errors.js';
import type { Metric } from '../schema/types.js';
import { Bitset } from '../util/bitset.js';
import { distanceFor } from './distance.js';
import { type Pq, pqTable, type Sq8, sq8Scorer } from './quantizers.js';
import { TopK } from './top-k.js';
import type { VectorColumn } from './vector-column.js';
import type { VectorHits, VectorIndex, VectorSearchOptions } from './vector-index.js';

export type IvfKind = 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ';

export interface IvfParts {
  kind: IvfKind;
  dim: number;
  metric: Metric;
  size: number;
  nlist: number;
  /** Default lists probed per search. */
  nprobe: number;
  /** Candidates re-ranked on full vectors per hit wanted (quantized kinds; 1 for IVF_FLAT). */
  rerank: number;
  /** nlist × dim floats. */
  centroids: Float32Array;
  /** List i holds `rows[offsets[i] .. offsets[i+1])`. */
  offsets: Uint32Array;
  rows: Uint32Array;
  /** Codes in list order: dim bytes per row (SQ8) or m bytes per row (PQ). Empty for IVF_FLAT. */
  codes: Uint8Array;
  sq8?: Sq8;
  pq?: Pq;
}

const empty = (): VectorHits => ({ labels: new Uint32Array(0), distances: new Float32Array(0) });

export class IvfIndex implements VectorIndex {
  readonly kind: IvfKind;
  readonly dim: number;
  readonly metric: Metric;
  readonly size: number;
  readonly parts: IvfParts;
  private readonly vectors: VectorColumn;
  private readonly deleted: Bitset;
  /** One row read for re-ranking. */
  private readonly scratch: Float32Array;

  /** `vectors` is the segment's column: IVF_FLAT scans it (in memory), every kind re-ranks on it. */
  constructor(parts: IvfParts, vectors: VectorColumn) {
    if (parts.kind === 'IVF_FLAT' && !vectors.resident) {
      throw new QuiverError('INTERNAL', 'IVF_FLAT scans its vector column, which must be in memory');
    }
    this.parts = parts;
    this.kind = parts.kind;
    this.dim = parts.dim;
    this.metric = parts.metric;
    this.size = parts.size;
    this.vectors = vectors;
    this.scratch = new Float32Array(parts.dim);
    this.deleted = new Bitset(parts.size);
  }

  /** Bytes this index holds per row beyond the segment's vectors: codes, list entries, centroids and tables. */
  get bytesPerVector(): number {
    const p = this.parts;
    const tables = (p.sq8 ? 8 * p.dim : 0) + (p.pq ? p.pq.codebooks.byteLength : 0);
    const fixed = p.centroids.byteLength + p.offsets.byteLength + tables;
    return this.size === 0 ? 0 : (p.codes.byteLength + p.rows.byteLength + fixed) / this.size;
  }

  search(query: Float32Array, k: number, options: VectorSearchOptions = {}): VectorHits {
    const p = this.parts;
    if (this.size === 0 || k <= 0) return empty();
    const want = Math.min(k, this.size);
    const rerank = Math.max(1, options.rerank ?? p.rerank);
    const keep = p.kind === 'IVF_FLAT' ? want : Math.min(this.size, want * rerank);
    const filter = options.filter;
    // A filter thins every list, so the nearest passing rows spread over more of them: probe more, by the same
    // rule as HNSW's filtered beam width (1 + log10(1/selectivity)/2 times as many).
    const selectivity = filter ? Math.max(filter.count(), 1) / this.size : 1;
    const widen = 1 + Math.log10(1 / Math.min(1, selectivity)) / 2;
    const nprobe = Math.max(1, Math.min(p.nlist, Math.ceil((options.nprobe ?? p.nprobe) * widen)));
    const order = this.listOrder(query);
    const top = new TopK(keep);
    const score = this.scorer(query);
    let seen = 0;
    for (let i = 0; i < order.length; i++) {
      if (i >= nprobe && seen >= want) break;
      const list = order[i]!;
      seen += score(list, top, filter);
    }
    const candidates = top.result();
    if (p.kind === 'IVF_FLAT') return candidates;
    // Re-rank on the full vectors: exact distances, best `want`.
    const exact = new TopK(want);
    const distance = distanceFor(this.metric);
    const vector = this.scratch;
    for (let i = 0; i < candidates.labels.length; i++) {
      const row = candidates.labels[i]!;
      this.vectors.read(row, vector);
      exact.push(distance(query, 0, vector, 0, this.dim), row);
    }
    return exact.result();
  }

  /** Lists by their centroid's distance to the query, nearest first. */
  private listOrder(query: Float32Array): Uint32Array {
    const { nlist, centroids, dim } = this.parts;
    const distance = distanceFor(this.metric);
    const d = new Float32Array(nlist);
    for (let c = 0; c < nlist; c++) d[c] = distance(query, 0, centroids, c * dim, dim);
    const order = Uint32Array.from({ length: nlist }, (_, i) => i);
    return order.sort((a, b) => d[a]! - d[b]! || a - b);
  }

  /**
   * A function that scans one list into `top` and returns how many of its rows passed the filter and were not
   * deleted. The quantized kinds prepare their distance tables once per query here.
   */
  private scorer(query: Float32Array): (list: number, top: TopK, filter?: Bitset) => number {
    const p = this.parts;
    const { offsets, rows, codes, dim } = p;
    const deleted = this.deleted;
    const l2 = this.metric === 'l2';
    const pass = (row: number, filter?: Bitset) => !deleted.has(row) && (!filter || filter.has(row));
    if (p.kind === 'IVF_FLAT') {
      const distance = distanceFor(this.metric);
      const vectors = this.vectors.resident!;
      return (list, top, filter) => {
        let n = 0;
        for (let i = offsets[list]!; i < offsets[list + 1]!; i++) {
          const row = rows[i]!;
          if (!pass(row, filter)) continue;
          n++;
          const d = distance(query, 0, vectors, row * dim, dim);
          if (d <= top.worst) top.push(d, row);
        }
        return n;
      };
    }
    if (p.kind === 'IVF_SQ8') {
      const score = sq8Scorer(p.sq8!, l2, query);
      return (list, top, filter) => {
        let n = 0;
        for (let i = offsets[list]!; i < offsets[list + 1]!; i++) {
          const row = rows[i]!;
          if (!pass(row, filter)) continue;
          n++;
          const d = score(codes, i * dim);
          if (d <= top.worst) top.push(d, row);
        }
        return n;
      };
    }
    // IVF_PQ: residual codes. For l2 the table depends on the list (query minus its centroid); for ip and cosine
    // dot(q, c + r) = dot(q, c) + dot(q, r), so one table serves every list.
    const pq = p.pq!;
    const { m, ksub } = pq;
    const table = new Float32Array(m * ksub);
    const residual = new Float32Array(dim);
    if (!l2) pqTable(pq, query, false, table);
    return (list, top, filter) => {
      let base = 0;
      if (l2) {
        for (let d = 0; d < dim; d++) residual[d] = query[d]! - p.centroids[list * dim + d]!;
        pqTable(pq, residual, true, table);
      } else {
        for (let d = 0; d < dim; d++) base += query[d]! * p.centroids[list * dim + d]!;
      }
      let n = 0;
      for (let i = offsets[list]!; i < offsets[list + 1]!; i++) {
        const row = rows[i]!;
        if (!pass(row, filter)) continue;
        n++;
        let s = l2 ? 0 : base;
        for (let j = 0, at = i * m; j < m; j++) s += table[j * ksub + codes[at + j]!]!;
        const d = l2 ? s : 1 - s;
        if (d <= top.worst) top.push(d, row);
      }
      return n;
    };
  }

  markDeleted(label: number): void {
    if (label < this.size) this.deleted.add(label);
  }

  async serialize(): Promise<Uint8Array> {
    const { encodeIvf } = await import('./ivf-codec.js');
    return encodeIvf(this.parts);
  }

  dispose(): void {}
}
