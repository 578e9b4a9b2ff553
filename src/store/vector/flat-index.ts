/**
 * FLAT: exact nearest-neighbour search by scanning a caller-owned, row-major Float32Array. It is the ground
 * truth the HNSW index is measured against, the index of growing segments, and the planner's exact path for
 * selective filters (`searchRows` scans only an explicit candidate list).
 */

import type { Metric } from '../schema/types.js';
import { Bitset } from '../util/bitset.js';
import { distanceFor } from './distance.js';
import { TopK } from './top-k.js';
import type { VectorHits, VectorIndex, VectorSearchOptions } from './vector-index.js';

export class FlatIndex implements VectorIndex {
  readonly kind = 'FLAT' as const;
  readonly dim: number;
  readonly metric: Metric;
  readonly size: number;
  readonly bytesPerVector = 0;
  private readonly data: Float32Array;
  private readonly deleted: Bitset;
  private deletes = 0;

  constructor(data: Float32Array, dim: number, metric: Metric, size: number) {
    this.data = data;
    this.dim = dim;
    this.metric = metric;
    this.size = size;
    this.deleted = new Bitset(size);
  }

  search(query: Float32Array, k: number, options: VectorSearchOptions = {}): VectorHits {
    const top = new TopK(Math.min(k, this.size));
    const distance = distanceFor(this.metric);
    const { data, dim, deleted } = this;
    const filter = options.filter;
    if (!filter && this.deletes === 0) {
      // Fast path: no filter and no tombstones.
      for (let row = 0, off = 0; row < this.size; row++, off += dim) {
        const d = distance(query, 0, data, off, dim);
        if (d < top.worst) top.push(d, row);
      }
      return top.result();
    }
    for (let row = 0, off = 0; row < this.size; row++, off += dim) {
      if ((filter && !filter.has(row)) || deleted.has(row)) continue;
      const d = distance(query, 0, data, off, dim);
      if (d <= top.worst) top.push(d, row);
    }
    return top.result();
  }

  /** Exact search over an explicit list of candidate rows (tombstoned rows are skipped). */
  searchRows(query: Float32Array, k: number, rows: ArrayLike<number>): VectorHits {
    const top = new TopK(Math.min(k, rows.length));
    const distance = distanceFor(this.metric);
    const { data, dim, deleted } = this;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (this.deletes > 0 && deleted.has(row)) continue;
      const d = distance(query, 0, data, row * dim, dim);
      if (d <= top.worst) top.push(d, row);
    }
    return top.result();
  }

  markDeleted(label: number): void {
    if (label >= this.size || this.deleted.has(label)) return;
    this.deleted.add(label);
    this.deletes++;
  }

  /**
   * FLAT has no structure beyond the vectors, which the segment file stores itself, so it writes only a
   * header (magic, dim, size) that lets a load check the vectors it is handed against what was indexed.
   */
  async serialize(): Promise<Uint8Array> {
    return encodeFlatHeader(this.dim, this.size);
  }

  dispose(): void {}
}

const FLAT_MAGIC = 0x54_4c_46_51; // "QFLT" little-endian

export function encodeFlatHeader(dim: number, size: number): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, FLAT_MAGIC, true);
  view.setUint32(4, dim, true);
  view.setUint32(8, size, true);
  return bytes;
}

/** The dim and size a FLAT header records, or undefined when the bytes are not one. */
export function decodeFlatHeader(bytes: Uint8Array): { dim: number; size: number } | undefined {
  if (bytes.length !== 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== FLAT_MAGIC) return undefined;
  return { dim: view.getUint32(4, true), size: view.getUint32(8, true) };
}
