/**
 * The embedded MetaStore: the whole key map lives in memory and every mutation rewrites one snapshot
 * object through an ObjectStore `put`, so its atomicity is the store's (temp file + fsync + rename). A
 * mutation is planned, made durable, and only then applied in memory: readers never see a write that is
 * not on disk, and a failed write leaves memory exactly as it was. Mutations run one at a time.
 */

import { isQuiverError, QuiverError } from '../../errors.js';
import { Mutex } from '../util/mutex.js';
import { decodeMetaSnapshot, encodeMetaSnapshot } from './meta-snapshot.js';
import { type MetaPlan, MetaState, validateKey, validateValue } from './meta-state.js';
import type { MetaCompare, MetaEntry, MetaOp, MetaStore, MetaTxnResult } from './meta-store.js';
import type { ObjectStore } from './object-store.js';

export class FileMetaStore implements MetaStore {
  private readonly mutex = new Mutex();
  private closed = false;

  private constructor(
    private readonly objects: ObjectStore,
    private readonly key: string,
    private readonly state: MetaState,
  ) {}

  /**
   * Loads the snapshot at `key` (an empty store when absent). Throws CORRUPT naming the file when it fails
   * its checks, UNSUPPORTED_FORMAT when a newer build wrote it. The ObjectStore stays the caller's: close()
   * does not close it.
   * @example
   * const meta = await FileMetaStore.open(new LocalObjectStore(dir));
   */
  static async open(objects: ObjectStore, key = 'meta.json'): Promise<FileMetaStore> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await objects.get(key);
    } catch (err) {
      if (!isQuiverError(err, 'NOT_FOUND')) throw err;
    }
    const state =
      bytes === undefined
        ? new MetaState()
        : (() => {
            const snap = decodeMetaSnapshot(bytes, objects.locate(key));
            return MetaState.from(snap.revision, snap.entries);
          })();
    return new FileMetaStore(objects, key, state);
  }

  /** Where the snapshot lives, as the ObjectStore locates it. */
  get file(): string {
    return this.objects.locate(this.key);
  }

  async get(key: string): Promise<MetaEntry | undefined> {
    this.checkOpen();
    return this.state.get(key);
  }

  async list(prefix: string): Promise<MetaEntry[]> {
    this.checkOpen();
    return this.state.list(prefix);
  }

  async revision(): Promise<number> {
    this.checkOpen();
    return this.state.revision;
  }

  async put(key: string, value: string): Promise<number> {
    validateKey(key);
    validateValue(value);
    return (await this.mutate([], [{ type: 'put', key, value }])).result.revision;
  }

  async delete(key: string): Promise<boolean> {
    validateKey(key);
    return (await this.mutate([], [{ type: 'delete', key }])).writes.size > 0;
  }

  async txn(compares: MetaCompare[], ops: MetaOp[]): Promise<MetaTxnResult> {
    return (await this.mutate(compares, ops)).result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued mutations finish first; anything queued after this sees CLOSED.
    await this.mutex.run(async () => {
      this.closed = true;
    });
  }

  private async mutate(compares: MetaCompare[], ops: MetaOp[]): Promise<MetaPlan> {
    this.checkOpen();
    return this.mutex.run(async () => {
      this.checkOpen();
      const plan = this.state.plan(compares, ops);
      if (plan.writes.size === 0) return plan;
      const bytes = encodeMetaSnapshot(plan.result.revision, this.state.entriesAfter(plan));
      await this.objects.put(this.key, bytes);
      this.state.commit(plan);
      return plan;
    });
  }

  private checkOpen(): void {
    if (this.closed) throw new QuiverError('CLOSED', `meta store ${this.file} is closed`, { file: this.file });
  }
}
