/**
 * The filter expression AST. Every node carries `start` and `end` offsets into the expression so errors can
 * point at the exact spot. The parser produces it; `bind` checks it against a schema and replaces `{param}`
 * placeholders with typed literals, leaving a tree the evaluator and the index resolver can trust.
 */

import type { Analyzer } from '../text/analyzer.js';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '**';
export type LiteralValue = number | string | boolean | LiteralValue[];

interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { kind: 'literal'; value: LiteralValue })
  | (Span & { kind: 'array'; items: Expr[] })
  | (Span & { kind: 'param'; name: string })
  /** A field reference; `path` walks into JSON (`meta["a"][0]`). `dynamic` marks a key of `$meta`. */
  | (Span & { kind: 'field'; name: string; path: (string | number)[]; dynamic?: boolean })
  | (Span & { kind: 'not'; operand: Expr })
  | (Span & { kind: 'neg'; operand: Expr })
  | (Span & { kind: 'logic'; op: 'and' | 'or'; left: Expr; right: Expr })
  | (Span & { kind: 'compare'; op: CompareOp; left: Expr; right: Expr })
  | (Span & { kind: 'arith'; op: ArithOp; left: Expr; right: Expr })
  | (Span & { kind: 'in'; negated: boolean; operand: Expr; list: Expr })
  | (Span & { kind: 'like'; operand: Expr; pattern: Expr })
  | (Span & { kind: 'isnull'; negated: boolean; operand: Expr })
  | (Span & { kind: 'call'; name: FunctionName; args: Expr[] })
  /** `text_match(field, "query")` after binding: the query's analyzed terms; a row matches any of them. */
  | (Span & { kind: 'textmatch'; field: string; query: string; terms: string[]; analyzer: Analyzer });

export const FUNCTIONS = [
  'array_contains',
  'array_contains_all',
  'array_contains_any',
  'array_length',
  'json_contains',
  'json_contains_all',
  'json_contains_any',
  'text_match',
] as const;

export type FunctionName = (typeof FUNCTIONS)[number];

export type ExprKind = Expr['kind'];
export type ExprOf<K extends ExprKind> = Extract<Expr, { kind: K }>;
