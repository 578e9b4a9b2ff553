/**
 * Compiles a bound filter tree into closures over one segment's columns, once per (filter, segment), so
 * evaluating a row does no parsing or lookup. Logic is three-valued (SQL/Kleene): comparisons with a missing
 * value, or with a value of the wrong type at run time, are UNKNOWN (null), and only TRUE rows match.
 */

import type { ColumnSource } from '../segment/columns.js';
import type { Expr } from './ast.js';
import { compileLike } from './like.js';

export type Truth = boolean | null;
export type RowValue = (row: number) => unknown;
export type RowPredicate = (row: number) => Truth;

function walk(v: unknown, path: readonly (string | number)[]): unknown {
  let cur = v;
  for (const step of path) {
    if (cur === null || cur === undefined) return null;
    if (typeof step === 'number') {
      if (!Array.isArray(cur) || step >= cur.length) return null;
      cur = cur[step];
    } else {
      if (typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, step)) return null;
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return cur ?? null;
}

/** Equality of two run-time values: same type, deep for arrays and objects. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function order(op: string, a: unknown, b: unknown): Truth {
  if (a === null || b === null) return null;
  if (op === '==' || op === '!=') {
    if (typeof a !== typeof b) return null;
    const eq = same(a, b);
    return op === '==' ? eq : !eq;
  }
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')))
    return null;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function arith(op: string, a: unknown, b: unknown): number | null {
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  let r: number;
  switch (op) {
    case '+':
      r = a + b;
      break;
    case '-':
      r = a - b;
      break;
    case '*':
      r = a * b;
      break;
    case '/':
      r = a / b;
      break;
    case '%':
      r = a % b;
      break;
    default:
      r = a ** b;
  }
  return Number.isFinite(r) ? r : null;
}

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
      const path = e.path;
      if (col.kind === 'number') {
        const { values, valid } = col;
        return (row) => (valid.has(row) ? values[row]! : null);
      }
      const values = col.values;
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

export function compilePredicate(e: Expr, src: ColumnSource): RowPredicate {
  switch (e.kind) {
    case 'logic': {
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
    case 'not': {
      const f = compilePredicate(e.operand, src);
      return (row) => {
        const v = f(row);
        return v === null ? null : !v;
      };
    }
    case 'compare': {
      const l = compileValue(e.left, src);
      const r = compileValue(e.right, src);
      const op = e.op;
      return (row) => order(op, l(row), r(row));
    }
    case 'in': {
      const f = compileValue(e.operand, src);
      const list = constantOf(e.list) as unknown[];
      const set = new Set(list.filter((x) => typeof x !== 'object'));
      const negated = e.negated;
      return (row) => {
        const v = f(row);
        if (v === null) return null;
        const hit = typeof v === 'object' ? list.some((x) => same(x, v)) : set.has(v);
        return negated ? !hit : hit;
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
    case 'call': {
      const f = compileValue(e.args[0]!, src);
      const arg = e.args[1] ? constantOf(e.args[1]) : undefined;
      const name = e.name;
      const list = Array.isArray(arg) ? arg : [];
      return (row) => {
        const v = f(row);
        if (!Array.isArray(v)) return null;
        if (name.endsWith('_all')) return list.every((x) => v.some((y) => same(x, y)));
        if (name.endsWith('_any')) return list.some((x) => v.some((y) => same(x, y)));
        return v.some((y) => same(arg, y));
      };
    }
    default: {
      const f = compileValue(e, src);
      return (row) => {
        const v = f(row);
        return typeof v === 'boolean' ? v : null;
      };
    }
  }
}
