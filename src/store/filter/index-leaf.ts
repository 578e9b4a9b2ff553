/**
 * Recognizes filter leaves that a scalar index can answer (a plain field compared with a constant, `in`, the
 * array_contains functions) and answers them as "hits" plus a complement flag: TRUE is the hits (or, for
 * `!=` and `not in`, the rows with a value that are not hits), FALSE is the rest of the rows with a value,
 * and rows without a value are UNKNOWN. Counts come from range lengths and posting sizes, without a scan.
 */

import type { ScalarIndex, ScalarIndexSource } from '../scalar/scalar-index.js';
import { rangeOf } from '../scalar/sorted-index.js';
import type { Column, ColumnSource } from '../segment/columns.js';
import type { TextIndexSource } from '../text/text-index-source.js';
import { Bitset } from '../util/bitset.js';
import type { CompareOp, Expr } from './ast.js';
import { constantOf } from './evaluate.js';

export type Source = ColumnSource & Partial<ScalarIndexSource> & Partial<TextIndexSource>;

export interface IndexedLeaf {
  field: string;
  hitCount: number;
  hits(): Bitset;
  /** TRUE = valued rows that are not hits (for `!=`, `not in`); otherwise TRUE = hits. */
  complement: boolean;
}

const FLIP: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function plainField(e: Expr): string | undefined {
  return e.kind === 'field' && e.path.length === 0 && !e.dynamic ? e.name : undefined;
}

/** Row lists that do not overlap (distinct keys of a scalar column), as one leaf answer. */
function disjoint(n: number, lists: ArrayLike<number>[]): { hitCount: number; hits(): Bitset } {
  let hitCount = 0;
  for (const l of lists) hitCount += l.length;
  return {
    hitCount,
    hits: () => {
      const b = new Bitset(n);
      for (const l of lists) for (let i = 0; i < l.length; i++) b.add(l[i]!);
      return b;
    },
  };
}

function lookup(n: number, index: ScalarIndex, op: CompareOp, values: unknown[]) {
  if (op === '!=') op = '==';
  if (index.kind === 'sorted') {
    if (!values.every((v) => typeof v === 'number')) return undefined;
    const lists = [...new Set(values as number[])].map((v) => {
      const [from, to] = rangeOf(index, op as Exclude<CompareOp, '!='>, v);
      return index.rows.subarray(from, to);
    });
    return disjoint(n, lists);
  }
  if (op !== '==') return undefined;
  if (!values.every((v) => typeof v === 'string' || typeof v === 'boolean')) return undefined;
  return disjoint(
    n,
    [...new Set(values as (string | boolean)[])].map((v) => index.lookup(v)),
  );
}

function containsLeaf(n: number, name: string, fn: string, index: ScalarIndex, arg: unknown): IndexedLeaf | undefined {
  if (index.kind !== 'inverted') return undefined;
  const values = Array.isArray(arg) ? arg : [arg];
  if (values.length === 0 || !values.every((v) => typeof v === 'string')) return undefined;
  const lists = [...new Set(values as string[])].map((v) => index.lookup(v));
  if (lists.length === 1) return { field: name, complement: false, ...disjoint(n, lists) };
  const all = fn === 'array_contains_all';
  const set = all ? Bitset.fromIndices(n, lists[0]!) : new Bitset(n);
  for (const l of all ? lists.slice(1) : lists) {
    const b = Bitset.fromIndices(n, l);
    if (all) set.and(b);
    else set.or(b);
  }
  return { field: name, complement: false, hitCount: set.count(), hits: () => set.clone() };
}

export function indexedLeaf(e: Expr, src: Source): IndexedLeaf | undefined {
  const n = src.rowCount;
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
    const answer = lookup(n, index, op, [value]);
    return answer && { field: name!, complement: op === '!=', ...answer };
  }
  if (e.kind === 'in') {
    const name = plainField(e.operand);
    const index = indexOf(name);
    const list = constantOf(e.list);
    if (!index || !Array.isArray(list)) return undefined;
    const answer = lookup(n, index, '==', list);
    return answer && { field: name!, complement: e.negated, ...answer };
  }
  if (e.kind === 'textmatch') {
    const index = src.textIndex?.(e.field);
    if (!index) return undefined;
    const set = index.matchRows(e.terms, 'any');
    return { field: e.field, complement: false, hitCount: set.count(), hits: () => set.clone() };
  }
  if (e.kind === 'call' && e.name.startsWith('array_contains')) {
    const name = plainField(e.args[0]!);
    const index = indexOf(name);
    return index && containsLeaf(n, name!, e.name, index, constantOf(e.args[1]!));
  }
  return undefined;
}

/** A plain, non-dynamic field's name when `e` is `field is [not] null` on one. */
export function nullTestField(e: Expr): string | undefined {
  return e.kind === 'isnull' ? plainField(e.operand) : undefined;
}

const valuedCache = new WeakMap<Column, Bitset>();

/** Rows where a column has a value (cached per column object; sealed columns never change). */
export function valuedRows(src: ColumnSource, field: string): Bitset {
  const col = src.column(field);
  if (!col) return new Bitset(src.rowCount);
  if (col.kind === 'number') return col.valid;
  let out = valuedCache.get(col);
  if (!out || out.size !== src.rowCount) {
    out = new Bitset(src.rowCount);
    const v = col.values;
    const n = Math.min(src.rowCount, v.length);
    for (let row = 0; row < n; row++) if (v[row] !== null && v[row] !== undefined) out.add(row);
    valuedCache.set(col, out);
  }
  return out;
}
