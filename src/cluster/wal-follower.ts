/**
 * Following a SharedWal, as a query node does for growing data: catch up on every committed batch after a
 * sequence number, then apply new ones as they are committed, each exactly once and in order. With a MetaStore
 * that can watch (etcd), new entries arrive through a prefix watch started at the revision read before catching
 * up, so nothing committed in between is missed; otherwise the entries are polled. Gaps (a watch event for a later
 * sequence than the next one) are filled from the log itself. `waitFor(seq)` is what a strong-consistency read
 * waits on: until this follower has applied everything up to a committed sequence number.
 */

import { QuiverError } from '../errors.js';
import type { MetaWatch, MetaWatchOptions } from '../store/storage/etcd-watch.js';
import type { MetaStore } from '../store/storage/meta-store.js';
import type { SharedWal } from './shared-wal.js';

/** A MetaStore that can also watch a prefix (EtcdMetaStore). */
interface WatchableMeta extends MetaStore {
  watch(prefix: string, options: MetaWatchOptions): Promise<MetaWatch>;
}

export interface WalFollowerOptions {
  wal: SharedWal;
  meta: MetaStore;
  /** The log's MetaStore prefix, as given to the SharedWal. */
  root: string;
  /** Batches up to this sequence number are already applied. Default 0. */
  afterSeq?: number;
  /** Applies one batch; called in sequence order, once per batch, never concurrently. */
  apply(seq: number, payload: Uint8Array): Promise<void>;
  /** Polling interval when the MetaStore cannot watch. Default 100 ms. */
  pollMs?: number;
  /** Called when following stops because of an error (a corrupt batch, a failed apply, a lost watch). */
  onError?(err: unknown): void;
}

const canWatch = (meta: MetaStore): meta is WatchableMeta =>
  typeof (meta as Partial<WatchableMeta>).watch === 'function';

export class WalFollower {
  readonly #o: WalFollowerOptions;
  #applied: number;
  #closed = false;
  #failed: unknown;
  #watch: MetaWatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** One catch-up at a time; a request that arrives meanwhile runs once after it. */
  #running: Promise<void> | undefined;
  #again = false;
  readonly #waiters = new Set<{ seq: number; resolve: () => void; reject: (e: unknown) => void }>();

  private constructor(options: WalFollowerOptions) {
    this.#o = options;
    this.#applied = options.afterSeq ?? 0;
  }

  /** Catches up, then keeps following until `close()`. */
  static async start(options: WalFollowerOptions): Promise<WalFollower> {
    const follower = new WalFollower(options);
    const { meta, root } = options;
    // The revision before catching up: a watch from the next one sees every commit the catch-up might miss.
    const revision = await meta.revision();
    await follower.#catchUp();
    if (canWatch(meta)) {
      follower.#watch = await meta.watch(`${root.replace(/\/+$/, '')}/entries/`, {
        fromRevision: revision + 1,
        onChange: () => follower.#kick(),
        onError: (err) => follower.#fail(err),
      });
      // Anything committed between the catch-up and the watch's start is in the watch's history; one more pass
      // covers the case where it all arrived before the watch and produced no event we saw.
      follower.#kick();
    } else {
      const poll = () => {
        if (follower.#closed) return;
        follower.#kick();
        follower.#timer = setTimeout(poll, options.pollMs ?? 100);
      };
      follower.#timer = setTimeout(poll, options.pollMs ?? 100);
    }
    return follower;
  }

  /** The highest sequence number applied. */
  get applied(): number {
    return this.#applied;
  }

  /** Resolves once every batch up to `seq` is applied; TIMEOUT after `timeoutMs`. */
  waitFor(seq: number, timeoutMs = 5_000): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#applied >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new QuiverError('TIMEOUT', `batches up to ${seq} were not applied within ${timeoutMs} ms`, {
            applied: this.#applied,
            wanted: seq,
          }),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
      this.#kick();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#watch?.close();
    await this.#running?.catch(() => {});
    this.#settle(new QuiverError('CLOSED', 'the WAL follower was closed'));
  }

  #kick(): void {
    if (this.#closed || this.#failed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#catchUp()
      .catch((err) => this.#fail(err))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.#kick();
        }
      });
  }

  async #catchUp(): Promise<void> {
    for await (const { seq, payload } of this.#o.wal.replay(this.#applied)) {
      if (this.#closed) return;
      await this.#o.apply(seq, payload);
      this.#applied = seq;
      this.#settle();
    }
  }

  #fail(err: unknown): void {
    if (this.#failed || this.#closed) return;
    this.#failed = err;
    clearTimeout(this.#timer);
    this.#settle(err);
    this.#o.onError?.(err);
  }

  /** Wakes the waiters that are satisfied, or all of them with `err`. */
  #settle(err?: unknown): void {
    for (const w of this.#waiters) {
      if (err !== undefined) w.reject(err);
      else if (this.#applied >= w.seq) w.resolve();
      else continue;
      this.#waiters.delete(w);
    }
  }
}
