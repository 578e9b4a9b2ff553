/**
 * The Segment interface: a slice of a collection's rows that growing (in memory, appendable, scanned) and
 * sealed (immutable, indexed, persisted) segments both implement, so the planner and the collection treat
 * them alike. Rows are addressed by offset; deletes are tombstones in `deleted`.
 */

import type { ScalarIndexSource } from '../scalar/scalar-index.js';
import type { PrimaryKey } from '../schema/batch.js';
import type { BM25Index } from '../text/bm25-index.js';
import type { Bitset } from '../util/bitset.js';
import type { VectorColumn } from '../vector/vector-column.js';
import type { VectorIndex } from '../vector/vector-index.js';
import type { ColumnSource } from './columns.js';

/** The hidden column holding each row's partition name. */
export const PARTITION_COLUMN = '$partition';

export interface Segment extends ColumnSource, ScalarIndexSource {
  readonly id: number;
  readonly state: 'growing' | 'sealed';
  /** Tombstones, exactly rowCount bits. */
  readonly deleted: Bitset;
  readonly deletedCount: number;
  pk(row: number): PrimaryKey;
  partition(row: number): string;
  /** A field's full-precision vectors, in memory or (quantized sealed segments) read from the segment file. */
  vectors(field: string): VectorColumn;
  /** The field's ANN index: HNSW (or FLAT) for sealed segments, an exact scan for growing ones. */
  vectorIndex(field: string): VectorIndex;
  /** The BM25 index of a full-text field (undefined for other fields). Tombstoned rows are still in it. */
  textIndex(field: string): BM25Index | undefined;
  markDeleted(row: number): void;
}

/** Rows not tombstoned. */
export function liveCount(segment: Segment): number {
  return segment.rowCount - segment.deletedCount;
}
