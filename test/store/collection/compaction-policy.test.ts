/**
 * The compaction policy is a pure function of segment sizes and index state; each rule gets its own case,
 * including the order in which the rules apply and the limit no merged segment may pass.
 */

import { describe, expect, it } from 'vitest';
import { planCompaction, type SegmentStats } from '../../../src/store/collection/compaction-policy.js';

const options = { maxSegmentRows: 100, deletedRatio: 0.2, mergeFactor: 4 };
const hnsw = (id: number, rows: number, deleted = 0): SegmentStats => ({ id, rows, deleted, extendable: true });
const waiting = (id: number, rows: number): SegmentStats => ({ id, rows, deleted: 0, waiting: true });
const plain = (id: number, rows: number, deleted = 0): SegmentStats => ({ id, rows, deleted });

describe('planCompaction', () => {
  it('has nothing to do for one full segment, or none', () => {
    expect(planCompaction([], options, 10)).toBeUndefined();
    expect(planCompaction([hnsw(1, 100)], options, 10)).toBeUndefined();
    expect(planCompaction([hnsw(1, 60), plain(2, 80)], options, 10)).toBeUndefined();
  });

  it('vacuums a segment past the deleted ratio before anything else', () => {
    const task = planCompaction([hnsw(1, 50), waiting(2, 10), hnsw(3, 40, 8)], options, 10);
    expect(task).toEqual({ segments: [3], reason: 'vacuum' });
  });

  it('extends the biggest extendable segment with the waiting ones that fit, oldest first', () => {
    const segments = [hnsw(1, 30), hnsw(2, 60, 5), waiting(5, 20), waiting(3, 30), waiting(4, 10)];
    // Segment 2 is the biggest by live rows (55); its 60 rows, dead ones included, count toward the limit.
    expect(planCompaction(segments, options, 10)).toEqual({
      segments: [2, 3, 4],
      reason: 'extend',
      extendFirst: true,
    });
  });

  it('indexes waiting segments together when no segment can be extended', () => {
    expect(planCompaction([waiting(2, 40), waiting(1, 50), plain(3, 20)], options, 10)).toEqual({
      segments: [1, 2],
      reason: 'index',
    });
    // A full segment cannot take more rows; an oversized waiting segment is indexed on its own.
    expect(planCompaction([hnsw(1, 100), waiting(2, 120)], options, 10)).toEqual({
      segments: [2],
      reason: 'index',
    });
  });

  it('absorbs smaller segments into the biggest extendable one', () => {
    const task = planCompaction([hnsw(1, 50), plain(2, 30, 2), hnsw(3, 10), hnsw(4, 25)], options, 10);
    expect(task).toEqual({ segments: [1, 2, 3], reason: 'absorb', extendFirst: true });
  });

  it('merges a tier of similar segments that cannot be extended', () => {
    const segments = [plain(1, 10), plain(2, 9), plain(3, 10), plain(4, 8), plain(5, 40)];
    expect(planCompaction(segments, options, 10)).toEqual({ segments: [1, 2, 3, 4], reason: 'merge' });
    expect(planCompaction(segments.slice(1), options, 10)).toBeUndefined();
  });

  it('with extend off, keeps to vacuum, index and tier merges', () => {
    const off = { ...options, extend: false };
    expect(planCompaction([hnsw(1, 50), waiting(2, 10)], off, 10)).toEqual({ segments: [2], reason: 'index' });
    expect(planCompaction([hnsw(1, 50), hnsw(2, 10)], off, 10)).toBeUndefined();
    const tier = [hnsw(1, 10), hnsw(2, 10), hnsw(3, 10), hnsw(4, 10)];
    expect(planCompaction(tier, off, 10)).toEqual({ segments: [1, 2, 3, 4], reason: 'merge' });
  });

  it('major: merges all that fits, extending a tombstone-free base put first', () => {
    const segments = [plain(1, 20), hnsw(2, 40), waiting(3, 10), hnsw(4, 100)];
    expect(planCompaction(segments, options, 10, true)).toEqual({
      segments: [2, 1, 3],
      reason: 'major',
      extendFirst: true,
    });
    // A major compaction drops dead rows, so a base with tombstones is rebuilt instead.
    expect(planCompaction([hnsw(1, 40, 1), plain(2, 20)], options, 10, true)).toEqual({
      segments: [1, 2],
      reason: 'major',
    });
    expect(planCompaction([hnsw(1, 100)], options, 10, true)).toBeUndefined();
    expect(planCompaction([waiting(1, 30)], options, 10, true)).toEqual({ segments: [1], reason: 'major' });
  });
});
