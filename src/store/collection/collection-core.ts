/**
 * The engine room of one open collection: the durable write path (validate, WAL append with fsync, apply),
 * the background maintenance (a seal loop and a compaction loop), manifest commits, and recovery on
 * open (load sealed segments and their tombstones, replay the WAL past the checkpoint). The public
 * Collection class is a thin, typed facade over it.
 *
 * Ordering rules that keep acknowledged writes safe:
 * - a write is applied in memory only after its WAL record is durable, and acknowledged after that;
 * - a segment file is durable before the manifest that names it; a manifest is durable before the WAL
 *   files it makes redundant, or the segment files it replaces, are removed;
 * - every manifest write persists all tombstones of the segments it lists, so `checkpoint` never claims a
 *   delete that only the WAL holds.
 */

import { EventEmitter } from 'node:events';
import { QuiverError } from '../../errors.js';
import type { WalEntry } from '../schema/batch.js';
import { decodeEntry, encodeEntry } from '../schema/entry-codec.js';
import { type ResolvedSchema, resolveSchema } from '../schema/validate-schema.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import { buildSealedSegment } from '../segment/segment-builder.js';
import { encodeSegment, moveVectorsToFile } from '../segment/segment-codec.js';
import type { MetaStore } from '../storage/meta-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { Mutex } from '../util/mutex.js';
import { readWal } from '../wal/wal-reader.js';
import { WalWriter } from '../wal/wal-writer.js';
import { CollectionData } from './collection-data.js';
import { compactionStats, runCompaction } from './compaction.js';
import { planCompaction } from './compaction-policy.js';
import { IdleSealTimer } from './idle-seal.js';
import { type Manifest, manifestKey, parseManifest, segmentKey, walPrefix } from './manifest.js';
import { type AddedSegment, ManifestLog } from './manifest-log.js';
import type { CollectionOptions } from './options.js';
import { loadSealedSegments, removeOrphans } from './recovery.js';

export interface OpenReport {
  segments: number;
  replayedEntries: number;
  tornWal?: { file: string; offset: number; bytes: number };
  duplicateKeysRepaired: number;
  orphansRemoved: number;
}

/** Frozen segments allowed to wait for sealing before writers are held back. */
const MAX_SEALING = 4;
const allRows = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class CollectionCore {
  readonly name: string;
  readonly schema: ResolvedSchema;
  readonly options: CollectionOptions;
  readonly objects: ObjectStore;
  readonly meta: MetaStore;
  readonly data: CollectionData;
  readonly writes = new Mutex();
  /** Serializes seals. */
  private readonly seals = new Mutex();
  /** Serializes compactions, background or requested. Seals go on beside a compaction. */
  private readonly compactions = new Mutex();
  private readonly log: ManifestLog;
  private nextSegmentId: number;
  private wal!: WalWriter;
  private closed = false;
  private failure: Error | undefined;
  private sealLoop: Promise<void> | undefined;
  private compactLoop: Promise<void> | undefined;
  /** Set by kick(): the compaction loop looks again before it stops. */
  private compactAgain = false;
  private readonly abort = new AbortController();
  backgroundError: Error | undefined;
  /** Emits 'sealed' after each seal, so throttled writers can go on. */
  private readonly sealed = new EventEmitter();
  private sealingNow = false;
  private compactingNow = false;
  private readonly idleSeal: IdleSealTimer;

  /** What maintenance is doing right now (compaction first when both run). */
  get activity(): 'idle' | 'sealing' | 'compacting' {
    return this.compactingNow ? 'compacting' : this.sealingNow ? 'sealing' : 'idle';
  }
  report!: OpenReport;

  /** The manifest as last committed. */
  get manifest(): Manifest {
    return this.log.manifest;
  }

  private constructor(
    name: string,
    manifest: Manifest,
    revision: number,
    objects: ObjectStore,
    meta: MetaStore,
    options: CollectionOptions,
  ) {
    this.name = name;
    this.log = new ManifestLog(objects, meta, manifest, revision, (m: string) => options.onWarning(m));
    this.objects = objects;
    this.meta = meta;
    this.options = options;
    this.schema = resolveSchema(manifest.schema);
    this.data = new CollectionData(this.schema, manifest.nextSegmentId, manifest.checkpoint);
    this.data.maxAutoId = manifest.nextAutoId - 1;
    this.nextSegmentId = manifest.nextSegmentId + 1;
    this.idleSeal = new IdleSealTimer(options.sealIdleMs, () => void this.sealIdle());
  }

  static async open(
    name: string,
    objects: ObjectStore,
    meta: MetaStore,
    options: CollectionOptions,
  ): Promise<CollectionCore> {
    const entry = await meta.get(manifestKey(name));
    if (!entry)
      throw new QuiverError('COLLECTION_NOT_FOUND', `collection "${name}" does not exist`, { collection: name });
    const manifest = parseManifest(entry.value, `collection "${name}"`);
    const core = new CollectionCore(name, manifest, entry.modRevision, objects, meta, options);
    await core.recover();
    return core;
  }

  private async recover(): Promise<void> {
    const report: OpenReport = { segments: 0, replayedEntries: 0, duplicateKeysRepaired: 0, orphansRemoved: 0 };
    for await (const segment of loadSealedSegments(this.manifest, this.objects, this.schema)) {
      this.data.sealed.push(segment);
      report.duplicateKeysRepaired += this.data.indexSegment(segment);
      report.segments++;
    }
    // The reader verifies every record and that LSNs run on from the checkpoint without a gap.
    const replay = await readWal(
      this.objects,
      walPrefix(this.manifest),
      { afterLsn: this.manifest.checkpoint },
      (lsn, payload) => {
        this.data.apply(decodeEntry(payload), lsn);
        report.replayedEntries++;
        if (this.data.growing.rowCount >= this.options.growingRows) this.data.freeze(this.nextSegmentId++);
      },
    );
    if (replay.torn) {
      report.tornWal = replay.torn;
      this.options.onWarning(`collection "${this.name}": truncated a torn WAL record left by a crash`, replay.torn);
    }
    this.wal = await WalWriter.open(this.objects, walPrefix(this.manifest), this.data.lastLsn + 1);
    report.orphansRemoved = await removeOrphans(this.manifest, this.objects);
    this.report = report;
    this.kick();
    this.idleSeal.touch();
  }

  assertWritable(): void {
    if (this.closed) throw new QuiverError('CLOSED', `collection "${this.name}" is closed`);
    if (this.failure) {
      throw new QuiverError(
        'IO_ERROR',
        `collection "${this.name}" stopped accepting writes after a WAL failure; reopen it`,
        {},
        {
          cause: this.failure,
        },
      );
    }
  }

  assertOpen(): void {
    if (this.closed) throw new QuiverError('CLOSED', `collection "${this.name}" is closed`);
  }

  /**
   * Runs one write under the collection's write lock: `prepare` validates against the current state and
   * returns the entry; it is made durable in the WAL, applied, and its LSN returned.
   */
  async write<T>(prepare: () => { entry: WalEntry; result: T } | undefined): Promise<T | undefined> {
    await this.throttle();
    return this.writes.run(async () => {
      this.assertWritable();
      const prepared = prepare();
      if (!prepared) return undefined;
      let lsn: number;
      try {
        lsn = await this.wal.append(encodeEntry(prepared.entry));
      } catch (err) {
        this.failure = err as Error;
        throw err;
      }
      this.data.apply(prepared.entry, lsn);
      if (this.data.growing.rowCount >= this.options.growingRows) await this.freezeLocked();
      this.idleSeal.touch();
      return prepared.result;
    });
  }

  /**
   * Backpressure: while MAX_SEALING frozen segments wait to be sealed, writers wait for a seal to finish,
   * so memory stays bounded when writes outpace index building. (Outside the write lock: a seal's commit
   * needs that lock.)
   */
  private async throttle(): Promise<void> {
    while (this.data.sealing.length >= MAX_SEALING && !this.closed && !this.backgroundError) {
      this.kick();
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          this.sealed.off('sealed', done);
          resolve();
        }, 1000);
        this.sealed.once('sealed', done);
      });
    }
  }

  /** Assigns `n` fresh auto ids. Call only inside `write`'s prepare. */
  assignIds(n: number): number[] {
    const first = this.data.maxAutoId + 1;
    return Array.from({ length: n }, (_, i) => first + i);
  }

  private async freezeLocked(): Promise<void> {
    this.data.freeze(this.nextSegmentId++);
    await this.wal.rotate();
    this.kick();
  }

  /** The idle timer fired: seal the growing segment if it is big enough to be worth an index. */
  private async sealIdle(): Promise<void> {
    try {
      await this.writes.run(async () => {
        if (this.closed || this.failure || this.data.growing.rowCount < this.options.sealIdleMinRows) return;
        await this.freezeLocked();
      });
    } catch (err) {
      this.options.onWarning(`collection "${this.name}": sealing an idle growing segment failed`, {
        error: String(err),
      });
    }
  }

  /** Starts the seal loop and the compaction loop unless they run; a running compaction loop looks again. */
  kick(): void {
    if (this.closed) return;
    if (!this.sealLoop && this.data.sealing.length > 0) {
      this.sealLoop = this.loop(() => this.sealStep()).finally(() => {
        this.sealLoop = undefined;
        if (!this.closed && this.data.sealing.length > 0 && !this.backgroundError) this.kick();
      });
    }
    if (!this.options.autoCompact) return;
    this.compactAgain = true;
    if (!this.compactLoop) {
      this.compactLoop = this.loop(() => this.compactStep()).finally(() => {
        this.compactLoop = undefined;
      });
    }
  }

  /**
   * Runs `step` until it reports nothing left to do. A failing step is retried with backoff; after three
   * failures in a row the loop stops and keeps the error (flush() reports it), and the next write or flush
   * starts it again.
   */
  private async loop(step: () => Promise<boolean>): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        if (!(await step())) return;
        failures = 0;
        this.backgroundError = undefined;
      } catch (err) {
        if (this.closed) return;
        this.backgroundError = err as Error;
        this.options.onWarning(`collection "${this.name}": background task failed: ${(err as Error).message}`);
        if (++failures >= 3) return;
        await sleep(100 * 4 ** failures);
      }
    }
  }

  private async sealStep(): Promise<boolean> {
    if (this.data.sealing.length === 0) return false;
    this.sealingNow = true;
    try {
      await this.seals.run(() => this.sealOldestTask());
    } finally {
      this.sealingNow = false;
    }
    this.sealed.emit('sealed');
    this.kick();
    return true;
  }

  private async compactStep(): Promise<boolean> {
    this.compactAgain = false;
    const compacted = await this.compactions.run(() => this.compactOnce(false));
    return compacted || this.compactAgain;
  }

  private async sealOldestTask(): Promise<void> {
    const frozen = this.data.sealing[0]!;
    const rows = allRows(frozen.rowCount);
    let segment = await buildSealedSegment(
      this.schema,
      frozen.id,
      [{ segment: frozen, rows, keepTombstones: true }],
      // With compaction on, HNSW graphs are left to it (index-target.ts): it extends a big segment's graph.
      { signal: this.abort.signal, interim: this.options.autoCompact },
    );
    try {
      const file = segmentKey(this.manifest, frozen.id);
      const bytes = await encodeSegment(segment, this.schema);
      await this.objects.put(file, bytes);
      segment = await moveVectorsToFile(segment, bytes, file, this.objects.localPath?.(file), this.schema);
      await this.writes.run(async () => {
        this.assertOpen();
        for (const row of frozen.deleted.toArray()) segment.markDeleted(row);
        const after = [...this.data.sealed, segment];
        await this.commit(
          after,
          (m) => {
            m.checkpoint = frozen.lastLsn;
          },
          { id: segment.id, file, bytes: bytes.length },
        );
        this.data.relocate(frozen, rows, segment, 0);
        this.data.sealed = after;
        this.data.sealing.shift();
      });
    } catch (err) {
      segment.dispose();
      throw err;
    }
    await this.wal.removeThrough(this.manifest.checkpoint);
  }

  /** Runs one compaction task if the policy finds one; resolves true when it did. Hold `compactions`. */
  private async compactOnce(major: boolean): Promise<boolean> {
    const stats = compactionStats(this.data.sealed, this.schema);
    const task = planCompaction(stats, this.options, this.options.growingRows, major);
    if (!task) return false;
    this.compactingNow = true;
    try {
      const id = this.nextSegmentId++;
      await runCompaction({
        schema: this.schema,
        data: this.data,
        objects: this.objects,
        task,
        id,
        file: segmentKey(this.manifest, id),
        build: { signal: this.abort.signal },
        locked: (fn) =>
          this.writes.run(async () => {
            this.assertOpen();
            await fn();
          }),
        commit: (after, added) => this.commit(after, () => {}, added),
      });
    } finally {
      this.compactingNow = false;
    }
    return true;
  }

  /** Commits a new manifest listing `segments` (see ManifestLog). Hold the write lock. */
  private async commit(segments: SealedSegment[], mutate: (m: Manifest) => void, added?: AddedSegment): Promise<void> {
    const counters = { nextSegmentId: this.nextSegmentId, nextAutoId: this.data.maxAutoId + 1 };
    await this.log.commit(segments, mutate, counters, added);
  }

  /** Updates manifest fields (partitions) under the write lock, without touching segments. */
  async updateManifest(mutate: (m: Manifest) => void): Promise<void> {
    await this.commit(this.data.sealed, mutate);
  }

  /** Seals everything written so far and persists all tombstones, so reopening replays nothing. */
  async flush(): Promise<void> {
    await this.writes.run(async () => {
      this.assertWritable();
      if (this.data.growing.rowCount > 0) await this.freezeLocked();
    });
    this.kick();
    await this.idle();
    if (this.backgroundError) throw this.backgroundError;
    await this.writes.run(async () => {
      this.assertWritable();
      const pending = this.data.sealing.length > 0 || this.data.growing.rowCount > 0;
      if (pending || this.data.lastLsn === this.manifest.checkpoint) return;
      await this.commit(this.data.sealed, (m) => {
        m.checkpoint = this.data.lastLsn;
      });
      await this.wal.rotate();
      await this.wal.removeThrough(this.manifest.checkpoint);
    });
  }

  /** Resolves when no background task is running. */
  async idle(): Promise<void> {
    while (this.sealLoop || this.compactLoop) await Promise.all([this.sealLoop, this.compactLoop]);
  }

  /** Runs compaction now; `major` merges every segment that fits under maxSegmentRows. */
  async compact(major: boolean): Promise<number> {
    await this.idle();
    let tasks = 0;
    while (!this.closed && (await this.compactions.run(() => this.compactOnce(major)))) tasks++;
    return tasks;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.idleSeal.stop();
    await this.writes.run(async () => {
      this.closed = true;
    });
    this.abort.abort();
    await Promise.all([this.sealLoop?.catch(() => {}), this.compactLoop?.catch(() => {})]);
    await this.wal.close();
    for (const s of this.data.sealed) s.dispose();
  }
}
