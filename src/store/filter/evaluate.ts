/**
 * Compiles a bound filter tree into closures over one segment's columns, once per (filter, segment), so
 * evaluating a row does no parsing, lookup or allocation. Logic is three-valued (SQL/Kleene): comparisons with
 * a missing value, or with a value of the wrong kind at run time, are UNKNOWN (null), and only TRUE rows
 * match. The common leaf, a plain column against a constant, gets a specialised closure.
 */

import type { ColumnSource } from '../segment/columns.js';
import type { TextIndexSource } from '../text/text-index-source.js';
import type { CompareOp, Expr, ExprOf } from './ast.js';
import { compileLike } from './like.js';
import { arith, compareValues, inList, same, type Truth, walk } from './values.js';

export type { Truth } from './values.js';
export type RowValue = (row: number) => unknown;
export type RowPredicate = (row: number) => Truth;

const FLIP: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** The constant an expression denotes (a literal or a list of them), or undefined. */
export function constantOf(e: Expr): unknown {
  if (e.kind === 'literal') return e.value;
  if (e.kind === 'array') return e.items.map(constantOf);
  return undefined;
}

export function compileValue(e: Expr, src: ColumnSource): RowValue {
  switch (e.kind) {
    case 'literal':
    case 'array': {
      const c = constantOf(e);
      return () => c;
    }
    case 'field': {
      const col = src.column(e.name);
      if (!col) return () => null;
      if (col.kind === 'number') {
        const { values, valid } = col;
        return (row) => (valid.has(row) ? values[row]! : null);
      }
      const values = col.values;
      const path = e.path;
      return path.length === 0 ? (row) => values[row] ?? null : (row) => walk(values[row], path);
    }
    case 'neg': {
      const f = compileValue(e.operand, src);
      return (row) => {
        const v = f(row);
        return typeof v === 'number' ? -v : null;
      };
    }
    case 'arith': {
      const l = compileValue(e.left, src);
      const r = compileValue(e.right, src);
      const op = e.op;
      return (row) => arith(op, l(row), r(row));
    }
    case 'call':
      if (e.name === 'array_length') {
        const f = compileValue(e.args[0]!, src);
        return (row) => {
          const v = f(row);
          return Array.isArray(v) ? v.length : null;
        };
      }
      return compilePredicate(e, src);
    default:
      return compilePredicate(e, src);
  }
}

/** A plain number column compared with a number constant: no boxing, no kind checks. */
function numberCompare(e: ExprOf<'compare'>, src: ColumnSource): RowPredicate | undefined {
  let field = e.left;
  let other = e.right;
  let op = e.op;
  if (field.kind !== 'field') {
    field = e.right;
    other = e.left;
    op = FLIP[op];
  }
  if (field.kind !== 'field' || field.path.length > 0 || other.kind !== 'literal') return undefined;
  const c = other.value;
  const col = src.column(field.name);
  if (col?.kind !== 'number' || typeof c !== 'number') return undefined;
  const { values, valid } = col;
  switch (op) {
    case '==':
      return (row) => (valid.has(row) ? values[row] === c : null);
    case '!=':
      return (row) => (valid.has(row) ? values[row] !== c : null);
    case '<':
      return (row) => (valid.has(row) ? values[row]! < c : null);
    case '<=':
      return (row) => (valid.has(row) ? values[row]! <= c : null);
    case '>':
      return (row) => (valid.has(row) ? values[row]! > c : null);
    case '>=':
      return (row) => (valid.has(row) ? values[row]! >= c : null);
  }
}

function logic(e: ExprOf<'logic'>, src: ColumnSource): RowPredicate {
  const l = compilePredicate(e.left, src);
  const r = compilePredicate(e.right, src);
  if (e.op === 'and') {
    return (row) => {
      const a = l(row);
      if (a === false) return false;
      const b = r(row);
      return b === false ? false : a === null || b === null ? null : true;
    };
  }
  return (row) => {
    const a = l(row);
    if (a === true) return true;
    const b = r(row);
    return b === true ? true : a === null || b === null ? null : false;
  };
}

function arrayCall(e: ExprOf<'call'>, src: ColumnSource): RowPredicate {
  const f = compileValue(e.args[0]!, src);
  const arg = constantOf(e.args[1]!);
  const list = Array.isArray(arg) ? arg : [arg];
  const has = (v: unknown[], x: unknown) => {
    for (const y of v) if (same(x, y)) return true;
    return false;
  };
  const all = e.name.endsWith('_all');
  const any = e.name.endsWith('_any');
  return (row) => {
    const v = f(row);
    if (!Array.isArray(v)) return null;
    if (all) return list.every((x) => has(v, x));
    if (any) return list.some((x) => has(v, x));
    return has(v, arg);
  };
}

/** Per-row `text_match`, for sources without a text index: analyzes the row's text and looks for any term. */
function textMatch(e: ExprOf<'textmatch'>, src: ColumnSource): RowPredicate {
  const index = (src as Partial<TextIndexSource>).textIndex?.(e.field);
  if (index) {
    const hits = index.matchRows(e.terms, 'any');
    const text = compileValue({ kind: 'field', name: e.field, path: [], start: e.start, end: e.end }, src);
    return (row) => (text(row) === null ? null : hits.has(row));
  }
  const analyzer = e.analyzer;
  const wanted = new Set(e.terms);
  const text = compileValue({ kind: 'field', name: e.field, path: [], start: e.start, end: e.end }, src);
  return (row) => {
    const v = text(row);
    if (typeof v !== 'string') return null;
    if (wanted.size === 0) return false;
    for (const term of analyzer.analyze(v)) if (wanted.has(term)) return true;
    return false;
  };
}

export function compilePredicate(e: Expr, src: ColumnSource): RowPredicate {
  switch (e.kind) {
    case 'logic':
      return logic(e, src);
    case 'not': {
      const f = compilePredicate(e.operand, src);
      return (row) => {
        const v = f(row);
        return v === null ? null : !v;
      };
    }
    case 'compare': {
      const fast = numberCompare(e, src);
      if (fast) return fast;
      const l = compileValue(e.left, src);
      const r = compileValue(e.right, src);
      const op = e.op;
      return (row) => compareValues(op, l(row), r(row));
    }
    case 'in': {
      const f = compileValue(e.operand, src);
      const list = constantOf(e.list) as unknown[];
      const primitives = new Set(list.filter((x) => typeof x !== 'object'));
      const negated = e.negated;
      return (row) => {
        const v = f(row);
        const hit = primitives.has(v) ? true : inList(v, list);
        return hit === null ? null : hit !== negated;
      };
    }
    case 'like': {
      const f = compileValue(e.operand, src);
      const match = compileLike(constantOf(e.pattern) as string);
      return (row) => {
        const v = f(row);
        return typeof v === 'string' ? match(v) : null;
      };
    }
    case 'isnull': {
      const f = compileValue(e.operand, src);
      const negated = e.negated;
      return (row) => (f(row) === null) !== negated;
    }
    case 'call':
      return arrayCall(e, src);
    case 'textmatch':
      return textMatch(e, src);
    default: {
      const f = compileValue(e, src);
      return (row) => {
        const v = f(row);
        return typeof v === 'boolean' ? v : null;
      };
    }
  }
}
