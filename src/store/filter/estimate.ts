/**
 * Estimates how many rows a filter matches without resolving it, for the planner: exact counts for leaves a
 * scalar index answers (a lookup length or two binary searches), a sample of up to 256 evenly spaced rows for
 * the rest, combined under independence with sound min/max bounds.
 */

import type { Expr } from './ast.js';
import { compilePredicate } from './evaluate.js';
import { indexedLeaf, type Source } from './index-leaf.js';

export interface FilterEstimate {
  min: number;
  expected: number;
  max: number;
  /** True when every number is an exact count. */
  exact: boolean;
}

const SAMPLE = 256;

function leafEstimate(e: Expr, src: Source): FilterEstimate {
  const n = src.rowCount;
  const leaf = indexedLeaf(e, src);
  if (leaf && !leaf.complement) {
    const c = leaf.count();
    return { min: c, expected: c, max: c, exact: true };
  }
  if (leaf?.complement) {
    const c = leaf.count();
    return { min: 0, expected: Math.max(0, n - c), max: n - c, exact: false };
  }
  const p = compilePredicate(e, src);
  if (n <= SAMPLE) {
    let c = 0;
    for (let row = 0; row < n; row++) if (p(row) === true) c++;
    return { min: c, expected: c, max: c, exact: true };
  }
  let hits = 0;
  const step = n / SAMPLE;
  for (let i = 0; i < SAMPLE; i++) if (p(Math.floor(i * step)) === true) hits++;
  return { min: 0, expected: (hits / SAMPLE) * n, max: n, exact: false };
}

export function estimateTree(e: Expr, src: Source): FilterEstimate {
  const n = src.rowCount;
  if (n === 0) return { min: 0, expected: 0, max: 0, exact: true };
  if (e.kind === 'logic') {
    const a = estimateTree(e.left, src);
    const b = estimateTree(e.right, src);
    if (e.op === 'and') {
      return {
        min: Math.max(0, a.min + b.min - n),
        expected: (a.expected * b.expected) / n,
        max: Math.min(a.max, b.max),
        exact: false,
      };
    }
    return {
      min: Math.max(a.min, b.min),
      expected: n - ((n - a.expected) * (n - b.expected)) / n,
      max: Math.min(n, a.max + b.max),
      exact: false,
    };
  }
  if (e.kind === 'not') {
    const a = estimateTree(e.operand, src);
    // Rows where the operand is UNKNOWN match neither side, so the complement is an upper bound.
    return { min: 0, expected: n - a.expected, max: n - a.min, exact: false };
  }
  return leafEstimate(e, src);
}
