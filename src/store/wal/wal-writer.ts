/**
 * The WAL writer: frames payloads into records (see record.ts), appends them to the current file with
 * ObjectStore.append (one write + fdatasync), and hands out consecutive LSNs. Appends are serialized, and
 * appends that arrive while a write is in flight are grouped into the next single write + fdatasync (group
 * commit), so N concurrent appenders cost about one sync, and N sequential ones about N syncs.
 *
 * If a write fails, the file may end in a partial record, so the writer refuses further appends: reopen
 * it after `readWal`, which cuts the torn tail off.
 */

import { QuiverError } from '../../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { Mutex } from '../util/mutex.js';
import { listWalFiles, validateLsn, validateWalPrefix, walFileKey } from './files.js';
import { encodeWalRecord, WAL_MAX_PAYLOAD_BYTES, walRecordSize } from './record.js';

export interface WalWriterOptions {
  /** Start a new file before a write would take the current one past this size. Default 64 MiB. */
  maxFileBytes?: number;
  /** Stop adding appends to a group-commit batch once it holds this many bytes. Default 8 MiB. */
  maxBatchBytes?: number;
}

interface Batch {
  payloads: Uint8Array[];
  bytes: number;
  /** Resolves with the LSN given to the batch's first payload. */
  done?: Promise<number>;
}

export class WalWriter {
  private readonly mutex = new Mutex();
  private readonly maxFileBytes: number;
  private readonly maxBatchBytes: number;
  private openBatch: Batch | undefined;
  private currentKey: string | undefined;
  private currentSize = 0;
  private next: number;
  private failure: QuiverError | undefined;
  private closed = false;

  private constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
    nextLsn: number,
    options: WalWriterOptions,
  ) {
    this.next = nextLsn;
    this.maxFileBytes = options.maxFileBytes ?? 64 * 1024 * 1024;
    this.maxBatchBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
  }

  /**
   * Opens a writer whose first record gets `nextLsn` (take it from `readWal(...).nextLsn`). Records go to a
   * new file named for that LSN, created on the first append. Throws INVALID_ARGUMENT when the WAL already
   * holds a file at or past `nextLsn` that is not empty.
   */
  static async open(
    store: ObjectStore,
    prefix: string,
    nextLsn: number,
    options: WalWriterOptions = {},
  ): Promise<WalWriter> {
    validateWalPrefix(prefix);
    validateLsn(nextLsn, 'nextLsn', 1);
    const files = await listWalFiles(store, prefix);
    const last = files[files.length - 1];
    if (last !== undefined && (last.firstLsn > nextLsn || (last.firstLsn === nextLsn && last.size > 0))) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `WAL ${store.locate(last.key)} already holds LSN ${last.firstLsn} or later; cannot continue at ${nextLsn}`,
        { file: store.locate(last.key), expected: last.firstLsn, received: nextLsn },
      );
    }
    return new WalWriter(store, prefix, nextLsn, options);
  }

  /** The LSN the next appended record will get. */
  get nextLsn(): number {
    return this.next;
  }

  /** Appends one record; resolves with its LSN once it is durable. */
  async append(payload: Uint8Array): Promise<number> {
    return (await this.appendMany([payload]))[0]!;
  }

  /**
   * Appends records with consecutive LSNs in one write; resolves once all are durable. Not atomic: a crash
   * mid-write can keep a prefix of them (the torn rest is cut off on replay).
   */
  async appendMany(payloads: Uint8Array[]): Promise<number[]> {
    this.checkUsable();
    for (const p of payloads) {
      if (!(p instanceof Uint8Array) || p.length > WAL_MAX_PAYLOAD_BYTES) {
        throw new QuiverError(
          'INVALID_ARGUMENT',
          `WAL payloads must be Uint8Arrays of at most ${WAL_MAX_PAYLOAD_BYTES} bytes`,
        );
      }
    }
    if (payloads.length === 0) return [];
    const batch = this.openBatch ?? this.startBatch();
    const start = batch.payloads.length;
    for (const p of payloads) {
      batch.payloads.push(p);
      batch.bytes += walRecordSize(p.length);
    }
    if (batch.bytes >= this.maxBatchBytes) this.openBatch = undefined;
    const first = (await batch.done!) + start;
    return payloads.map((_, i) => first + i);
  }

  /** Ends the current file: the next append starts a new one. */
  async rotate(): Promise<void> {
    this.checkUsable();
    this.openBatch = undefined; // appends after this call belong after the rotation
    await this.mutex.run(async () => {
      this.currentKey = undefined;
    });
  }

  /**
   * Deletes whole files all of whose records have LSN ≤ `lsn` (typically a checkpoint). A file's last LSN
   * is known from the next file's name, so the newest file and the file being written are always kept.
   * Resolves with the number of files removed.
   */
  async removeThrough(lsn: number): Promise<number> {
    this.checkUsable();
    validateLsn(lsn, 'lsn', 0);
    return this.mutex.run(async () => {
      const files = await listWalFiles(this.store, this.prefix);
      let removed = 0;
      for (let i = 0; i + 1 < files.length; i++) {
        const file = files[i]!;
        if (file.key === this.currentKey || files[i + 1]!.firstLsn - 1 > lsn) continue;
        await this.store.delete(file.key);
        removed++;
      }
      return removed;
    });
  }

  /** Waits for pending appends, then refuses new ones. Does not close the ObjectStore. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.openBatch = undefined;
    this.closed = true;
    await this.mutex.run(async () => undefined);
  }

  private startBatch(): Batch {
    const batch: Batch = { payloads: [], bytes: 0 };
    this.openBatch = batch;
    batch.done = this.mutex.run(async () => {
      if (this.openBatch === batch) this.openBatch = undefined;
      return this.write(batch);
    });
    return batch;
  }

  private async write(batch: Batch): Promise<number> {
    if (this.failure !== undefined) throw this.failure;
    if (this.currentKey === undefined || (this.currentSize > 0 && this.currentSize + batch.bytes > this.maxFileBytes)) {
      this.currentKey = walFileKey(this.prefix, this.next);
      this.currentSize = 0;
    }
    const first = this.next;
    const buf = new Uint8Array(batch.bytes);
    let off = 0;
    for (let i = 0; i < batch.payloads.length; i++) off = encodeWalRecord(first + i, batch.payloads[i]!, buf, off);
    try {
      await this.store.append(this.currentKey, buf);
    } catch (err) {
      const file = this.store.locate(this.currentKey);
      this.failure = new QuiverError(
        'IO_ERROR',
        `WAL append to ${file} failed; reopen the WAL to continue`,
        { file },
        {
          cause: err,
        },
      );
      throw err;
    }
    this.currentSize += buf.length;
    this.next = first + batch.payloads.length;
    return first;
  }

  private checkUsable(): void {
    if (this.closed) throw new QuiverError('CLOSED', `WAL writer for ${this.prefix} is closed`);
    if (this.failure !== undefined) throw this.failure;
  }
}
