/**
 * Tuning options for a collection, with their defaults in one place.
 */

import { type BatchLimits, DEFAULT_BATCH_LIMITS } from '../schema/validate-rows.js';

export interface CollectionOptions {
  /** The growing segment is frozen and sealed (indexed) once it holds this many rows. */
  growingRows: number;
  /** A growing segment no write has touched for this long is sealed, if it holds sealIdleMinRows. 0: never. */
  sealIdleMs: number;
  /** The fewest rows an idle growing segment needs to be sealed (smaller ones are cheap to scan). */
  sealIdleMinRows: number;
  /** Compaction never builds a segment with more live rows than this. */
  maxSegmentRows: number;
  /** A sealed segment whose deleted share reaches this is rewritten by compaction. */
  deletedRatio: number;
  /** Merge this many similar-sized small segments at a time. */
  mergeFactor: number;
  /** Run compaction in the background after seals and deletes. */
  autoCompact: boolean;
  batchLimits: BatchLimits;
  /** Filtered searches whose candidate set is at most this many rows scan it exactly. Default: by dimension. */
  exactScanRows?: number;
  /** Receives problems the store recovered from (a torn WAL tail, a failed background task). */
  onWarning: (message: string, details?: Record<string, unknown>) => void;
}

export const DEFAULT_COLLECTION_OPTIONS: CollectionOptions = {
  growingRows: 10_000,
  sealIdleMs: 10_000,
  sealIdleMinRows: 1_000,
  maxSegmentRows: 250_000,
  deletedRatio: 0.2,
  mergeFactor: 4,
  autoCompact: true,
  batchLimits: DEFAULT_BATCH_LIMITS,
  onWarning: (message) => process.emitWarning(message, 'QuiverWarning'),
};

export function resolveCollectionOptions(options: Partial<CollectionOptions> = {}): CollectionOptions {
  const o = { ...DEFAULT_COLLECTION_OPTIONS, ...options };
  o.batchLimits = { ...DEFAULT_BATCH_LIMITS, ...options.batchLimits };
  return o;
}
