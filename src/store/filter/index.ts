/**
 * The filter language's public surface (re-exports only): parse, compile against a schema, match one row,
 * resolve to a bitset, estimate. See docs/filter-language.md.
 */

export type { CompareOp, Expr, Expr as ExprNode, ExprKind, ExprOf, FunctionName, LiteralValue } from './ast.js';
export type { FilterEstimate } from './estimate.js';
export { compileFilter, estimateFilter, type Filter, matchRow, resolveFilter } from './filter.js';
export { MAX_DEPTH, MAX_EXPRESSION_LENGTH, parseFilter } from './parser.js';
