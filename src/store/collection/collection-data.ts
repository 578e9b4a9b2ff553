/**
 * The in-memory state of one open collection: its sealed segments, the frozen segments waiting to be
 * sealed, the growing segment, and the primary-key map that says where each live row is. `apply` is the
 * single place a WAL entry changes that state, for live writes and for replay alike. It is synchronous, so
 * a search (also synchronous per query) never sees half of a batch.
 */

import type { PrimaryKey, WalEntry } from '../schema/batch.js';
import type { ResolvedSchema } from '../schema/validate-schema.js';
import { GrowingSegment } from '../segment/growing-segment.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import type { Segment } from '../segment/segment.js';
import type { SegmentSource } from '../segment/segment-builder.js';

export interface RowLocation {
  segment: Segment;
  row: number;
}

export class CollectionData {
  readonly schema: ResolvedSchema;
  sealed: SealedSegment[] = [];
  /** Frozen growing segments, oldest first, that a background task is sealing. Still searched. */
  sealing: GrowingSegment[] = [];
  growing: GrowingSegment;
  readonly keys = new Map<PrimaryKey, RowLocation>();
  /** The last WAL sequence number applied. */
  lastLsn: number;
  /** The highest auto-assigned id seen, so ids are never reused. */
  maxAutoId = 0;

  constructor(schema: ResolvedSchema, growingId: number, lastLsn: number) {
    this.schema = schema;
    this.growing = new GrowingSegment(growingId, schema);
    this.lastLsn = lastLsn;
  }

  /** Every segment, in a stable order: sealed by id, then sealing, then growing. */
  segments(): Segment[] {
    return [...this.sealed, ...this.sealing, this.growing];
  }

  get liveRows(): number {
    return this.keys.size;
  }

  /** Indexes the live rows of a segment loaded from disk. A key seen twice keeps its newest row. */
  indexSegment(segment: Segment): number {
    let duplicates = 0;
    for (let row = 0; row < segment.rowCount; row++) {
      if (segment.deleted.has(row)) continue;
      const pk = segment.pk(row);
      const prev = this.keys.get(pk);
      if (prev) {
        prev.segment.markDeleted(prev.row);
        duplicates++;
      }
      this.keys.set(pk, { segment, row });
      if (this.schema.primary.autoId && (pk as number) > this.maxAutoId) this.maxAutoId = pk as number;
    }
    return duplicates;
  }

  apply(entry: WalEntry, lsn: number): void {
    if (entry.op === 'delete') {
      for (const pk of entry.pks) this.remove(pk);
    } else {
      const { batch } = entry;
      if (entry.op === 'upsert') for (const pk of batch.pks) this.remove(pk);
      const first = this.growing.append(batch);
      for (let i = 0; i < batch.pks.length; i++) {
        const pk = batch.pks[i]!;
        this.keys.set(pk, { segment: this.growing, row: first + i });
        if (this.schema.primary.autoId && (pk as number) > this.maxAutoId) this.maxAutoId = pk as number;
      }
    }
    this.lastLsn = lsn;
    this.growing.lastLsn = lsn;
  }

  private remove(pk: PrimaryKey): void {
    const at = this.keys.get(pk);
    if (!at) return;
    at.segment.markDeleted(at.row);
    this.keys.delete(pk);
  }

  /** Freezes the growing segment: it joins the sealing queue and a fresh one takes inserts. */
  freeze(nextId: number): GrowingSegment {
    const frozen = this.growing;
    this.sealing.push(frozen);
    this.growing = new GrowingSegment(nextId, this.schema);
    return frozen;
  }

  /**
   * Swaps compaction inputs for their output (undefined when nothing survived): deletes that arrived while the
   * output was built are carried over, `commit` persists the new segment list, and only then do the keys move
   * and the inputs go. Call it holding whatever lock serializes writes.
   */
  async replaceSealed(
    inputs: SealedSegment[],
    sources: SegmentSource[],
    output: SealedSegment | undefined,
    commit: (after: SealedSegment[]) => Promise<void>,
  ): Promise<void> {
    if (output) {
      let offset = 0;
      for (const { segment, rows } of sources) {
        for (let i = 0; i < rows.length; i++) if (segment.deleted.has(rows[i]!)) output.markDeleted(offset + i);
        offset += rows.length;
      }
    }
    const after = this.sealed.filter((s) => !inputs.includes(s));
    if (output) after.push(output);
    await commit(after);
    if (output) {
      let offset = 0;
      for (const { segment, rows } of sources) {
        this.relocate(segment, rows, output, offset);
        offset += rows.length;
      }
    }
    this.sealed = after;
    for (const s of inputs) s.dispose();
  }

  /**
   * Points the keys of `from`'s live rows at their rows in `to`. `rows[i]` is the source row that became
   * row i of `to`. Only rows of `from` are visited, so the cost follows the segment, not the collection.
   */
  relocate(from: Segment, rows: Uint32Array, to: Segment, offset: number): void {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (from.deleted.has(row)) continue;
      const pk = from.pk(row);
      const at = this.keys.get(pk);
      if (at && at.segment === from && at.row === row) this.keys.set(pk, { segment: to, row: offset + i });
    }
  }
}
