/**
 * A validated write batch in columnar form: what the WAL records and what segments append. Vectors are
 * packed row-major in one Float32Array per field (already normalized for the cosine metric), scalars are
 * one array per field with null for missing values, and dynamic keys sit in one JSON object per row.
 */

import type { JsonValue } from './types.js';

export type PrimaryKey = string | number;

export interface RowBatch {
  /** The partition every row of the batch goes to. */
  partition: string;
  pks: PrimaryKey[];
  /** Field name to n*dim floats. */
  vectors: Record<string, Float32Array>;
  /** Field name to n values (null where missing). */
  scalars: Record<string, unknown[]>;
  /** Dynamic keys per row, or null where the row has none. Absent when the schema is not dynamic. */
  meta?: (Record<string, JsonValue> | null)[];
}

/** One WAL entry: every change a collection makes to its rows. */
export type WalEntry =
  | { op: 'insert'; batch: RowBatch }
  /** Replaces the rows with these keys, where they exist, and inserts the rest. */
  | { op: 'upsert'; batch: RowBatch }
  | { op: 'delete'; pks: PrimaryKey[] };

export function batchSize(batch: RowBatch): number {
  return batch.pks.length;
}
