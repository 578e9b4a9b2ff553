/**
 * The filter language's public surface: parse, compile against a schema, match one row, resolve to a bitset,
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

export type { Expr as ExprNode } from './ast.js';
export type { FilterEstimate } from './estimate.js';
export { parseFilter } from './parser.js';

export interface Filter {
  readonly expression: string;
  readonly root: Expr;
  /** Columns the filter reads. */
  readonly fields: ReadonlySet<string>;
}

const compiled = new WeakMap<Filter, WeakMap<ColumnSource, RowPredicate>>();

/** Parses, binds `{params}` and type-checks an expression against a schema. Throws QuiverError. */
export function compileFilter(expression: string, schema: CollectionSchema, params?: Record<string, unknown>): Filter {
  const tree = bindFilter(expression, parseFilter(expression), schema, params);
  return { expression, root: tree.root, fields: tree.fields };
}

/** True when the filter is TRUE for `row` (UNKNOWN and FALSE do not match). */
export function matchRow(filter: Filter, source: ColumnSource, row: number): boolean {
  let bySource = compiled.get(filter);
  if (!bySource) {
    bySource = new WeakMap();
    compiled.set(filter, bySource);
  }
  let p = bySource.get(source);
  if (!p) {
    p = compilePredicate(filter.root, source);
    bySource.set(source, p);
  }
  return p(row) === true;
}

/** Rows where the filter is TRUE, using scalar indexes where the source has them; ⊆ candidates when given. */
export function resolveFilter(
  filter: Filter,
  source: ColumnSource & Partial<ScalarIndexSource>,
  candidates?: Bitset,
): Bitset {
  return resolveTree(filter.root, source, candidates);
}

export function estimateFilter(filter: Filter, source: ColumnSource & Partial<ScalarIndexSource>): FilterEstimate {
  return estimateTree(filter.root, source);
}
