/**
 * The sealed segment: immutable rows with an ANN index per vector field and a scalar index per filterable
 * field. Only tombstones change after sealing; they are mirrored into every vector index so unfiltered
 * HNSW search stays on the native fast path.
 */

import type { ScalarIndex } from '../scalar/scalar-index.js';
import type { PrimaryKey } from '../schema/batch.js';
import type { BM25Index } from '../text/bm25-index.js';
import type { Bitset } from '../util/bitset.js';
import type { VectorColumn } from '../vector/vector-column.js';
import type { VectorIndex } from '../vector/vector-index.js';
import { type Column, columnValue } from './columns.js';
import { PARTITION_COLUMN, type Segment } from './segment.js';

export interface SealedSegmentParts {
  id: number;
  rowCount: number;
  primaryKey: string;
  /** Every scalar column, including the primary key, `$partition` and (when dynamic) `$meta`. */
  columns: Map<string, Column>;
  vectors: Map<string, VectorColumn>;
  indexes: Map<string, VectorIndex>;
  scalarIndexes: Map<string, ScalarIndex>;
  /** BM25 indexes of the full-text fields. */
  textIndexes: Map<string, BM25Index>;
  deleted: Bitset;
}

export class SealedSegment implements Segment {
  readonly state = 'sealed' as const;
  readonly id: number;
  readonly rowCount: number;
  readonly deleted: Bitset;
  private deletes: number;
  private readonly parts: SealedSegmentParts;

  constructor(parts: SealedSegmentParts) {
    this.parts = parts;
    this.id = parts.id;
    this.rowCount = parts.rowCount;
    this.deleted = parts.deleted;
    this.deletes = parts.deleted.count();
    if (this.deletes > 0) {
      for (const row of parts.deleted.toArray()) for (const index of parts.indexes.values()) index.markDeleted(row);
    }
  }

  get deletedCount(): number {
    return this.deletes;
  }

  get primaryKey(): string {
    return this.parts.primaryKey;
  }

  column(name: string): Column | undefined {
    return this.parts.columns.get(name);
  }

  columnNames(): string[] {
    return [...this.parts.columns.keys()];
  }

  scalarIndex(field: string): ScalarIndex | undefined {
    return this.parts.scalarIndexes.get(field);
  }

  scalarIndexNames(): string[] {
    return [...this.parts.scalarIndexes.keys()];
  }

  pk(row: number): PrimaryKey {
    return columnValue(this.parts.columns.get(this.parts.primaryKey)!, row) as PrimaryKey;
  }

  partition(row: number): string {
    return columnValue(this.parts.columns.get(PARTITION_COLUMN)!, row) as string;
  }

  vectors(field: string): VectorColumn {
    return this.parts.vectors.get(field)!;
  }

  vectorFields(): string[] {
    return [...this.parts.vectors.keys()];
  }

  vectorIndex(field: string): VectorIndex {
    return this.parts.indexes.get(field)!;
  }

  textIndex(field: string): BM25Index | undefined {
    return this.parts.textIndexes.get(field);
  }

  textIndexNames(): string[] {
    return [...this.parts.textIndexes.keys()];
  }

  markDeleted(row: number): void {
    if (this.deleted.has(row)) return;
    this.deleted.add(row);
    this.deletes++;
    for (const index of this.parts.indexes.values()) index.markDeleted(row);
  }

  /** Releases native index memory and vector file handles. */
  dispose(): void {
    for (const index of this.parts.indexes.values()) index.dispose();
    for (const column of this.parts.vectors.values()) column.close();
  }
}
