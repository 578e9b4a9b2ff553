/**
 * The coordinator's state for one collection: every sealed segment (it needs the whole key map to turn deletes
 * into tombstones) plus the growing data it tails from the shared WAL, and the three jobs the leader runs on
 * them, each committed by compare-and-set on the manifest, exactly as the embedded store commits:
 *
 * - `seal`: freezes the growing rows, builds an indexed segment from them in a worker thread, writes it to S3,
 *   then commits a manifest that names it and moves the checkpoint to the last WAL sequence it holds;
 * - `compact`: rewrites segments whose deleted share passed the threshold, and merges small ones;
 * - `collect`: removes WAL entries and objects at or below the previous checkpoint (one seal of grace, so a
 *   query node one manifest behind can still follow), and orphaned WAL objects of lost commit races.
 *
 * A commit that loses its compare-and-set means another coordinator wrote the manifest: this state is stale and
 * the coordinator throws it away (CONFLICT).
 */

import { QuiverError } from '../errors.js';
import { CollectionData } from '../store/collection/collection-data.js';
import { compactionStats, runCompaction } from '../store/collection/compaction.js';
import { planCompaction } from '../store/collection/compaction-policy.js';
import { type Manifest, manifestKey, parseManifest, segmentKey } from '../store/collection/manifest.js';
import { type AddedSegment, ManifestLog } from '../store/collection/manifest-log.js';
import type { CollectionOptions } from '../store/collection/options.js';
import { decodeEntry } from '../store/schema/entry-codec.js';
import { type ResolvedSchema, resolveSchema } from '../store/schema/validate-schema.js';
import type { GrowingSegment } from '../store/segment/growing-segment.js';
import type { SealedSegment } from '../store/segment/sealed-segment.js';
import { buildSealedSegment } from '../store/segment/segment-builder.js';
import { encodeSegment } from '../store/segment/segment-codec.js';
import type { MetaStore } from '../store/storage/meta-store.js';
import type { ObjectStore } from '../store/storage/object-store.js';
import { Mutex } from '../store/util/mutex.js';
import { asClusterEntry, loadSegment } from './collection-view.js';
import { walRoot } from './keys.js';
import type { SegmentCache } from './segment-cache.js';
import { SharedWal } from './shared-wal.js';
import { WalFollower } from './wal-follower.js';

export interface SealerDeps {
  meta: MetaStore;
  objects: ObjectStore;
  cache: SegmentCache;
  options: CollectionOptions;
  log: (message: string) => void;
}

const allRows = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

export class Sealer {
  readonly name: string;
  readonly schema: ResolvedSchema;
  readonly data: CollectionData;
  /** Held while a WAL batch is applied and while a manifest commits, so a commit sees whole batches. */
  readonly #lock = new Mutex();
  readonly #log: ManifestLog;
  readonly #deps: SealerDeps;
  #follower: WalFollower | undefined;
  #nextSegmentId: number;
  /** When the last WAL batch arrived (ms). */
  lastEntryAt = Date.now();
  /** The checkpoint before the last seal: WAL at or below it may be collected. */
  #collectThrough: number;
  failed: unknown;

  private constructor(manifest: Manifest, revision: number, deps: SealerDeps) {
    this.name = manifest.name;
    this.#deps = deps;
    this.schema = resolveSchema(manifest.schema);
    this.data = new CollectionData(this.schema, manifest.nextSegmentId, manifest.checkpoint);
    this.#nextSegmentId = manifest.nextSegmentId + 1;
    this.#collectThrough = 0;
    this.#log = new ManifestLog(deps.objects, deps.meta, manifest, revision, deps.log);
  }

  get manifest(): Manifest {
    return this.#log.manifest;
  }

  static async open(name: string, deps: SealerDeps): Promise<Sealer> {
    const entry = await deps.meta.get(manifestKey(name));
    if (!entry) throw new QuiverError('COLLECTION_NOT_FOUND', `collection "${name}" does not exist`);
    const manifest = parseManifest(entry.value, entry.key);
    const sealer = new Sealer(manifest, entry.modRevision, deps);
    try {
      for (const e of manifest.segments) {
        const segment = await loadSegment(e, deps.cache, sealer.schema, (k) => deps.objects.locate(k));
        sealer.data.sealed.push(segment);
        sealer.data.indexSegment(segment);
      }
      const root = walRoot(name);
      sealer.#follower = await WalFollower.start({
        wal: new SharedWal({ meta: deps.meta, objects: deps.objects, root, dir: manifest.dir }),
        meta: deps.meta,
        root,
        afterSeq: manifest.checkpoint,
        apply: (seq, payload) =>
          sealer.#lock.run(async () => {
            sealer.data.apply(asClusterEntry(decodeEntry(payload)), seq);
            sealer.lastEntryAt = Date.now();
            if (sealer.data.growing.rowCount >= deps.options.growingRows) sealer.data.freeze(sealer.#nextSegmentId++);
          }),
        onError: (err) => {
          sealer.failed = err;
        },
      });
    } catch (err) {
      sealer.dispose();
      throw err;
    }
    return sealer;
  }

  /**
   * Seals every frozen segment (growing data is frozen as it reaches `growingRows`, while it is applied), then
   * the growing rows too when no write arrived for `idleMs`. Resolves with how many segments it sealed.
   */
  async maybeSeal(idleMs: number): Promise<number> {
    let sealed = 0;
    if (this.data.sealing.length === 0 && this.data.growing.rowCount > 0 && Date.now() - this.lastEntryAt >= idleMs) {
      await this.#lock.run(async () => {
        if (this.data.growing.rowCount > 0) this.data.freeze(this.#nextSegmentId++);
      });
    }
    while (this.data.sealing.length > 0 && !this.failed) {
      await this.seal();
      sealed++;
    }
    return sealed;
  }

  /** Seals the oldest frozen segment. */
  async seal(): Promise<void> {
    const frozen: GrowingSegment | undefined = this.data.sealing[0];
    if (!frozen) return;
    const rows = allRows(frozen.rowCount);
    const segment = await buildSealedSegment(this.schema, frozen.id, [{ segment: frozen, rows, keepTombstones: true }]);
    try {
      const file = segmentKey(this.manifest, frozen.id);
      const bytes = await encodeSegment(segment, this.schema);
      await this.#deps.objects.put(file, bytes);
      const previous = this.manifest.checkpoint;
      await this.#lock.run(async () => {
        for (const row of frozen.deleted.toArray()) segment.markDeleted(row);
        const after = [...this.data.sealed, segment];
        const checkpoint = (m: Manifest) => {
          m.checkpoint = frozen.lastLsn;
        };
        await this.#commit(after, checkpoint, { id: segment.id, file, bytes: bytes.length });
        this.data.relocate(frozen, rows, segment, 0);
        this.data.sealed = after;
        this.data.sealing.shift();
      });
      this.#collectThrough = previous;
    } catch (err) {
      segment.dispose();
      throw err;
    }
  }

  /**
   * Runs one compaction task if the policy finds one; resolves true when it did. The cluster keeps LSM tiers
   * (no extend or absorb rules): every rewrite of a big segment would make its query node load it again.
   */
  async compactOnce(): Promise<boolean> {
    const stats = compactionStats(this.data.sealed, this.schema);
    const task = planCompaction(stats, { ...this.#deps.options, extend: false }, this.#deps.options.growingRows);
    if (!task) return false;
    const id = this.#nextSegmentId++;
    await runCompaction({
      schema: this.schema,
      data: this.data,
      objects: this.#deps.objects,
      task,
      id,
      file: segmentKey(this.manifest, id),
      locked: (fn) => this.#lock.run(fn),
      commit: (after, added) => this.#commit(after, () => {}, added),
    });
    return true;
  }

  async #commit(segments: SealedSegment[], mutate: (m: Manifest) => void, added?: AddedSegment): Promise<void> {
    try {
      await this.#log.commit(
        segments,
        mutate,
        { nextSegmentId: this.#nextSegmentId, nextAutoId: this.data.maxAutoId + 1 },
        added,
      );
    } catch (err) {
      this.failed = err;
      throw err;
    }
  }

  /** Removes WAL entries and objects (committed or orphaned) at or below the checkpoint before the last seal. */
  async collect(): Promise<number> {
    const through = this.#collectThrough;
    if (through <= 0) return 0;
    const { meta, objects } = this.#deps;
    let removed = 0;
    const entries = (await meta.list(`${walRoot(this.name)}/entries/`)).filter(
      (e) => Number(e.key.split('/').pop()) <= through,
    );
    for (let i = 0; i < entries.length; i += 100) {
      const ops = entries.slice(i, i + 100).map((e) => ({ type: 'delete' as const, key: e.key }));
      await meta.txn([], ops);
      removed += ops.length;
    }
    for (const { key } of await objects.list(`${this.manifest.dir}/wal/`)) {
      const seq = Number(key.split('/').pop()!.split('-')[0]);
      if (Number.isSafeInteger(seq) && seq <= through) await objects.delete(key);
    }
    this.#collectThrough = 0;
    return removed;
  }

  async close(): Promise<void> {
    await this.#follower?.close();
    this.dispose();
  }

  private dispose(): void {
    for (const s of this.data.sealed) s.dispose();
  }
}
