/**
 * Estimates how many rows a filter matches without resolving it, for the planner. Each node gets a range for
 * its TRUE rows and one for its FALSE rows (three-valued logic: the rest are UNKNOWN), so `not` is a swap and
 * stays sound. Leaves a scalar index answers, and `is null` on a plain field, count exactly and cheaply; the
 * rest evaluate up to 256 evenly spaced rows, whose observed TRUE and FALSE rows also tighten the bounds.
 * `and` / `or` combine expected counts as if independent and min/max by inclusion-exclusion bounds; a tree
 * whose every leaf is index-answered is resolved with bitsets instead, which is exact and still cheap.
 */

import type { Expr } from './ast.js';
import { compilePredicate } from './evaluate.js';
import { indexedLeaf, nullTestField, type Source, valuedRows } from './index-leaf.js';
import { resolveTree } from './resolve.js';

export interface FilterEstimate {
  min: number;
  expected: number;
  max: number;
  /** True when min = expected = max is the exact count of matching rows. */
  exact: boolean;
}

interface Range {
  min: number;
  expected: number;
  max: number;
}

interface Estimate {
  t: Range;
  f: Range;
}

const SAMPLE = 256;

const exactly = (c: number): Range => ({ min: c, expected: c, max: c });

function sampled(e: Expr, src: Source): Estimate {
  const n = src.rowCount;
  const p = compilePredicate(e, src);
  if (n <= SAMPLE) {
    let t = 0;
    let f = 0;
    for (let row = 0; row < n; row++) {
      const v = p(row);
      if (v === true) t++;
      else if (v === false) f++;
    }
    return { t: exactly(t), f: exactly(f) };
  }
  let t = 0;
  let f = 0;
  const step = n / SAMPLE;
  for (let i = 0; i < SAMPLE; i++) {
    const v = p(Math.floor(i * step));
    if (v === true) t++;
    else if (v === false) f++;
  }
  // Sampled rows are distinct, so what they showed holds for sure: t rows are TRUE and f are not.
  return {
    t: { min: t, expected: (t / SAMPLE) * n, max: n - f },
    f: { min: f, expected: (f / SAMPLE) * n, max: n - t },
  };
}

function leaf(e: Expr, src: Source): Estimate {
  const n = src.rowCount;
  const nullField = nullTestField(e);
  if (nullField !== undefined && e.kind === 'isnull') {
    const valued = valuedRows(src, nullField).count();
    const t = e.negated ? valued : n - valued;
    return { t: exactly(t), f: exactly(n - t) };
  }
  const hit = indexedLeaf(e, src);
  if (!hit) return sampled(e, src);
  const miss = valuedRows(src, hit.field).count() - hit.hitCount;
  return hit.complement
    ? { t: exactly(miss), f: exactly(hit.hitCount) }
    : { t: exactly(hit.hitCount), f: exactly(miss) };
}

function both(a: Range, b: Range, n: number): Range {
  return {
    min: Math.max(0, a.min + b.min - n),
    expected: (a.expected * b.expected) / n,
    max: Math.min(a.max, b.max),
  };
}

function either(a: Range, b: Range, n: number): Range {
  return {
    min: Math.max(a.min, b.min),
    expected: a.expected + b.expected - (a.expected * b.expected) / n,
    max: Math.min(n, a.max + b.max),
  };
}

function tree(e: Expr, src: Source): Estimate {
  const n = src.rowCount;
  if (e.kind === 'not') {
    const a = tree(e.operand, src);
    return { t: a.f, f: a.t };
  }
  if (e.kind === 'logic') {
    const a = tree(e.left, src);
    const b = tree(e.right, src);
    return e.op === 'and'
      ? { t: both(a.t, b.t, n), f: either(a.f, b.f, n) }
      : { t: either(a.t, b.t, n), f: both(a.f, b.f, n) };
  }
  return leaf(e, src);
}

/** Every leaf is answered without evaluating rows, so resolving the whole tree with bitsets is cheap. */
function allIndexed(e: Expr, src: Source): boolean {
  if (e.kind === 'not') return allIndexed(e.operand, src);
  if (e.kind === 'logic') return allIndexed(e.left, src) && allIndexed(e.right, src);
  return nullTestField(e) !== undefined || indexedLeaf(e, src) !== undefined;
}

export function estimateTree(e: Expr, src: Source): FilterEstimate {
  if (src.rowCount === 0) return { min: 0, expected: 0, max: 0, exact: true };
  if (e.kind === 'logic' || e.kind === 'not') {
    if (allIndexed(e, src)) {
      const c = resolveTree(e, src).count();
      return { min: c, expected: c, max: c, exact: true };
    }
  }
  const { min, max, expected } = tree(e, src).t;
  const clamped = Math.min(max, Math.max(min, expected));
  return { min, expected: clamped, max, exact: min === max };
}
