/**
 * Inverted index: each distinct value (a string or bool; for string[] fields, each element) maps to the
 * ascending list of rows that hold it. Answers ==, in, array_contains* with a lookup instead of a scan.
 */

import type { Column } from '../segment/columns.js';
import type { InvertedIndex } from './scalar-index.js';

const EMPTY = new Uint32Array(0);

export class MapInvertedIndex implements InvertedIndex {
  readonly kind = 'inverted' as const;
  constructor(readonly postings: ReadonlyMap<string | boolean, Uint32Array>) {}

  lookup(value: string | boolean): Uint32Array {
    return this.postings.get(value) ?? EMPTY;
  }

  get keyCount(): number {
    return this.postings.size;
  }
}

export function buildInvertedIndex(column: Column): MapInvertedIndex {
  const lists = new Map<string | boolean, number[]>();
  const add = (key: string | boolean, row: number) => {
    let list = lists.get(key);
    if (!list) {
      list = [];
      lists.set(key, list);
    }
    if (list[list.length - 1] !== row) list.push(row);
  };
  if (column.kind === 'value') {
    const values = column.values;
    for (let row = 0; row < values.length; row++) {
      const v = values[row];
      if (typeof v === 'string' || typeof v === 'boolean') add(v, row);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') add(x, row);
    }
  }
  const postings = new Map<string | boolean, Uint32Array>();
  for (const [k, rows] of lists) postings.set(k, Uint32Array.from(rows));
  return new MapInvertedIndex(postings);
}
