/**
 * Decides what background compaction should do next, as a pure function of segment sizes and index state.
 * The rules, in order:
 * - vacuum: a segment whose deleted share passes `deletedRatio` is rewritten without its dead rows;
 * - extend: segments waiting for their HNSW graph (sealed with an interim FLAT index) are merged into the
 *   biggest extendable segment, whose graph takes just the new rows; with no such segment they get a graph
 *   of their own ("index"), so nothing waits for long;
 * - absorb: smaller segments are merged into the biggest extendable segment, so a collection settles into
 *   few, full segments and a search visits few graphs;
 * - merge: small segments of a similar size (the same tier, by powers of `mergeFactor`) are merged once
 *   `mergeFactor` of them exist, LSM-style; this covers segments that cannot be extended (IVF, tombstones).
 * A merged segment never passes `maxSegmentRows` live rows. `major` merges everything that fits. The first
 * segment of a task is the one to extend, when it can be (segment-builder.ts decides).
 */

export interface CompactionPolicyOptions {
  maxSegmentRows: number;
  deletedRatio: number;
  mergeFactor: number;
  /** Apply the extend and absorb rules (default true). Off, only vacuum and tier merges run. */
  extend?: boolean;
}

export interface SegmentStats {
  id: number;
  rows: number;
  deleted: number;
  /** Holds an interim FLAT index where its target is HNSW. */
  waiting?: boolean;
  /** Holds its HNSW graphs, so a merge can extend it (index-target.ts); its tombstones stay with it. */
  extendable?: boolean;
}

export type CompactionReason = 'vacuum' | 'extend' | 'index' | 'absorb' | 'merge' | 'major';

export interface CompactionTask {
  segments: number[];
  reason: CompactionReason;
  /** The first segment is taken whole, tombstones and all, so its graphs can be extended. */
  extendFirst?: boolean;
}

const live = (s: SegmentStats) => s.rows - s.deleted;
const byId = (a: SegmentStats, b: SegmentStats) => a.id - b.id;

function tier(rows: number, factor: number, base: number): number {
  return rows <= base ? 0 : Math.floor(Math.log(rows / base) / Math.log(factor)) + 1;
}

/** Takes segments in order while their live rows fit beside `start` under the limit. */
function fill(candidates: SegmentStats[], start: number, limit: number): number[] {
  const picked: number[] = [];
  let total = start;
  for (const s of candidates) {
    if (total + live(s) > limit) continue;
    picked.push(s.id);
    total += live(s);
  }
  return picked;
}

/** The biggest extendable segment with room left, if any. It is taken whole, so its dead rows count too. */
function extendTarget(segments: readonly SegmentStats[], limit: number): SegmentStats | undefined {
  return segments
    .filter((s) => s.extendable && !s.waiting && s.rows < limit)
    .sort((a, b) => live(b) - live(a) || a.id - b.id)[0];
}

function planMajor(segments: readonly SegmentStats[], limit: number): CompactionTask | undefined {
  const group: SegmentStats[] = [];
  let total = 0;
  for (const s of [...segments].sort(byId)) {
    if (live(s) >= limit && s.deleted === 0 && !s.waiting) continue;
    if (total + live(s) > limit && group.length > 0) break;
    group.push(s);
    total += live(s);
  }
  const worth = group.length > 1 || (group.length === 1 && (group[0]!.deleted > 0 || group[0]!.waiting));
  if (!worth) return undefined;
  // A major compaction drops every dead row, so it extends only a base that has none.
  const base = extendTarget(
    group.filter((s) => s.deleted === 0),
    Number.POSITIVE_INFINITY,
  );
  if (!base || group.length < 2) return { segments: group.map((s) => s.id), reason: 'major' };
  return {
    segments: [base.id, ...group.filter((s) => s !== base).map((s) => s.id)],
    reason: 'major',
    extendFirst: true,
  };
}

export function planCompaction(
  segments: readonly SegmentStats[],
  options: CompactionPolicyOptions,
  baseRows: number,
  major = false,
): CompactionTask | undefined {
  const limit = options.maxSegmentRows;
  if (major) return planMajor(segments, limit);
  const dirty = segments.find((s) => s.rows > 0 && s.deleted / s.rows >= options.deletedRatio);
  if (dirty) return { segments: [dirty.id], reason: 'vacuum' };

  const target = options.extend === false ? undefined : extendTarget(segments, limit);
  const waiting = segments.filter((s) => s.waiting).sort(byId);
  if (waiting.length > 0) {
    const into = target ? fill(waiting, target.rows, limit) : [];
    if (target && into.length > 0) return { segments: [target.id, ...into], reason: 'extend', extendFirst: true };
    const group = fill(waiting, 0, limit);
    return { segments: group.length > 0 ? group : [waiting[0]!.id], reason: 'index' };
  }
  if (target) {
    const smaller = segments.filter((s) => s !== target && live(s) <= live(target)).sort(byId);
    const into = fill(smaller, target.rows, limit);
    if (into.length > 0) return { segments: [target.id, ...into], reason: 'absorb', extendFirst: true };
  }

  const tiers = new Map<number, SegmentStats[]>();
  for (const s of segments) {
    if (live(s) * 2 > limit) continue;
    const t = tier(live(s), options.mergeFactor, baseRows);
    tiers.set(t, [...(tiers.get(t) ?? []), s]);
  }
  for (const t of [...tiers.keys()].sort((a, b) => a - b)) {
    const group = tiers.get(t)!.sort(byId);
    if (group.length < options.mergeFactor) continue;
    const picked: number[] = [];
    let total = 0;
    for (const s of group) {
      if (total + live(s) > limit) break;
      picked.push(s.id);
      total += live(s);
      if (picked.length === options.mergeFactor) break;
    }
    if (picked.length > 1) return { segments: picked, reason: 'merge' };
  }
  return undefined;
}
