/**
 * Grouping ranked chunks by their source document, purely over the list it is given: `capPerDocument`
 * keeps at most n chunks of any one document (so one long document cannot fill every slot), and
 * `groupByDocument` gathers a ranking into documents for callers that show one entry per source.
 */

import { QuiverError } from '../errors.js';

/** Anything that belongs to a source document. */
export interface HasDocId {
  docId: string;
}

/**
 * The items in their given order, skipping any beyond the `max`-th of its document. `max` undefined keeps all.
 *
 * @example
 * capPerDocument([{ docId: 'a' }, { docId: 'a' }, { docId: 'b' }], 1); // [{ docId: 'a' }, { docId: 'b' }]
 */
export function capPerDocument<T extends HasDocId>(items: readonly T[], max?: number): T[] {
  if (max === undefined) return [...items];
  if (!Number.isInteger(max) || max < 1) {
    throw new QuiverError('INVALID_ARGUMENT', `maxChunksPerDocument must be an integer ≥ 1; got ${String(max)}`, {
      field: 'maxChunksPerDocument',
    });
  }
  const seen = new Map<string, number>();
  const out: T[] = [];
  for (const item of items) {
    const n = seen.get(item.docId) ?? 0;
    if (n >= max) continue;
    seen.set(item.docId, n + 1);
    out.push(item);
  }
  return out;
}

export interface DocumentGroup<T> {
  docId: string;
  /** The document's items in their ranked order. */
  items: T[];
}

/** Documents in the order of their best-ranked item, each with its items in ranked order. */
export function groupByDocument<T extends HasDocId>(items: readonly T[]): DocumentGroup<T>[] {
  const groups = new Map<string, DocumentGroup<T>>();
  for (const item of items) {
    let g = groups.get(item.docId);
    if (!g) {
      g = { docId: item.docId, items: [] };
      groups.set(item.docId, g);
    }
    g.items.push(item);
  }
  return [...groups.values()];
}
