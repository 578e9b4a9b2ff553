/**
 * Sorted index for numeric fields (int, float, int primary keys): the non-null values in ascending order with
 * their rows, so a range or an equality is two binary searches and a slice, O(log n + matches).
 */

import type { NumberColumn } from '../segment/columns.js';
import type { SortedIndex } from './scalar-index.js';

export type RangeOp = '==' | '<' | '<=' | '>' | '>=';

export function buildSortedIndex(column: NumberColumn): SortedIndex {
  const v = column.values;
  const n = Math.min(v.length, column.valid.size);
  let count = 0;
  for (let row = 0; row < n; row++) if (column.valid.has(row) && !Number.isNaN(v[row])) count++;
  const rows = new Uint32Array(count);
  let j = 0;
  for (let row = 0; row < n; row++) if (column.valid.has(row) && !Number.isNaN(v[row])) rows[j++] = row;
  // Ties keep row order, so equal values list their rows ascending.
  rows.sort((a, b) => v[a]! - v[b]! || a - b);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = v[rows[i]!]!;
  return { kind: 'sorted', values, rows };
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
export function rangeOf(index: SortedIndex, op: RangeOp, x: number): [number, number] {
  const n = index.values.length;
  if (Number.isNaN(x)) return [0, 0];
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
