/**
 * Prefix watches for EtcdMetaStore, in store-local revisions. One watch is one etcd watch stream over the
 * whole root: every write under the root puts the revision counter in the same etcd revision as its data
 * keys, so each group of events that shares an etcd revision carries its own local revision, deletes
 * included. Groups are delivered whole, in order, each local revision at most once; the user's prefix is
 * filtered here. The watch remembers the etcd revision after the last group it saw and reconnects from
 * there after a broken stream (etcd3's own watcher resumes from response headers, which can skip events
 * while it replays history, so we drive the stream ourselves). `findStartRevision` maps "from local
 * revision R" to the etcd revision to start at. No etcd3 import here: the store passes the stream in.
 */

import { QuiverError } from '../../errors.js';
import { decodeCounter, decodeEnvelope, type EtcdKeyspace } from './etcd-keyspace.js';
import type { MetaEntry } from './meta-store.js';

export type MetaEvent = { type: 'put'; entry: MetaEntry } | { type: 'delete'; key: string };

/** What one write changed under the watched prefix, at its store revision. */
export interface MetaChange {
  revision: number;
  events: MetaEvent[];
}

export interface MetaWatchOptions {
  /** The first store revision to report (earlier ones are history already seen). Default: the next write. */
  fromRevision?: number;
  /** Called once per write that touched the prefix, in revision order. Must not throw. */
  onChange: (change: MetaChange) => void;
  /**
   * Called at most once, when the watch stops for good: NOT_FOUND when etcd compacted the history it needs,
   * CORRUPT when something other than an EtcdMetaStore wrote under the root, or what `onChange` threw.
   * Broken connections are not errors: the watch reconnects and resumes where it was.
   */
  onError: (err: Error) => void;
}

export interface MetaWatch {
  close(): Promise<void>;
}

/** The parts of an etcd3 watch stream this file uses. */
export interface EtcdWatchStream {
  write(req: { create_request: { key: Buffer; range_end: Buffer; start_revision: number } }): void;
  end(): void;
  cancel(): void;
  on(event: 'data', fn: (res: EtcdWatchResponse) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'end', fn: () => void): this;
}

export interface EtcdWatchResponse {
  created: boolean;
  canceled: boolean;
  compact_revision: string;
  cancel_reason: string;
  events: { type: string; kv: { key: Buffer; value: Buffer; mod_revision: string } }[];
}

export interface EtcdWatchDeps {
  space: EtcdKeyspace;
  /** Only keys starting with this are reported. */
  prefix: string;
  /** The first store revision to report. */
  fromRevision: number;
  /** The etcd revision to start at (see findStartRevision). */
  startRevision: number;
  open: () => Promise<EtcdWatchStream>;
  onClosed: () => void;
}

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2000;

export class EtcdWatch implements MetaWatch {
  private stream: EtcdWatchStream | undefined;
  private nextRevision: number;
  private lastDelivered: number;
  private retryMs = RETRY_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private starting: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private lastError: unknown;

  constructor(
    private readonly deps: EtcdWatchDeps,
    private readonly options: MetaWatchOptions,
  ) {
    this.nextRevision = deps.startRevision;
    this.lastDelivered = deps.fromRevision - 1;
  }

  /** Connects; resolves once etcd has accepted the watch, rejects (and closes) if it has not within `timeoutMs`. */
  start(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const why = this.lastError instanceof Error ? `: ${this.lastError.message}` : '';
        this.fail(new QuiverError('TIMEOUT', `etcd did not accept the watch within ${timeoutMs} ms${why}`));
      }, timeoutMs);
      this.starting = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      void this.connect();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.drop();
    this.deps.onClosed();
    this.starting?.reject(new QuiverError('CLOSED', 'the watch was closed before etcd accepted it'));
    this.starting = undefined;
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    let stream: EtcdWatchStream;
    try {
      stream = await this.deps.open();
    } catch (err) {
      this.reconnectLater(err);
      return;
    }
    if (this.closed) {
      endStream(stream);
      return;
    }
    this.stream = stream;
    // Listeners stay attached for the stream's life; events from a stream we dropped are ignored.
    stream.on('data', (res) => this.stream === stream && this.receive(res));
    stream.on('error', (err) => this.stream === stream && this.reconnectLater(err));
    stream.on('end', () => this.stream === stream && this.reconnectLater(new Error('etcd ended the watch stream')));
    const { prefix, prefixEnd } = this.deps.space;
    stream.write({ create_request: { key: prefix, range_end: prefixEnd, start_revision: this.nextRevision } });
  }

  private reconnectLater(err: unknown): void {
    if (this.closed) return;
    this.lastError = err;
    this.drop();
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private drop(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s !== undefined) endStream(s);
  }

  private receive(res: EtcdWatchResponse): void {
    if (res.canceled) {
      const compacted = Number(res.compact_revision) > 0;
      this.fail(
        compacted
          ? new QuiverError(
              'NOT_FOUND',
              `etcd compacted the history this watch needs (up to etcd revision ${res.compact_revision}); list again and watch from the current revision`,
              { root: this.deps.space.root, compactRevision: Number(res.compact_revision) },
            )
          : new QuiverError('IO_ERROR', `etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`),
      );
      return;
    }
    if (res.created) {
      this.retryMs = RETRY_MIN_MS;
      this.starting?.resolve();
      this.starting = undefined;
    }
    try {
      this.deliver(res.events);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Splits events into per-revision groups (etcd never splits one revision across responses) and delivers them. */
  private deliver(events: EtcdWatchResponse['events']): void {
    for (let i = 0; i < events.length && !this.closed; ) {
      const etcdRevision = events[i]!.kv.mod_revision;
      let j = i + 1;
      while (j < events.length && events[j]!.kv.mod_revision === etcdRevision) j++;
      const change = this.decode(events.slice(i, j));
      this.nextRevision = Number(etcdRevision) + 1;
      // The revision check also guarantees no change is delivered twice, whatever etcd replays.
      if (change !== undefined && change.revision > this.lastDelivered) {
        this.lastDelivered = change.revision;
        if (change.events.length > 0) this.options.onChange(change);
      }
      i = j;
    }
  }

  private decode(group: EtcdWatchResponse['events']): MetaChange | undefined {
    const { space, prefix } = this.deps;
    let revision: number | undefined;
    const events: MetaEvent[] = [];
    let data = 0;
    for (const { type, kv } of group) {
      if (space.isCounter(kv.key)) {
        if (type !== 'Put') throw corruptRoot(space, 'its revision counter was deleted');
        revision = decodeCounter(kv.value, kv.key.toString('utf8'));
        continue;
      }
      const key = space.userKey(kv.key);
      if (key === undefined) continue; // not a key this layout defines; nothing of ours
      data++;
      if (!key.startsWith(prefix)) continue;
      if (type === 'Delete') {
        events.push({ type: 'delete', key });
      } else {
        const { modRevision, value } = decodeEnvelope(kv.value, kv.key.toString('utf8'));
        events.push({ type: 'put', entry: { key, value, modRevision } });
      }
    }
    if (revision === undefined) {
      if (data > 0) throw corruptRoot(space, 'a key changed without the revision counter');
      return undefined;
    }
    for (const e of events) {
      if (e.type === 'put' && e.entry.modRevision !== revision) {
        throw corruptRoot(space, `key "${e.entry.key}" says revision ${e.entry.modRevision}, the counter ${revision}`);
      }
    }
    return { revision, events };
  }

  private fail(err: Error): void {
    if (this.closed) return;
    const starting = this.starting;
    this.starting = undefined;
    void this.close();
    if (starting !== undefined) starting.reject(err);
    else this.options.onError(err);
  }
}

function endStream(s: EtcdWatchStream): void {
  // Half-close first: etcd3 reports errors on still-writable streams to its circuit breaker, and our own
  // cancel is not a fault of the server.
  try {
    s.end();
    s.cancel();
  } catch {
    // Already torn down.
  }
}

function corruptRoot(space: EtcdKeyspace, why: string): QuiverError {
  return new QuiverError('CORRUPT', `etcd root ${space.root} was written outside an EtcdMetaStore: ${why}`, {
    file: space.root,
  });
}

/** The revision counter as one read saw it. */
export interface CounterState {
  /** Store-local revision (0 when the store was never written). */
  revision: number;
  /** The etcd revision of the write that set it (0 when absent). */
  etcdRevision: number;
}

export interface CounterHead extends CounterState {
  /** The etcd revision at which the counter key was created (0 when absent). */
  createRevision: number;
  /** The etcd revision the read was served at. */
  headerRevision: number;
}

/**
 * The etcd revision of the write that made store revision `from`, so a watch from there sees exactly the
 * writes at `from` and later. `readAt(g)` reads the counter as of etcd revision g. Each write is its own etcd
 * revision, so G(from) lies in [created + from - 1, G(head) - (head - from)]; a binary search over the
 * counter's history narrows that range in O(log) reads, and is exact in one read when the root has etcd
 * to itself. NOT_FOUND when etcd has compacted the history it needs.
 */
export async function findStartRevision(
  from: number,
  head: CounterHead,
  readAt: (etcdRevision: number) => Promise<CounterState | 'compacted'>,
): Promise<number> {
  if (head.revision === 0 || from > head.revision) return head.headerRevision + 1;
  if (from === head.revision) return head.etcdRevision;
  let lo = head.createRevision + (from - 1);
  let hi = head.etcdRevision - (head.revision - from);
  while (lo <= hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const at = await readAt(mid);
    if (at === 'compacted') {
      lo = mid + 1;
    } else if (at.revision === from) {
      return at.etcdRevision;
    } else if (at.revision < from) {
      lo = Math.max(mid + 1, at.etcdRevision + (from - at.revision));
    } else {
      hi = at.etcdRevision - (at.revision - from);
    }
  }
  throw new QuiverError('NOT_FOUND', `etcd compacted the history of store revision ${from}; list again instead`, {
    received: from,
  });
}
