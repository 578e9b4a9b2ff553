/**
 * The VectorIndex interface: nearest-neighbour search over one segment's vectors, addressed by row offset
 * (the "label"). Implementations: FLAT (exact scan over a Float32Array), HNSW (hnswlib-node), and IVF_FLAT,
 * IVF_SQ8 and IVF_PQ (ivf-index.ts). All run the same contract suite and take the same bitset filter, so exact
 * search is a drop-in for any of them.
 *
 * Distances follow hnswlib's convention, lower is better: for `ip` and `cosine` it is 1 - dot(a, b) (cosine
 * vectors are normalized before they reach an index), for `l2` it is the squared euclidean distance.
 */

import type { Metric } from '../schema/types.js';
import type { Bitset } from '../util/bitset.js';

/** FLAT and HNSW, and the IVF family (ivf-index.ts). */
export type VectorIndexKind = 'FLAT' | 'HNSW' | 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ';

export interface VectorSearchOptions {
  /** HNSW beam width; ignored by the others. Raised to k when smaller. */
  ef?: number;
  /** IVF lists to probe (more when a filter leaves fewer than k rows in them); ignored by the others. */
  nprobe?: number;
  /** IVF_SQ8 and IVF_PQ: candidates re-ranked on full vectors per hit wanted; ignored by the others. */
  rerank?: number;
  /** Only rows whose bit is set may be returned. Tombstoned rows are never returned either way. */
  filter?: Bitset;
}

export interface VectorHits {
  /** Row offsets, best first. */
  labels: Uint32Array;
  /** Distances in the convention above, ascending. */
  distances: Float32Array;
}

export interface VectorIndex {
  readonly kind: VectorIndexKind;
  readonly dim: number;
  readonly metric: Metric;
  /** Number of rows the index holds. */
  readonly size: number;
  /**
   * Memory the index holds per row beyond the segment's vector column: 0 for FLAT; for HNSW its graph, which
   * keeps its own copy of the vectors; for IVF the codes, list entries, centroids and codebooks.
   */
  readonly bytesPerVector: number;
  /** The k nearest rows to `query` that pass the filters, fewer only when fewer pass. */
  search(query: Float32Array, k: number, options?: VectorSearchOptions): VectorHits;
  /** Tombstones a row: it is never returned again. Idempotent. */
  markDeleted(label: number): void;
  /** Bytes that `loadVectorIndex` turns back into an equal index. */
  serialize(): Promise<Uint8Array>;
  /** Releases native memory. The index must not be used afterwards. */
  dispose(): void;
}
