/**
 * Shared filter-test fixtures: a dynamic schema (and a non-dynamic twin), twenty hand-written rows with
 * nulls, missing values, JSON objects, string[] arrays and dynamic keys, an in-memory ColumnSource builder
 * (with or without scalar indexes built through buildScalarIndex), and a helper that checks one expression
 * through matchRow and resolveFilter (indexed and unindexed) against an expected row set.
 */

import { expect } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import { compileFilter, type Filter, matchRow, resolveFilter } from '../../../src/store/filter/index.js';
import { buildScalarIndex, type IndexableType } from '../../../src/store/scalar/build-scalar-index.js';
import type { ScalarIndex } from '../../../src/store/scalar/scalar-index.js';
import type { CollectionSchema } from '../../../src/store/schema/types.js';
import { type Column, type ColumnSource, numberColumn } from '../../../src/store/segment/columns.js';
import { Bitset } from '../../../src/store/util/bitset.js';

export const schema: CollectionSchema = {
  dynamic: true,
  fields: [
    { name: 'id', type: 'int', primary: true },
    { name: 'vec', type: 'vector', dim: 2, metric: 'l2' },
    { name: 'age', type: 'int', nullable: true },
    { name: 'score', type: 'float', nullable: true },
    { name: 'name', type: 'string', nullable: true },
    { name: 'active', type: 'bool', nullable: true },
    { name: 'tags', type: 'string[]', nullable: true },
    { name: 'meta', type: 'json', nullable: true },
  ],
};

export const staticSchema: CollectionSchema = { ...schema, dynamic: false };

/** A row as the fixture builder takes it: schema fields plus `dyn`, the row's dynamic keys (`$meta`). */
export interface FixtureRow {
  age?: number | null;
  score?: number | null;
  name?: string | null;
  active?: boolean | null;
  tags?: string[] | null;
  meta?: unknown;
  dyn?: Record<string, unknown> | null;
}

const age = [25, 30, null, 40, 18, 65, 30, null, 50, 25, 0, -5, 99, 30, null, 7, 12, 100, 45, null];
const score = [1.5, 2.5, 3.5, null, 0, -2, 10, null, 7.25, 1.5, -0.5, 100, 99.9, 2.5, 5, null, 12, 0.25, 4.5, null];
const name = [
  'alice',
  'bob',
  'carol',
  null,
  'dave',
  'Eve',
  'al%',
  'a_c',
  '',
  'abc',
  'Alice',
  'al',
  'bo%b',
  'bob',
  'xyz',
  'a\\b',
  'ALICE',
  'x_y',
  'bob',
  null,
];
const active = [
  true,
  false,
  true,
  null,
  false,
  true,
  null,
  false,
  true,
  null,
  true,
  false,
  true,
  null,
  true,
  false,
  null,
  true,
  false,
  null,
];
const tags = [
  ['a', 'b'],
  ['b'],
  [],
  null,
  ['c', 'a'],
  ['a'],
  ['x', 'y', 'z'],
  null,
  ['b', 'c'],
  ['a', 'b', 'c'],
  ['A'],
  ['a', 'a'],
  ['c'],
  null,
  ['z'],
  [],
  ['b', 'a'],
  null,
  ['d'],
  null,
];
const meta: unknown[] = [
  { a: 1, s: 'x', l: [1, 2] },
  { a: 2, s: 'y', l: [2, 3] },
  { a: '1' },
  null,
  { a: 3, l: ['a', 'b'] },
  { a: null },
  { s: 'al_' },
  { a: [1, 2] },
  { a: 1.5, s: 'alpha' },
  { nested: { k: [{ v: 1 }] } },
  { a: 0 },
  { s: 'b', l: [] },
  { a: true },
  null,
  { a: 2, l: [3] },
  'str',
  [1, 2, 3],
  { a: -1 },
  { s: 'x', l: [1] },
  null,
];
const dyn: (Record<string, unknown> | null)[] = [
  { color: 'red', n: 1 },
  { color: 'blue', n: 2 },
  { color: 'red' },
  null,
  { n: 'x' },
  { n: 5, color: 'green' },
  {},
  { n: null },
  { color: 1 },
  { n: 3 },
  { color: 'red', n: 0 },
  null,
  { flag: true },
  { color: 'blue' },
  { n: 2 },
  { n: [1, 2] },
  { color: 'Red' },
  { n: 1.5 },
  { color: null },
  null,
];

/** The twenty hand-written rows; row i has id i. Null and missing are the same to a column. */
export const ROWS: FixtureRow[] = age.map((_, i) => ({
  age: age[i],
  score: score[i],
  name: name[i],
  active: active[i],
  tags: tags[i],
  meta: meta[i],
  dyn: dyn[i],
}));

export const ALL_IDS = ROWS.map((_, i) => i);

export type TestSource = ColumnSource & { scalarIndex?: (field: string) => ScalarIndex | undefined };

const FIELD_TYPES: Record<string, IndexableType> = {
  id: 'int',
  age: 'int',
  score: 'float',
  name: 'string',
  active: 'bool',
  tags: 'string[]',
  meta: 'json',
};

/** Builds an in-memory column source over rows (id = position); `indexed` adds scalar indexes. */
export function makeSource(rows: readonly FixtureRow[], indexed: boolean): TestSource {
  const get = (r: FixtureRow, f: string) => (r as Record<string, unknown>)[f] ?? null;
  const columns = new Map<string, Column>();
  columns.set('id', numberColumn(rows.map((_, i) => i)));
  columns.set('age', numberColumn(rows.map((r) => r.age ?? null)));
  columns.set('score', numberColumn(rows.map((r) => r.score ?? null)));
  for (const f of ['name', 'active', 'tags', 'meta'])
    columns.set(f, { kind: 'value', values: rows.map((r) => get(r, f)) });
  columns.set('$meta', { kind: 'value', values: rows.map((r) => r.dyn ?? null) });
  const source: TestSource = { rowCount: rows.length, column: (n) => columns.get(n) };
  if (indexed) {
    const indexes = new Map<string, ScalarIndex>();
    for (const [f, type] of Object.entries(FIELD_TYPES)) {
      const index = buildScalarIndex(type, columns.get(f)!);
      if (index) indexes.set(f, index);
    }
    source.scalarIndex = (f) => indexes.get(f);
  }
  return source;
}

export const plain = makeSource(ROWS, false);
export const indexed = makeSource(ROWS, true);

export function bitsetIds(b: Bitset): number[] {
  return Array.from(b.toArray());
}

/** Row ids where matchRow is true. */
export function matchIds(filter: Filter, source: TestSource): number[] {
  const out: number[] = [];
  for (let row = 0; row < source.rowCount; row++) if (matchRow(filter, source, row)) out.push(row);
  return out;
}

/** Asserts matchRow, indexed resolveFilter and unindexed resolveFilter all give exactly `ids`. */
export function expectRows(expression: string, ids: readonly number[], params?: Record<string, unknown>): void {
  const filter = compileFilter(expression, schema, params);
  const want = [...ids].sort((a, b) => a - b);
  expect(matchIds(filter, plain), `matchRow: ${expression}`).toEqual(want);
  expect(bitsetIds(resolveFilter(filter, indexed)), `resolve (indexed): ${expression}`).toEqual(want);
  expect(bitsetIds(resolveFilter(filter, plain)), `resolve (scan): ${expression}`).toEqual(want);
}

/** Runs `fn` and returns the QuiverError it throws; fails the test if it returns or throws anything else. */
export function quiverErrorOf(fn: () => unknown): QuiverError {
  try {
    fn();
  } catch (err) {
    if (err instanceof QuiverError) return err;
    throw new Error(`expected a QuiverError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a QuiverError, but the call returned');
}

/** A bitset over `size` rows holding `ids`. */
export function bitsetOf(size: number, ids: Iterable<number>): Bitset {
  return Bitset.fromIndices(size, Array.from(ids));
}

/** The rows of ALL_IDS not in `ids`. */
export function except(ids: readonly number[], from: readonly number[] = ALL_IDS): number[] {
  const drop = new Set(ids);
  return from.filter((i) => !drop.has(i));
}
