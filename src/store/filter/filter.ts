/**
 * The filter operations on a compiled Filter: compile against a schema, match one row, resolve to a bitset,
 * estimate. See docs/filter-language.md.
 */

import type { ScalarIndexSource } from '../scalar/scalar-index.js';
import type { CollectionSchema } from '../schema/types.js';
import type { ColumnSource } from '../segment/columns.js';
import type { Bitset } from '../util/bitset.js';
import type { Expr } from './ast.js';
import { bindFilter } from './bind.js';
import { estimateTree, type FilterEstimate } from './estimate.js';
import { compilePredicate, type RowPredicate } from './evaluate.js';
import { parseFilter } from './parser.js';
import { resolveTree } from './resolve.js';

export interface Filter {
  readonly expression: string;
  /** The bound tree: params substituted, dynamic names rewritten to `$meta` paths, types checked. */
  readonly root: Expr;
  /** Columns the filter reads. */
  readonly fields: ReadonlySet<string>;
}

/**
 * Parses, binds `{params}` and type-checks an expression against a schema. Throws QuiverError
 * (FILTER_SYNTAX, FILTER_TYPE, FIELD_NOT_FOUND, FILTER_PARAM) with `details.position` and `details.excerpt`.
 * @example
 * const f = compileFilter('age >= {min} and tag in ["a", "b"]', schema, { min: 18 });
 */
export function compileFilter(expression: string, schema: CollectionSchema, params?: Record<string, unknown>): Filter {
  const tree = bindFilter(expression, parseFilter(expression), schema, params);
  return { expression, root: tree.root, fields: tree.fields };
}

interface Compiled {
  rowCount: number;
  predicate: RowPredicate;
}

const compiled = new WeakMap<Filter, WeakMap<ColumnSource, Compiled>>();

/** True when the filter is TRUE for `row` (UNKNOWN and FALSE do not match). */
export function matchRow(filter: Filter, source: ColumnSource, row: number): boolean {
  let bySource = compiled.get(filter);
  if (!bySource) {
    bySource = new WeakMap();
    compiled.set(filter, bySource);
  }
  let c = bySource.get(source);
  // A growing segment hands out new column views as it grows, so a cached predicate is only good for one size.
  if (!c || c.rowCount !== source.rowCount) {
    c = { rowCount: source.rowCount, predicate: compilePredicate(filter.root, source) };
    bySource.set(source, c);
  }
  return c.predicate(row) === true;
}

/** Rows where the filter is TRUE, using scalar indexes where the source has them; ⊆ candidates when given. */
export function resolveFilter(
  filter: Filter,
  source: ColumnSource & Partial<ScalarIndexSource>,
  candidates?: Bitset,
): Bitset {
  return resolveTree(filter.root, source, candidates);
}

/** Cardinality estimate (min, expected, max) for the planner; `exact` when min = max. */
export function estimateFilter(filter: Filter, source: ColumnSource & Partial<ScalarIndexSource>): FilterEstimate {
  return estimateTree(filter.root, source);
}
