/**
 * Resolves a bound filter to the bitset of rows where it is TRUE, using scalar indexes where they answer a
 * leaf and evaluating compiled predicates per row elsewhere. Three-valued logic is kept with a TRUE set and
 * a FALSE set per node: and → (T1∩T2, F1∪F2), or → (T1∪T2, F1∩F2), not → swap. Each set is computed only
 * inside a domain: `a and b` evaluates b only where a is TRUE, so an indexed, selective left side makes an
 * unindexed right side cheap.
 */

import { Bitset } from '../util/bitset.js';
import type { Expr } from './ast.js';
import { compilePredicate, type RowPredicate } from './evaluate.js';
import { indexedLeaf, nonNullRows, type Source } from './index-leaf.js';

type Want = 'T' | 'F';

class Resolver {
  private readonly predicates = new Map<Expr, RowPredicate>();
  private readonly nonNull = new Map<string, Bitset>();
  constructor(private readonly src: Source) {}

  private all(): Bitset {
    return Bitset.full(this.src.rowCount);
  }

  private within(set: Bitset, domain: Bitset | undefined): Bitset {
    return domain ? set.and(domain) : set;
  }

  set(e: Expr, want: Want, domain: Bitset | undefined): Bitset {
    if (domain?.isEmpty()) return new Bitset(this.src.rowCount);
    if (e.kind === 'not') return this.set(e.operand, want === 'T' ? 'F' : 'T', domain);
    if (e.kind === 'logic') {
      // For `and`, T needs both sides (the right one only where the left holds); F needs either.
      const narrowing = (e.op === 'and') === (want === 'T');
      const [first, second] = this.cheapFirst(e.left, e.right);
      const a = this.set(first, want, domain);
      if (narrowing) return this.set(second, want, a);
      const rest = (domain?.clone() ?? this.all()).andNot(a);
      return a.or(this.set(second, want, rest));
    }
    return this.leaf(e, want, domain);
  }

  private cheapFirst(a: Expr, b: Expr): [Expr, Expr] {
    const indexed = (e: Expr) => indexedLeaf(e, this.src) !== undefined;
    return !indexed(a) && indexed(b) ? [b, a] : [a, b];
  }

  private leaf(e: Expr, want: Want, domain: Bitset | undefined): Bitset {
    const n = this.src.rowCount;
    const leaf = indexedLeaf(e, this.src);
    if (leaf) {
      const hits = Bitset.fromIndices(n, leaf.rows());
      const positive = leaf.complement ? want === 'F' : want === 'T';
      if (positive) return this.within(hits, domain);
      return this.within(this.valued(leaf.field).andNot(hits), domain);
    }
    if (e.kind === 'isnull' && e.operand.kind === 'field' && e.operand.path.length === 0 && !e.operand.dynamic) {
      const valued = this.valued(e.operand.name);
      const isTrueWhenValued = e.negated;
      const out = isTrueWhenValued === (want === 'T') ? valued : valued.not();
      return this.within(out, domain);
    }
    return this.scan(e, want, domain);
  }

  private valued(field: string): Bitset {
    let v = this.nonNull.get(field);
    if (!v) {
      v = nonNullRows(this.src, field);
      this.nonNull.set(field, v);
    }
    return v.clone();
  }

  private scan(e: Expr, want: Want, domain: Bitset | undefined): Bitset {
    let p = this.predicates.get(e);
    if (!p) {
      p = compilePredicate(e, this.src);
      this.predicates.set(e, p);
    }
    const target = want === 'T';
    const out = new Bitset(this.src.rowCount);
    if (domain) {
      const rows = domain.toArray();
      for (let i = 0; i < rows.length; i++) if (p(rows[i]!) === target) out.add(rows[i]!);
    } else {
      for (let row = 0; row < this.src.rowCount; row++) if (p(row) === target) out.add(row);
    }
    return out;
  }
}

export function resolveTree(root: Expr, src: Source, candidates?: Bitset): Bitset {
  return new Resolver(src).set(root, 'T', candidates?.clone());
}
