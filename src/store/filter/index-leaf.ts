/**
 * Recognizes filter leaves that a scalar index can answer (a field compared with a constant, `in`, the
 * array_contains functions, `is null`) and answers them: the rows where the leaf is TRUE, and the rows where
 * the field has a value at all (FALSE = has a value and not TRUE, under three-valued logic).
 */

import type { ScalarIndex, ScalarIndexSource } from '../scalar/scalar-index.js';
import { rangeOf } from '../scalar/sorted-index.js';
import type { ColumnSource } from '../segment/columns.js';
import { Bitset } from '../util/bitset.js';
import type { CompareOp, Expr } from './ast.js';
import { constantOf } from './evaluate.js';

export type Source = ColumnSource & Partial<ScalarIndexSource>;

export interface IndexedLeaf {
  field: string;
  /** Rows where the leaf is TRUE, ascending or not; `count` is cheap. */
  rows(): ArrayLike<number>;
  count(): number;
  /** TRUE and FALSE swap roles relative to `rows` (for `!=`, `not in`). */
  complement: boolean;
  /** `is null` leaves: TRUE rows are the ones without a value. */
  isNull?: boolean;
}

const FLIP: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function plainField(e: Expr): string | undefined {
  return e.kind === 'field' && e.path.length === 0 && !e.dynamic ? e.name : undefined;
}

function union(lists: ArrayLike<number>[]): ArrayLike<number> {
  if (lists.length === 1) return lists[0]!;
  const out: number[] = [];
  for (const l of lists) for (let i = 0; i < l.length; i++) out.push(l[i]!);
  return out;
}

function fromIndex(index: ScalarIndex, op: CompareOp | 'in', value: unknown): ArrayLike<number> | undefined {
  const values = op === 'in' ? (value as unknown[]) : [value];
  if (index.kind === 'sorted') {
    if (!values.every((v) => typeof v === 'number')) return undefined;
    if (op === '!=') return undefined;
    const lists = (values as number[]).map((v) => {
      const [from, to] = rangeOf(index, op === 'in' ? '==' : op, v);
      return index.rows.subarray(from, to);
    });
    return union(lists);
  }
  if (op !== '==' && op !== 'in' && op !== '!=') return undefined;
  if (!values.every((v) => typeof v === 'string' || typeof v === 'boolean')) return undefined;
  return union((values as (string | boolean)[]).map((v) => index.lookup(v)));
}

export function indexedLeaf(e: Expr, src: Source): IndexedLeaf | undefined {
  const indexOf = (name: string | undefined) => (name === undefined ? undefined : src.scalarIndex?.(name));
  if (e.kind === 'compare') {
    let name = plainField(e.left);
    let op = e.op;
    let other = e.right;
    if (!name) {
      name = plainField(e.right);
      op = FLIP[e.op];
      other = e.left;
    }
    const index = indexOf(name);
    const value = constantOf(other);
    if (!index || value === undefined || Array.isArray(value)) return undefined;
    const rows = fromIndex(index, op === '!=' ? '==' : op, value);
    return rows && { field: name!, rows: () => rows, count: () => rows.length, complement: op === '!=' };
  }
  if (e.kind === 'in') {
    const name = plainField(e.operand);
    const index = indexOf(name);
    const list = constantOf(e.list);
    if (!index || !Array.isArray(list)) return undefined;
    const rows = fromIndex(index, 'in', list);
    return rows && { field: name!, rows: () => rows, count: () => rows.length, complement: e.negated };
  }
  if (e.kind === 'call' && e.name.startsWith('array_contains')) {
    const name = plainField(e.args[0]!);
    const index = indexOf(name);
    if (index?.kind !== 'inverted') return undefined;
    const arg = constantOf(e.args[1]!);
    const values = Array.isArray(arg) ? arg : [arg];
    if (!values.every((v) => typeof v === 'string')) return undefined;
    const lists = (values as string[]).map((v) => index.lookup(v));
    if (e.name === 'array_contains_all') {
      let rows: ArrayLike<number> = lists[0] ?? [];
      for (const l of lists.slice(1)) {
        const keep = new Set(Array.from(l));
        rows = Array.from(rows).filter((r) => keep.has(r));
      }
      if (lists.length === 0) return undefined;
      return { field: name!, rows: () => rows, count: () => rows.length, complement: false };
    }
    const rows = union(lists);
    return { field: name!, rows: () => rows, count: () => rows.length, complement: false };
  }
  return undefined;
}

/** Rows where a column has a value. */
export function nonNullRows(src: Source, field: string): Bitset {
  const col = src.column(field);
  if (!col) return new Bitset(src.rowCount);
  if (col.kind === 'number') return col.valid.clone();
  const out = new Bitset(src.rowCount);
  const v = col.values;
  for (let row = 0; row < src.rowCount; row++) if (v[row] !== null && v[row] !== undefined) out.add(row);
  return out;
}
