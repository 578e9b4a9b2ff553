/**
 * The cluster write-ahead log: object storage holds the log and the MetaStore (etcd) is the commit point, as in
 * Milvus 2.6's Woodpecker. Appending a batch takes two steps, and the batch counts as written only after both:
 *
 *   1. put the batch as an immutable object `<dir>/wal/<seq>-<uuid>.wal` and wait until it is durable;
 *   2. commit it in one MetaStore transaction: if `<root>/seq` is still the sequence read before, set it to
 *      seq + 1 and record `<root>/entries/<seq>` = { object, bytes, crc, committedAt }.
 *
 * Any number of writers (proxies) may append to one log: a writer that loses the compare-and-set reads the new
 * sequence and tries again with a new object, and the object of the lost attempt is deleted (or, if the writer
 * dies first, left for garbage collection: no entry names it). When the commit's outcome is unknown (the
 * MetaStore call failed after the request may have been applied), the writer keeps that attempt: it reads the
 * entry back, and retries the same commit while the sequence key has not moved (only one of the two can apply,
 * since both compare the same modRevision). So a batch is committed exactly once or not at all.
 * Readers follow the entries in sequence order and verify every object's checksum.
 */

import { randomUUID } from 'node:crypto';
import { isQuiverError, QuiverError } from '../errors.js';
import type { MetaStore } from '../store/storage/meta-store.js';
import type { ObjectStore } from '../store/storage/object-store.js';
import { crc32 } from '../store/util/checksum.js';
import { Mutex } from '../store/util/mutex.js';

export interface SharedWalOptions {
  meta: MetaStore;
  objects: ObjectStore;
  /** MetaStore key prefix of this log, e.g. `wal/<collection>`. */
  root: string;
  /** ObjectStore folder of this log's objects, e.g. `data/<collection>-<random>`. */
  dir: string;
  /** Most commit attempts per append before giving up with CONFLICT. Default 64. */
  maxAttempts?: number;
}

export interface WalEntryRecord {
  seq: number;
  /** Object key of the batch. */
  object: string;
  bytes: number;
  crc: number;
  /** When the commit happened, ms since the epoch (as the writer's clock saw it). */
  committedAt: number;
}

const pad = (n: number) => String(n).padStart(20, '0');

export class SharedWal {
  readonly #meta: MetaStore;
  readonly #objects: ObjectStore;
  readonly #root: string;
  readonly #dir: string;
  readonly #maxAttempts: number;
  /** Appends through one instance go one at a time: racing is for different writers, not one writer's calls. */
  readonly #lock = new Mutex();

  constructor(options: SharedWalOptions) {
    this.#meta = options.meta;
    this.#objects = options.objects;
    this.#root = options.root.replace(/\/+$/, '');
    this.#dir = options.dir.replace(/\/+$/, '');
    this.#maxAttempts = options.maxAttempts ?? 64;
  }

  get #seqKey(): string {
    return `${this.#root}/seq`;
  }

  #entryKey(seq: number): string {
    return `${this.#root}/entries/${pad(seq)}`;
  }

  /** The last committed sequence number (0 for an empty log). */
  async committed(): Promise<number> {
    const entry = await this.#meta.get(this.#seqKey);
    return entry ? parseSeq(entry.value, this.#seqKey) : 0;
  }

  /** Appends one batch; resolves with its sequence number once it is durable and committed. */
  append(payload: Uint8Array): Promise<number> {
    return this.#lock.run(() => this.#append(payload));
  }

  async #append(payload: Uint8Array): Promise<number> {
    const crc = crc32(payload);
    // An attempt whose commit outcome is unknown. Its compare names the sequence key's modRevision at the time, so
    // it can still apply only while that key has not moved; once it has, the attempt is dead for good.
    let pending: { seq: number; object: string; record: WalEntryRecord; revision: number } | undefined;
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      const current = await this.#meta.get(this.#seqKey);
      const revision = current?.modRevision ?? 0;
      if (pending) {
        if ((await this.#entry(pending.seq))?.object === pending.object) return pending.seq;
        if (revision !== pending.revision) {
          await this.#objects.delete(pending.object).catch(() => {});
          pending = undefined;
        }
      }
      if (!pending) {
        const seq = (current ? parseSeq(current.value, this.#seqKey) : 0) + 1;
        const object = `${this.#dir}/wal/${pad(seq)}-${randomUUID()}.wal`;
        await this.#objects.put(object, payload);
        pending = {
          seq,
          object,
          revision,
          record: { seq, object, bytes: payload.length, crc, committedAt: Date.now() },
        };
      }
      try {
        const result = await this.#meta.txn(
          [{ key: this.#seqKey, modRevision: pending.revision }],
          [
            { type: 'put', key: this.#seqKey, value: String(pending.seq) },
            { type: 'put', key: this.#entryKey(pending.seq), value: JSON.stringify(pending.record) },
          ],
        );
        if (result.succeeded) return pending.seq;
        // Another writer took this sequence number; this attempt is over, so its object is an orphan.
        await this.#objects.delete(pending.object).catch(() => {});
        pending = undefined;
        // A short random pause spreads writers that keep colliding.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * attempt)));
      } catch (err) {
        // Unknown outcome: keep the attempt; the next round reads back whether it was applied.
        if (!isQuiverError(err) || err.details.outcome !== 'unknown') throw err;
      }
    }
    throw new QuiverError(
      'CONFLICT',
      `the WAL at ${this.#root} kept moving: no commit in ${this.#maxAttempts} attempts`,
      {
        attempts: this.#maxAttempts,
      },
    );
  }

  /** The committed entries after `afterSeq`, in order, up to `limit`. */
  async entries(afterSeq = 0, limit = Number.POSITIVE_INFINITY): Promise<WalEntryRecord[]> {
    const out: WalEntryRecord[] = [];
    for (const e of await this.#meta.list(`${this.#root}/entries/`)) {
      const record = parseEntry(e.value, e.key);
      if (record.seq > afterSeq) out.push(record);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** One batch's bytes, checked against the checksum its entry recorded. */
  async read(entry: WalEntryRecord): Promise<Uint8Array> {
    const bytes = await this.#objects.get(entry.object);
    if (bytes.length !== entry.bytes || crc32(bytes) !== entry.crc) {
      throw new QuiverError('CORRUPT', `WAL object for sequence ${entry.seq} does not match its committed checksum`, {
        file: this.#objects.locate(entry.object),
        seq: entry.seq,
      });
    }
    return bytes;
  }

  /** Every committed batch after `afterSeq`, in sequence order. */
  async *replay(afterSeq = 0): AsyncGenerator<{ seq: number; payload: Uint8Array }> {
    let expected = afterSeq + 1;
    for (const entry of await this.entries(afterSeq)) {
      if (entry.seq !== expected) {
        throw new QuiverError('CORRUPT', `WAL at ${this.#root} has no entry for sequence ${expected}`, {
          seq: expected,
        });
      }
      yield { seq: entry.seq, payload: await this.read(entry) };
      expected += 1;
    }
  }

  async #entry(seq: number): Promise<WalEntryRecord | undefined> {
    const e = await this.#meta.get(this.#entryKey(seq));
    return e ? parseEntry(e.value, e.key) : undefined;
  }
}

function parseSeq(value: string, key: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new QuiverError('CORRUPT', `${key} holds ${JSON.stringify(value)}, not a sequence number`, { key });
  return n;
}

function parseEntry(value: string, key: string): WalEntryRecord {
  try {
    const r = JSON.parse(value) as WalEntryRecord;
    if (
      Number.isSafeInteger(r.seq) &&
      typeof r.object === 'string' &&
      Number.isSafeInteger(r.bytes) &&
      Number.isInteger(r.crc)
    ) {
      return r;
    }
  } catch {
    // reported below
  }
  throw new QuiverError('CORRUPT', `${key} is not a WAL entry`, { key });
}
