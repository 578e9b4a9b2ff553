/**
 * Scalar index types that a sealed segment carries so the planner can resolve filters without touching every
 * row: an inverted index (value to rows) for string, bool and string[] fields, and a sorted index (rows
 * ordered by value) for int and float fields. Growing segments have none and are scanned.
 */

export interface InvertedIndex {
  kind: 'inverted';
  /** Rows whose value equals `value` (for string[] fields: rows whose array contains it), ascending. */
  lookup(value: string | boolean): Uint32Array;
  /** Number of distinct keys. */
  readonly keyCount: number;
}

export interface SortedIndex {
  kind: 'sorted';
  /** Values of the rows that have one, ascending. */
  readonly values: Float64Array;
  /** rows[i] is the row offset whose value is values[i]. */
  readonly rows: Uint32Array;
}

export type ScalarIndex = InvertedIndex | SortedIndex;

export interface ScalarIndexSource {
  /** The index on a field, or undefined when the field has none. */
  scalarIndex(field: string): ScalarIndex | undefined;
}
