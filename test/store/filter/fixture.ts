/**
 * A small table with every scalar type and plenty of nulls, exposed as a ColumnSource with and without scalar
 * indexes, plus `agree`, which resolves a filter every way the engine can and checks that they agree.
 */

import { expect } from 'vitest';
import { compileFilter, type Filter, matchRow, resolveFilter } from '../../../src/store/filter/index.js';
import { buildScalarIndex } from '../../../src/store/scalar/build-scalar-index.js';
import type { ScalarIndex, ScalarIndexSource } from '../../../src/store/scalar/scalar-index.js';
import { type CollectionSchema, DYNAMIC_FIELD, type ScalarType } from '../../../src/store/schema/types.js';
import { type Column, type ColumnSource, numberColumn } from '../../../src/store/segment/columns.js';
import { Bitset } from '../../../src/store/util/bitset.js';

export const schema: CollectionSchema = {
  dynamic: true,
  fields: [
    { name: 'id', type: 'int', primary: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'age', type: 'int', nullable: true },
    { name: 'score', type: 'float', nullable: true },
    { name: 'active', type: 'bool', nullable: true },
    { name: 'tags', type: 'string[]', nullable: true },
    { name: 'meta', type: 'json', nullable: true },
    { name: 'vec', type: 'vector', dim: 2, metric: 'l2' },
  ],
};

export const staticSchema: CollectionSchema = { ...schema, dynamic: false };

export type TestRow = Record<string, unknown>;

export const rows: TestRow[] = [
  {
    id: 0,
    name: 'alice',
    age: 30,
    score: 1.5,
    active: true,
    tags: ['a', 'b'],
    meta: { a: { b: 1 }, list: [1, 2] },
    color: 'red',
  },
  {
    id: 1,
    name: 'bob',
    age: 25,
    score: 2.5,
    active: false,
    tags: ['b'],
    meta: { a: { b: 2 }, list: [] },
    color: 'blue',
  },
  { id: 2, name: 'carol', age: null, score: -1, active: true, tags: [], meta: { a: 'x' }, n: 5 },
  { id: 3, name: null, age: 41, score: null, active: null, tags: null, meta: null },
  { id: 4, name: 'dave%', age: 30, score: 0, active: false, tags: ['a', 'c', 'a'], meta: { a: { b: '1' } }, n: 'five' },
  {
    id: 5,
    name: 'al_ex',
    age: 18,
    score: 1e3,
    active: true,
    tags: ['c'],
    meta: { list: ['x', 1, true] },
    color: 'red',
  },
  { id: 6, name: '', age: 0, score: 2.5, active: false, tags: ['b', 'c'], meta: { a: { b: null } }, n: 7 },
  { id: 7, name: 'Émile', age: -3, score: null, active: null, tags: ['a'], meta: [1, 2, 3], color: null },
];

const NUMERIC = new Set(['id', 'age', 'score']);

export function typeOf(name: string): ScalarType | undefined {
  const f = schema.fields.find((x) => x.name === name);
  return f && f.type !== 'vector' ? f.type : undefined;
}

/** Columns for `data`: numbers in NumberColumns, everything else (and the dynamic keys, in `$meta`) as values. */
export function columnsOf(data: TestRow[]): Map<string, Column> {
  const cols = new Map<string, Column>();
  for (const f of schema.fields) {
    if (f.type === 'vector') continue;
    const values = data.map((r) => (r[f.name] ?? null) as number | null);
    cols.set(f.name, NUMERIC.has(f.name) ? numberColumn(values) : { kind: 'value', values });
  }
  const known = new Set(schema.fields.map((f) => f.name));
  const dyn = data.map((r) => {
    const extra = Object.fromEntries(Object.entries(r).filter(([k]) => !known.has(k)));
    return Object.keys(extra).length > 0 ? extra : null;
  });
  cols.set(DYNAMIC_FIELD, { kind: 'value', values: dyn });
  return cols;
}

export type Source = ColumnSource & ScalarIndexSource;

export function sources(data: TestRow[]): { plain: ColumnSource; indexed: Source } {
  const cols = columnsOf(data);
  const indexes = new Map<string, ScalarIndex>();
  for (const [name, col] of cols) {
    const t = typeOf(name);
    const index = t && buildScalarIndex(t, col);
    if (index) indexes.set(name, index);
  }
  const plain: ColumnSource = { rowCount: data.length, column: (n) => cols.get(n) };
  const indexed: Source = { ...plain, scalarIndex: (n) => indexes.get(n) };
  return { plain, indexed };
}

export const table = sources(rows);

/** Resolves `filter` with and without indexes, with and without candidates, and row by row; all must agree. */
export function agreeOn(filter: Filter, src: { plain: ColumnSource; indexed: Source }, n: number): number[] {
  const byRow = [...Array(n).keys()].filter((r) => matchRow(filter, src.plain, r));
  const plain = [...resolveFilter(filter, src.plain).toArray()];
  const indexed = [...resolveFilter(filter, src.indexed).toArray()];
  expect(plain, `scan vs matchRow: ${filter.expression}`).toEqual(byRow);
  expect(indexed, `index vs matchRow: ${filter.expression}`).toEqual(byRow);
  const odd = Bitset.fromIndices(
    n,
    [...Array(n).keys()].filter((r) => r % 2 === 1),
  );
  const within = byRow.filter((r) => r % 2 === 1);
  expect([...resolveFilter(filter, src.indexed, odd).toArray()], `candidates: ${filter.expression}`).toEqual(within);
  expect([...resolveFilter(filter, src.plain, odd).toArray()]).toEqual(within);
  return byRow;
}

/** The ids of the fixture rows where `expression` is TRUE, checked every way. */
export function ids(expression: string, params?: Record<string, unknown>): number[] {
  return agreeOn(compileFilter(expression, schema, params), table, rows.length);
}
