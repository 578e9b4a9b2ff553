/**
 * Resolves a bound filter to the bitset of rows where it is TRUE, using scalar indexes where they answer a
 * leaf and evaluating compiled predicates per row elsewhere. Three-valued logic is kept with a TRUE set and
 * a FALSE set per node: and → (T1∩T2, F1∪F2), or → (T1∪T2, F1∩F2), not → swap. Each set is computed only
 * inside a domain: `a and b` evaluates b only where a is TRUE, so an indexed, selective side makes an
 * unindexed side cheap; and no row outside the caller's candidates is ever evaluated.
 */

import { Bitset } from '../util/bitset.js';
import type { Expr } from './ast.js';
import { compilePredicate, type RowPredicate } from './evaluate.js';
import { indexedLeaf, nullTestField, type Source, valuedRows } from './index-leaf.js';

type Want = 'T' | 'F';

class Resolver {
  private readonly predicates = new Map<Expr, RowPredicate>();

  constructor(private readonly src: Source) {}

  /** The rows within `domain` (all rows when undefined) where `e` has truth value `want`. */
  set(e: Expr, want: Want, domain: Bitset | undefined): Bitset {
    if (domain?.isEmpty()) return new Bitset(this.src.rowCount);
    if (e.kind === 'not') return this.set(e.operand, want === 'T' ? 'F' : 'T', domain);
    if (e.kind === 'logic') {
      // and-TRUE and or-FALSE need both sides (the second only where the first holds); the others need either.
      const narrowing = (e.op === 'and') === (want === 'T');
      const [first, second] = this.cheapFirst(e.left, e.right);
      const a = this.set(first, want, domain);
      if (narrowing) return this.set(second, want, a);
      const rest = (domain ? domain.clone() : Bitset.full(this.src.rowCount)).andNot(a);
      return a.or(this.set(second, want, rest));
    }
    return this.leaf(e, want, domain);
  }

  private cheapFirst(a: Expr, b: Expr): [Expr, Expr] {
    const cheap = (e: Expr) => nullTestField(e) !== undefined || indexedLeaf(e, this.src) !== undefined;
    return !cheap(a) && cheap(b) ? [b, a] : [a, b];
  }

  private leaf(e: Expr, want: Want, domain: Bitset | undefined): Bitset {
    const nullField = nullTestField(e);
    if (nullField !== undefined && e.kind === 'isnull') {
      const valued = valuedRows(this.src, nullField).clone();
      // `is not null` is TRUE exactly where there is a value; `is null` is its complement; never UNKNOWN.
      const out = e.negated === (want === 'T') ? valued : valued.not();
      return domain ? out.and(domain) : out;
    }
    const leaf = indexedLeaf(e, this.src);
    if (!leaf) return this.scan(e, want, domain);
    const hits = leaf.hits();
    const out = leaf.complement === (want === 'F') ? hits : valuedRows(this.src, leaf.field).clone().andNot(hits);
    return domain ? out.and(domain) : out;
  }

  private scan(e: Expr, want: Want, domain: Bitset | undefined): Bitset {
    let p = this.predicates.get(e);
    if (!p) {
      p = compilePredicate(e, this.src);
      this.predicates.set(e, p);
    }
    const target = want === 'T';
    const n = this.src.rowCount;
    const out = new Bitset(n);
    if (!domain) {
      for (let row = 0; row < n; row++) if (p(row) === target) out.add(row);
      return out;
    }
    const words = domain.words;
    for (let w = 0; w < words.length; w++) {
      let bits = words[w]!;
      while (bits !== 0) {
        const low = bits & -bits;
        const row = (w << 5) + (31 - Math.clz32(low));
        bits ^= low;
        if (p(row) === target) out.add(row);
      }
    }
    return out;
  }
}

export function resolveTree(root: Expr, src: Source, candidates?: Bitset): Bitset {
  return new Resolver(src).set(root, 'T', candidates);
}
