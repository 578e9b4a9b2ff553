/**
 * Writes successive versions of one collection's manifest to the MetaStore. Each commit first persists the
 * tombstone snapshots of segments whose deletes changed, then swaps the manifest with a compare-and-set on
 * its modRevision, and only then removes the files the new version no longer names. Call it with the
 * collection's write lock held.
 */

import { QuiverError } from '../../errors.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import { encodeTombstones } from '../segment/segment-codec.js';
import type { MetaStore } from '../storage/meta-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { type Manifest, manifestKey, type SegmentEntry, tombstoneKey } from './manifest.js';

export interface AddedSegment {
  id: number;
  file: string;
  bytes: number;
}

export class ManifestLog {
  manifest: Manifest;
  private revision: number;

  constructor(
    private readonly objects: ObjectStore,
    private readonly meta: MetaStore,
    manifest: Manifest,
    revision: number,
    private readonly onWarning: (message: string) => void,
  ) {
    this.manifest = manifest;
    this.revision = revision;
  }

  async commit(
    segments: readonly SealedSegment[],
    mutate: (m: Manifest) => void,
    counters: { nextSegmentId: number; nextAutoId: number },
    added?: AddedSegment,
  ): Promise<void> {
    const prevManifest = this.manifest;
    const next: Manifest = structuredClone(prevManifest);
    next.version++;
    mutate(next);
    const obsolete: string[] = [];
    const entries: SegmentEntry[] = [];
    for (const segment of segments) {
      const prev = prevManifest.segments.find((e) => e.id === segment.id);
      const entry: SegmentEntry = prev
        ? { ...prev }
        : { id: segment.id, file: added!.file, rows: segment.rowCount, bytes: added!.bytes, deleted: 0 };
      if (segment.deletedCount !== entry.deleted) {
        const key = tombstoneKey(next, segment.id, next.version);
        await this.objects.put(key, await encodeTombstones(segment.deleted));
        if (entry.tombstones) obsolete.push(entry.tombstones);
        entry.tombstones = key;
        entry.deleted = segment.deletedCount;
      }
      entries.push(entry);
    }
    for (const e of prevManifest.segments) {
      if (segments.some((s) => s.id === e.id)) continue;
      obsolete.push(e.file);
      if (e.tombstones) obsolete.push(e.tombstones);
    }
    next.segments = entries;
    next.nextSegmentId = Math.max(next.nextSegmentId, counters.nextSegmentId);
    next.nextAutoId = Math.max(next.nextAutoId, counters.nextAutoId);
    const key = manifestKey(next.name);
    const result = await this.meta.txn(
      [{ key, modRevision: this.revision }],
      [{ type: 'put', key, value: JSON.stringify(next) }],
    );
    if (!result.succeeded) {
      throw new QuiverError('CONFLICT', `the manifest of "${next.name}" was changed by someone else; reopen the store`);
    }
    this.manifest = next;
    this.revision = result.revision;
    for (const k of obsolete) {
      await this.objects.delete(k).catch((err: Error) => this.onWarning(`could not remove ${k}: ${err.message}`));
    }
  }
}
