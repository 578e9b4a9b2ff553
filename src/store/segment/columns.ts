/**
 * Columnar scalar storage for a segment. Numbers (int and float fields, int primary keys) live in a
 * Float64Array with a validity bitset; every other type (bool, string, string[], json, string keys and the
 * dynamic `$meta` column) lives in a plain array where null marks a missing value. Filters evaluate against
 * a ColumnSource, so the same compiled filter runs on growing and sealed segments.
 */

import { Bitset } from '../util/bitset.js';

export interface NumberColumn {
  kind: 'number';
  values: Float64Array;
  /** Bit set where the row has a (non-null) value. */
  valid: Bitset;
}

export interface ValueColumn {
  kind: 'value';
  /** One entry per row; null where the row has no value. */
  values: unknown[];
}

export type Column = NumberColumn | ValueColumn;

/** Read access to one segment's scalar data. */
export interface ColumnSource {
  readonly rowCount: number;
  /** The column of a schema field, the primary key, or `$meta`; undefined for an unknown name. */
  column(name: string): Column | undefined;
}

/** The value of `row` in `column`, or null. */
export function columnValue(column: Column, row: number): unknown {
  if (column.kind === 'number') return column.valid.has(row) ? column.values[row]! : null;
  return column.values[row] ?? null;
}

/** Builds a number column from values where null or undefined means missing. */
export function numberColumn(values: ArrayLike<number | null | undefined>): NumberColumn {
  const out = new Float64Array(values.length);
  const valid = new Bitset(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) {
      out[i] = v;
      valid.add(i);
    }
  }
  return { kind: 'number', values: out, valid };
}
