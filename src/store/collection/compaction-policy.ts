/**
 * Decides what background compaction should do next, as a pure function of segment sizes. Two rules:
 * - vacuum: a segment whose deleted share passes `deletedRatio` is rewritten without its dead rows;
 * - merge: small segments of a similar size (the same tier, by powers of `mergeFactor`) are merged once
 *   `mergeFactor` of them exist, LSM-style, so total rebuild work stays O(n log n) as data grows.
 * A merged segment never passes `maxSegmentRows` live rows. `major` merges everything that fits.
 */

export interface CompactionPolicyOptions {
  maxSegmentRows: number;
  deletedRatio: number;
  mergeFactor: number;
}

export interface SegmentStats {
  id: number;
  rows: number;
  deleted: number;
}

export type CompactionReason = 'vacuum' | 'merge' | 'major';

export interface CompactionTask {
  segments: number[];
  reason: CompactionReason;
}

const live = (s: SegmentStats) => s.rows - s.deleted;

function tier(rows: number, factor: number, base: number): number {
  return rows <= base ? 0 : Math.floor(Math.log(rows / base) / Math.log(factor)) + 1;
}

export function planCompaction(
  segments: readonly SegmentStats[],
  options: CompactionPolicyOptions,
  baseRows: number,
  major = false,
): CompactionTask | undefined {
  if (major) {
    const group: number[] = [];
    let total = 0;
    for (const s of [...segments].sort((a, b) => a.id - b.id)) {
      if (live(s) >= options.maxSegmentRows && s.deleted === 0) continue;
      if (total + live(s) > options.maxSegmentRows && group.length > 0) break;
      group.push(s.id);
      total += live(s);
    }
    const worth = group.length > 1 || (group.length === 1 && segments.find((s) => s.id === group[0])!.deleted > 0);
    return worth ? { segments: group, reason: 'major' } : undefined;
  }
  const dirty = segments.find((s) => s.rows > 0 && s.deleted / s.rows >= options.deletedRatio);
  if (dirty) return { segments: [dirty.id], reason: 'vacuum' };
  const tiers = new Map<number, SegmentStats[]>();
  for (const s of segments) {
    if (live(s) * 2 > options.maxSegmentRows) continue;
    const t = tier(live(s), options.mergeFactor, baseRows);
    tiers.set(t, [...(tiers.get(t) ?? []), s]);
  }
  for (const t of [...tiers.keys()].sort((a, b) => a - b)) {
    const group = tiers.get(t)!.sort((a, b) => a.id - b.id);
    if (group.length < options.mergeFactor) continue;
    const picked: number[] = [];
    let total = 0;
    for (const s of group) {
      if (total + live(s) > options.maxSegmentRows) break;
      picked.push(s.id);
      total += live(s);
      if (picked.length === options.mergeFactor) break;
    }
    if (picked.length > 1) return { segments: picked, reason: 'merge' };
  }
  return undefined;
}
