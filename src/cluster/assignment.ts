/**
 * Which query node serves which sealed segment. `planAssignment` is pure: given a manifest's segments, the live
 * nodes and the current assignment, it keeps every segment on its live owner, gives each orphan (new, or owned by
 * a node whose lease expired) to the least-loaded live node by rows, and, when a node holds more than its share,
 * moves one segment per round toward the least-loaded one (a slow rebalance, so a joining node does not make
 * every other node drop segments at once). `applyAssignment` writes the difference in one transaction per 100 keys.
 */

import type { SegmentEntry } from '../store/collection/manifest.js';
import type { MetaStore } from '../store/storage/meta-store.js';
import { assignKey, assignPrefix } from './keys.js';

export interface AssignmentPlan {
  /** segment id → node id, for every segment of the manifest (empty when no node is live). */
  next: Map<number, string>;
  moved: number;
}

export function planAssignment(
  segments: readonly SegmentEntry[],
  nodes: readonly string[],
  current: ReadonlyMap<number, string>,
): AssignmentPlan {
  const next = new Map<number, string>();
  if (nodes.length === 0) return { next, moved: 0 };
  const live = new Set(nodes);
  const load = new Map(nodes.map((n) => [n, 0]));
  const rows = (s: SegmentEntry) => Math.max(1, s.rows - s.deleted);
  const orphans: SegmentEntry[] = [];
  for (const s of segments) {
    const owner = current.get(s.id);
    if (owner !== undefined && live.has(owner)) {
      next.set(s.id, owner);
      load.set(owner, load.get(owner)! + rows(s));
    } else orphans.push(s);
  }
  const lightest = () => [...load].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  let moved = 0;
  for (const s of [...orphans].sort((a, b) => rows(b) - rows(a) || a.id - b.id)) {
    const n = lightest();
    next.set(s.id, n);
    load.set(n, load.get(n)! + rows(s));
    moved++;
  }
  // One rebalancing move per round: the smallest segment of the heaviest node, if moving it narrows the gap.
  const sorted = [...load].sort((a, b) => b[1] - a[1]);
  const [heavy, heavyLoad] = sorted[0]!;
  const [light, lightLoad] = sorted[sorted.length - 1]!;
  const candidates = segments.filter((s) => next.get(s.id) === heavy).sort((a, b) => rows(a) - rows(b));
  const pick = candidates[0];
  if (pick && heavy !== light && heavyLoad - rows(pick) >= lightLoad + rows(pick)) {
    next.set(pick.id, light);
    moved++;
  }
  return { next, moved };
}

/** Reads a collection's assignment as segment id → node id. */
export async function readAssignment(meta: MetaStore, collection: string): Promise<Map<number, string>> {
  const prefix = assignPrefix(collection);
  const out = new Map<number, string>();
  for (const e of await meta.list(prefix)) out.set(Number(e.key.slice(prefix.length)), e.value);
  return out;
}

/** Writes the changes from `current` to `next` (and removes keys of segments no longer listed). */
export async function applyAssignment(
  meta: MetaStore,
  collection: string,
  current: ReadonlyMap<number, string>,
  next: ReadonlyMap<number, string>,
): Promise<number> {
  const ops: ({ type: 'put'; key: string; value: string } | { type: 'delete'; key: string })[] = [];
  for (const [id, node] of next)
    if (current.get(id) !== node) ops.push({ type: 'put', key: assignKey(collection, id), value: node });
  for (const id of current.keys()) if (!next.has(id)) ops.push({ type: 'delete', key: assignKey(collection, id) });
  for (let i = 0; i < ops.length; i += 100) await meta.txn([], ops.slice(i, i + 100));
  return ops.length;
}
