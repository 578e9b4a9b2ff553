/**
 * Run-time value semantics shared by the evaluator: JSON path walking, deep equality, comparisons and
 * arithmetic under three-valued logic. A missing value, or values of kinds that do not compare (a number
 * against a string, say, inside a JSON field), give UNKNOWN (null) rather than an error.
 */

import type { CompareOp } from './ast.js';

export type Truth = boolean | null;

type Kind = 'number' | 'string' | 'bool' | 'array' | 'object' | 'null';

export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? 'array' : 'object';
}

/** Follows a JSON path (object keys and array indexes); null where any step is missing. */
export function walk(v: unknown, path: readonly (string | number)[]): unknown {
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

/** Deep equality of two JSON values of the same kind; object key order does not matter. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) {
      return false;
    }
  }
  return true;
}

/** `a op b` in three-valued logic: UNKNOWN when either side is missing or the kinds do not compare. */
export function compareValues(op: CompareOp, a: unknown, b: unknown): Truth {
  const ka = kindOf(a);
  if (ka === 'null' || ka !== kindOf(b)) return null;
  if (op === '==') return same(a, b);
  if (op === '!=') return !same(a, b);
  if (ka !== 'number' && ka !== 'string') return null;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

/** `v in list`: TRUE on a match; FALSE when the list is empty or holds a value of v's kind; else UNKNOWN. */
export function inList(v: unknown, list: readonly unknown[]): Truth {
  const k = kindOf(v);
  if (k === 'null') return null;
  let comparable = list.length === 0;
  for (const x of list) {
    if (kindOf(x) !== k) continue;
    if (same(v, x)) return true;
    comparable = true;
  }
  return comparable ? false : null;
}

/** Arithmetic on numbers; anything else, or a non-finite result (division by zero), is missing. */
export function arith(op: string, a: unknown, b: unknown): number | null {
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
