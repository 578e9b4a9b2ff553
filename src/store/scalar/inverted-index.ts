/**
 * Inverted index: each distinct value (a string or bool; for string[] fields, each element) maps to the
 * ascending list of rows that hold it. Answers ==, in and array_contains* with a lookup instead of a scan.
 * The posting lists live end to end in one Uint32Array (CSR layout), so building or decoding an index over
 * 100k distinct keys allocates a handful of arrays, not 100k of them.
 */

import type { Column } from '../segment/columns.js';
import type { InvertedIndex } from './scalar-index.js';

export type InvertedKey = string | boolean;

const EMPTY = new Uint32Array(0);

export class CsrInvertedIndex implements InvertedIndex {
  readonly kind = 'inverted' as const;
  private readonly ids: Map<InvertedKey, number>;

  /**
   * `keys[i]`'s rows are `rows[offsets[i]] .. rows[offsets[i + 1] - 1]`, ascending. Callers (the builder and
   * the decoder) guarantee distinct keys, monotonic offsets and ascending postings; `ids`, when given, maps
   * each key to its position.
   */
  constructor(
    readonly keys: readonly InvertedKey[],
    readonly offsets: Uint32Array,
    readonly rows: Uint32Array,
    ids?: Map<InvertedKey, number>,
  ) {
    if (ids) this.ids = ids;
    else {
      this.ids = new Map();
      for (let i = 0; i < keys.length; i++) this.ids.set(keys[i]!, i);
    }
  }

  lookup(value: InvertedKey): Uint32Array {
    const i = this.ids.get(value);
    return i === undefined ? EMPTY : this.rows.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }

  get keyCount(): number {
    return this.keys.length;
  }
}

/** Key ids in first-seen order, with a posting count per id. */
class KeyTable {
  readonly ids = new Map<InvertedKey, number>();
  readonly keys: InvertedKey[] = [];
  counts = new Uint32Array(16);

  id(key: InvertedKey): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(key, id);
      this.keys.push(key);
      if (id === this.counts.length) {
        const grown = new Uint32Array(id * 2);
        grown.set(this.counts);
        this.counts = grown;
      }
    }
    this.counts[id]!++;
    return id;
  }
}

/** Counting sort of (key id, row) pairs, which arrive in row order, into CSR posting lists. */
function toCsr(table: KeyTable, pairKey: Int32Array, pairRow: Uint32Array | undefined, pairs: number) {
  const k = table.keys.length;
  const offsets = new Uint32Array(k + 1);
  for (let i = 0; i < k; i++) offsets[i + 1] = offsets[i]! + table.counts[i]!;
  const cursor = offsets.slice(0, k);
  const rows = new Uint32Array(offsets[k]!);
  for (let j = 0; j < pairs; j++) {
    const id = pairKey[j]!;
    if (id >= 0) rows[cursor[id]!++] = pairRow ? pairRow[j]! : j;
  }
  return new CsrInvertedIndex(table.keys, offsets, rows, table.ids);
}

export function buildInvertedIndex(column: Column): CsrInvertedIndex {
  const table = new KeyTable();
  const values = column.kind === 'value' ? column.values : [];
  const n = values.length;
  if (!values.some(Array.isArray)) {
    // One key (or none) per row: the pair list is just a key id per row.
    const keyOf = new Int32Array(n).fill(-1);
    for (let row = 0; row < n; row++) {
      const v = values[row];
      if (typeof v === 'string' || typeof v === 'boolean') keyOf[row] = table.id(v);
    }
    return toCsr(table, keyOf, undefined, n);
  }
  let pairKey = new Int32Array(n + 16);
  let pairRow = new Uint32Array(n + 16);
  let pairs = 0;
  const seen = new Set<InvertedKey>();
  for (let row = 0; row < n; row++) {
    const v = values[row];
    const items = Array.isArray(v) ? v : typeof v === 'string' || typeof v === 'boolean' ? [v] : undefined;
    if (!items) continue;
    seen.clear();
    for (const x of items) {
      // An array may repeat an element; its row is listed once.
      if ((typeof x !== 'string' && typeof x !== 'boolean') || seen.has(x)) continue;
      seen.add(x);
      if (pairs === pairKey.length) {
        const k2 = new Int32Array(pairs * 2);
        k2.set(pairKey);
        pairKey = k2;
        const r2 = new Uint32Array(pairs * 2);
        r2.set(pairRow);
        pairRow = r2;
      }
      pairKey[pairs] = table.id(x);
      pairRow[pairs++] = row;
    }
  }
  return toCsr(table, pairKey, pairRow, pairs);
}
