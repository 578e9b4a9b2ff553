/**
 * Milvus's `outputFields` in Quiver's terms. `*` means every field, vectors included (Quiver's `*` leaves
 * vectors out, so they are named too); `$meta` means every dynamic key; the primary key is always returned
 * anyway; any other name is a field or, in a dynamic collection, a dynamic key. With no list, query and get
 * return every field and search returns none, as in Milvus.
 */

import type { CollectionView } from './schema-meta.js';

export interface Projection {
  /** The list to hand the store. */
  fields: string[];
  /** Scalar fields to leave out of each row: fetched only because `$meta` needed Quiver's `*`. */
  drop: ReadonlySet<string>;
}

export function projection(
  view: CollectionView,
  requested: string[] | undefined,
  fallback: 'all' | 'none',
): Projection {
  const list = requested ?? (fallback === 'all' ? ['*'] : []);
  const named = new Set<string>();
  let star = false;
  let meta = false;
  for (const name of list) {
    if (name === '*') star = true;
    else if (name === '$meta') meta = true;
    else if (name !== view.primary.name) named.add(name);
  }
  if (star) {
    for (const v of view.vectors) named.add(v.name);
    return { fields: ['*', ...named], drop: new Set() };
  }
  if (meta && view.dynamic) {
    const drop = view.fields
      .filter((f) => !f.primary && f.quiver.type !== 'vector' && !named.has(f.name))
      .map((f) => f.name);
    return { fields: ['*', ...named], drop: new Set(drop) };
  }
  return { fields: [...named], drop: new Set() };
}

/** `row` without the dropped fields (the same object when there are none). */
export function applyDrop<T extends Record<string, unknown>>(row: T, drop: ReadonlySet<string>): T {
  if (drop.size === 0) return row;
  const out = { ...row };
  for (const name of drop) delete out[name];
  return out;
}
