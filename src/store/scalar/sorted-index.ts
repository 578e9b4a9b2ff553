/**
 * Sorted index for numeric fields: the non-null values in ascending order with their rows, so a range or an
 * equality is two binary searches and a slice, O(log n + matches).
 */

import type { NumberColumn } from '../segment/columns.js';
import type { SortedIndex } from './scalar-index.js';

export function buildSortedIndex(column: NumberColumn): SortedIndex {
  const n = column.values.length;
  const rows: number[] = [];
  for (let row = 0; row < n; row++) if (column.valid.has(row)) rows.push(row);
  const v = column.values;
  rows.sort((a, b) => v[a]! - v[b]! || a - b);
  const sortedRows = Uint32Array.from(rows);
  const values = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = v[sortedRows[i]!]!;
  return { kind: 'sorted', values, rows: sortedRows };
}

/** First index whose value is ≥ x (or > x when `strict`). */
export function bound(values: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = values[mid]!;
    if (v < x || (strict && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The [from, to) slice of `index.rows` whose values satisfy `value op x`; `!=` is not a range. */
export function rangeOf(index: SortedIndex, op: '==' | '<' | '<=' | '>' | '>=', x: number): [number, number] {
  const n = index.values.length;
  switch (op) {
    case '==':
      return [bound(index.values, x, false), bound(index.values, x, true)];
    case '<':
      return [0, bound(index.values, x, false)];
    case '<=':
      return [0, bound(index.values, x, true)];
    case '>':
      return [bound(index.values, x, true), n];
    case '>=':
      return [bound(index.values, x, false), n];
  }
}
