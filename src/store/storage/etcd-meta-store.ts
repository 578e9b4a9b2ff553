/**
 * The cluster-mode MetaStore on etcd: CAS transactions, prefix watches that resume from a revision, keys
 * under a configurable root, small values, and a deadline on every call.
 *
 * Revisions. etcd's revision is cluster-wide, but a MetaStore's is its own: 0 when new, +1 per write. So
 * the root holds a counter key (see etcd-keyspace.ts) and every write is one etcd transaction that
 * compares the counter's etcd mod_revision with the one its snapshot read, then puts counter+1 and its data
 * keys in envelopes stamped with counter+1. Any write under the root moves the counter, so that single
 * compare proves nothing changed since the snapshot: the user's compares are checked against the snapshot
 * here, and writers on any number of EtcdMetaStores over one root serialise through etcd (linearisable).
 * A lost race re-reads and retries inside the call's deadline; a txn that writes nothing sends no write.
 * Watches map local revisions to etcd ones through the counter's history (etcd-watch.ts).
 *
 * Every call, its retries included, runs under one deadline and fails with a code (see etcd-client.ts);
 * a write that lost the race to other writers until then is CONFLICT. Requests etcd would refuse (values over
 * 1 MiB, more than 127 ops) are INVALID_ARGUMENT before anything is sent, so etcd3's circuit breaker never
 * trips on them. Keys under the root that no EtcdMetaStore wrote are CORRUPT, never misread.
 *
 * Leases live beside it, in `session()` (etcd-session.ts): a key that expires with its lease changes the root
 * without moving the counter, which would break the revision rules above, so leased keys stay outside `kv/`.
 */

import { QuiverError } from '../../errors.js';
import { Mutex } from '../util/mutex.js';
import { type EtcdAuth, EtcdClient, type IRangeResponse, type IRequestOp, type IResponseOp } from './etcd-client.js';
import {
  checkWriteLimits,
  decodeCounter,
  decodeEnvelope,
  EtcdKeyspace,
  encodeCounter,
  encodeEnvelope,
  requireWellFormed,
} from './etcd-keyspace.js';
import { EtcdSession } from './etcd-session.js';
import {
  type CounterHead,
  type CounterState,
  EtcdWatch,
  findStartRevision,
  type MetaWatch,
  type MetaWatchOptions,
} from './etcd-watch.js';
import { MetaState, validateKey, validateValue } from './meta-state.js';
import type { MetaCompare, MetaEntry, MetaOp, MetaStore, MetaTxnResult } from './meta-store.js';

export interface EtcdMetaStoreOptions {
  /** etcd client URLs, e.g. `['http://127.0.0.1:2379']`; several for a cluster. */
  endpoints: string[];
  /** Every key sits under `<root>/`. Stores sharing a root share their data; roots must not nest. */
  root: string;
  /** The most one call may take, retries included, before it fails. Default 5000. */
  deadlineMs?: number;
  /** User and password, when the etcd cluster has authentication enabled. */
  auth?: EtcdAuth;
}

const DEFAULT_DEADLINE_MS = 5000;
const LIST_PAGE = 256;
/** etcd's --max-txn-ops default, so also the most ranges one read-only txn may hold. */
const MAX_READ_OPS = 128;

/** A consistent view of the counter and some keys, from one etcd revision. */
interface Snapshot {
  counter: CounterState;
  entries: Map<string, MetaEntry>;
}

export class EtcdMetaStore implements MetaStore {
  private readonly mutex = new Mutex();
  private readonly watches = new Set<EtcdWatch>();
  private closed = false;
  /** The counter as of this store's last write: lets a blind put skip its snapshot read. */
  private counter: CounterState | undefined;

  private constructor(
    private readonly etcd: EtcdClient,
    private readonly space: EtcdKeyspace,
    private readonly endpoints: string[],
    private readonly auth: EtcdAuth | undefined,
  ) {}

  /**
   * Leases and elections on the same etcd and root (keys under `<root>/members/` and `<root>/election/`, beside
   * this store's revision-counted space; see etcd-session.ts). The caller closes the session.
   * @example
   * const session = meta.session(10);
   * await session.register('querynode', 'qn1', JSON.stringify({ address })); // gone 10 s after this process dies
   */
  session(ttlSeconds = 10): EtcdSession {
    return new EtcdSession({
      endpoints: this.endpoints,
      root: this.space.root,
      ttlSeconds,
      deadlineMs: this.etcd.deadlineMs,
      auth: this.auth,
    });
  }

  /**
   * Connects and reads the root's revision counter. Rejects with TIMEOUT / IO_ERROR when etcd cannot be
   * reached within the deadline, CORRUPT when the root holds something else.
   * @example
   * const meta = await EtcdMetaStore.open({ endpoints: ['http://127.0.0.1:2379'], root: 'quiver/prod' });
   * await meta.txn([{ key: 'col/a', modRevision: 0 }], [{ type: 'put', key: 'col/a', value: '{}' }]);
   */
  static async open(options: EtcdMetaStoreOptions): Promise<EtcdMetaStore> {
    const { endpoints, root, deadlineMs = DEFAULT_DEADLINE_MS, auth } = options ?? {};
    if (!Array.isArray(endpoints) || endpoints.length === 0 || !endpoints.every((e) => typeof e === 'string')) {
      throw new QuiverError('INVALID_ARGUMENT', 'etcd endpoints must be a non-empty array of URLs', {
        received: endpoints,
      });
    }
    if (typeof root !== 'string' || root.replace(/\/+$/, '') === '') {
      throw new QuiverError('INVALID_ARGUMENT', 'etcd root must be a non-empty key prefix', { received: root });
    }
    if (!Number.isSafeInteger(deadlineMs) || deadlineMs <= 0) {
      throw new QuiverError('INVALID_ARGUMENT', 'deadlineMs must be a positive integer', { received: deadlineMs });
    }
    const space = new EtcdKeyspace(root);
    const etcd = EtcdClient.create(endpoints, deadlineMs, `etcd ${endpoints.join(',')} root ${space.root}`, auth);
    const store = new EtcdMetaStore(etcd, space, [...endpoints], auth);
    try {
      await store.revision();
    } catch (err) {
      etcd.close();
      throw err;
    }
    return store;
  }

  async get(key: string): Promise<MetaEntry | undefined> {
    this.checkOpen();
    validateKey(key);
    requireWellFormed(key, 'meta key');
    const res = await this.etcd.range('get', this.deadline(), { key: this.space.dataKey(key) });
    const kv = res.kvs[0];
    return kv === undefined ? undefined : entry(key, kv.key, kv.value);
  }

  async list(prefix: string): Promise<MetaEntry[]> {
    this.checkOpen();
    if (typeof prefix !== 'string') throw new QuiverError('INVALID_ARGUMENT', 'list prefix must be a string');
    requireWellFormed(prefix, 'list prefix');
    const deadline = this.deadline();
    const out = await pinned(deadline, () => this.listPages(prefix, deadline));
    // etcd sorts by UTF-8 bytes; the MetaStore contract sorts like JS strings (UTF-16), as MetaState does.
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async revision(): Promise<number> {
    this.checkOpen();
    return (await this.readHead(this.deadline())).revision;
  }

  async put(key: string, value: string): Promise<number> {
    validateKey(key);
    validateValue(value);
    return (await this.mutate([], [{ type: 'put', key, value }])).result.revision;
  }

  async delete(key: string): Promise<boolean> {
    validateKey(key);
    return (await this.mutate([], [{ type: 'delete', key }])).deleted > 0;
  }

  async txn(compares: MetaCompare[], ops: MetaOp[]): Promise<MetaTxnResult> {
    return (await this.mutate(compares, ops)).result;
  }

  /**
   * Reports every later write that touches keys starting with `prefix`, from `options.fromRevision` on
   * (default: writes after this call). Resolves once etcd has accepted the watch. To resume after a
   * restart, watch again from the last revision handled + 1: nothing is skipped or repeated.
   * @example
   * const w = await meta.watch('col/', { fromRevision: seen + 1, onChange: (c) => apply(c), onError: stop });
   */
  async watch(prefix: string, options: MetaWatchOptions): Promise<MetaWatch> {
    this.checkOpen();
    if (typeof prefix !== 'string') throw new QuiverError('INVALID_ARGUMENT', 'watch prefix must be a string');
    requireWellFormed(prefix, 'watch prefix');
    const { fromRevision, onChange, onError } = options ?? {};
    if (typeof onChange !== 'function' || typeof onError !== 'function') {
      throw new QuiverError('INVALID_ARGUMENT', 'watch needs onChange and onError callbacks');
    }
    if (fromRevision !== undefined && (!Number.isSafeInteger(fromRevision) || fromRevision < 1)) {
      throw new QuiverError('INVALID_ARGUMENT', 'fromRevision must be a positive integer', { received: fromRevision });
    }
    const deadline = this.deadline();
    const head = await this.readHead(deadline);
    const from = fromRevision ?? head.revision + 1;
    const startRevision = await findStartRevision(from, head, (rev) => this.counterAt(rev, deadline));
    this.checkOpen();
    const watch: EtcdWatch = new EtcdWatch(
      {
        space: this.space,
        prefix,
        fromRevision: from,
        startRevision,
        open: () => this.etcd.watchStream(),
        onClosed: () => this.watches.delete(watch),
      },
      { onChange, onError },
    );
    this.watches.add(watch);
    await watch.start(Math.max(1, deadline - Date.now()));
    return watch;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued writes finish; anything queued after this sees CLOSED.
    await this.mutex.run(async () => {
      this.closed = true;
    });
    await Promise.all([...this.watches].map((w) => w.close()));
    this.etcd.close();
  }

  // ---- writes

  private async mutate(compares: MetaCompare[], ops: MetaOp[]): Promise<{ result: MetaTxnResult; deleted: number }> {
    this.checkOpen();
    const deadline = this.deadline();
    // The reference checks, exactly: planning against an empty state validates and changes nothing.
    new MetaState().plan(compares, ops);
    checkWriteLimits(this.space, compares, ops);
    return this.mutex.run(async () => {
      this.checkOpen();
      const keys = [...new Set([...compares.map((c) => c.key), ...ops.filter(isDelete).map((o) => o.key)])];
      let snap: Snapshot =
        keys.length === 0 && this.counter !== undefined
          ? { counter: this.counter, entries: new Map() }
          : await this.readSnapshot(keys, deadline);
      for (let attempt = 1; ; attempt++) {
        if (!compares.every((c) => (snap.entries.get(c.key)?.modRevision ?? 0) === c.modRevision)) {
          return { result: { succeeded: false, revision: snap.counter.revision }, deleted: 0 };
        }
        const next = snap.counter.revision + 1;
        const writes: IRequestOp[] = [];
        let deleted = 0;
        for (const op of ops) {
          const key = this.space.dataKey(op.key);
          if (op.type === 'put') {
            writes.push({ request_put: { key, value: encodeEnvelope(next, op.value) } });
          } else if (snap.entries.has(op.key)) {
            writes.push({ request_delete_range: { key } });
            deleted++;
          }
        }
        if (writes.length === 0) return { result: { succeeded: true, revision: snap.counter.revision }, deleted };
        // On a lost race the failure branch reads the next snapshot in the same round trip.
        const reread = keys.length < MAX_READ_OPS ? this.snapshotOps(keys) : [this.counterOp()];
        const { counterKey } = this.space;
        const res = await this.etcd.txn('write', deadline, 'if-unsent', {
          compare: [{ key: counterKey, target: 'Mod', result: 'Equal', mod_revision: snap.counter.etcdRevision }],
          success: [{ request_put: { key: counterKey, value: encodeCounter(next) } }, ...writes],
          failure: reread,
        });
        if (res.succeeded) {
          this.counter = { revision: next, etcdRevision: toRevision(res.header.revision) };
          return { result: { succeeded: true, revision: next }, deleted };
        }
        this.counter = undefined;
        snap =
          reread.length === keys.length + 1
            ? this.parseSnapshot(keys, res.responses)
            : await this.readSnapshot(keys, deadline);
        if (Date.now() >= deadline) {
          const ms = this.etcd.deadlineMs;
          throw new QuiverError('CONFLICT', `${this.etcd.where}: other writers kept winning for ${ms} ms`, {
            attempts: attempt,
          });
        }
        // Other stores write to this root too: back off a little, more each time, so one of us gets through.
        if (attempt > 1) await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 50)));
      }
    });
  }

  // ---- reads

  private counterOp(revision?: string): IRequestOp {
    return { request_range: { key: this.space.counterKey, revision } };
  }

  private snapshotOps(keys: string[], revision?: string): IRequestOp[] {
    const ranges = keys.map((k) => ({ request_range: { key: this.space.dataKey(k), revision } }));
    return [this.counterOp(revision), ...ranges];
  }

  /** The counter and `keys` as of one etcd revision (several read txns pinned to it when there are many keys). */
  private readSnapshot(keys: string[], deadline: number): Promise<Snapshot> {
    return pinned(deadline, async () => {
      const first = keys.slice(0, MAX_READ_OPS - 1);
      const res = await this.etcd.txn('read', deadline, 'idempotent', { success: this.snapshotOps(first) });
      const snap = this.parseSnapshot(first, res.responses);
      for (let i = first.length; i < keys.length; i += MAX_READ_OPS) {
        const chunk = keys.slice(i, i + MAX_READ_OPS);
        const ops = this.snapshotOps(chunk, res.header.revision).slice(1);
        const more = await this.etcd.txn('read', deadline, 'idempotent', { success: ops });
        for (const [j, k] of chunk.entries()) addEntry(snap, k, more.responses[j]!.response_range);
      }
      return snap;
    });
  }

  private parseSnapshot(keys: string[], responses: IResponseOp[]): Snapshot {
    const snap: Snapshot = { counter: counterOf(responses[0]!.response_range), entries: new Map() };
    for (const [i, k] of keys.entries()) addEntry(snap, k, responses[i + 1]!.response_range);
    return snap;
  }

  /** Every entry under `prefix`, in pages pinned to the first page's etcd revision: one consistent snapshot. */
  private async listPages(prefix: string, deadline: number): Promise<MetaEntry[]> {
    const { start, end } = this.space.dataRange(prefix);
    const out: MetaEntry[] = [];
    let from = start;
    let revision: string | undefined;
    for (;;) {
      const res = await this.etcd.range('list', deadline, { key: from, range_end: end, limit: LIST_PAGE, revision });
      revision ??= res.header.revision;
      for (const kv of res.kvs) {
        const key = this.space.userKey(kv.key);
        if (key !== undefined) out.push(entry(key, kv.key, kv.value));
      }
      const last = res.kvs.at(-1);
      if (!res.more || last === undefined) return out;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  private async readHead(deadline: number): Promise<CounterHead> {
    const res = await this.etcd.range('read', deadline, { key: this.space.counterKey });
    const kv = res.kvs[0];
    return {
      ...counterOf(res),
      createRevision: kv === undefined ? 0 : toRevision(kv.create_revision),
      headerRevision: toRevision(res.header.revision),
    };
  }

  /** The counter as of etcd revision `rev`, or 'compacted' when etcd no longer keeps that revision. */
  private async counterAt(rev: number, deadline: number): Promise<CounterState | 'compacted'> {
    try {
      return counterOf(await this.etcd.range('read', deadline, { key: this.space.counterKey, revision: rev }));
    } catch (err) {
      if (isCompacted(err)) return 'compacted';
      throw err;
    }
  }

  private deadline(): number {
    return Date.now() + this.etcd.deadlineMs;
  }

  private checkOpen(): void {
    if (this.closed) throw new QuiverError('CLOSED', `meta store ${this.etcd.where} is closed`);
  }
}

function entry(key: string, etcdKey: Buffer, value: Buffer): MetaEntry {
  return { key, ...decodeEnvelope(value, etcdKey.toString('utf8')) };
}

function addEntry(snap: Snapshot, key: string, res: IRangeResponse): void {
  const kv = res.kvs[0];
  if (kv !== undefined) snap.entries.set(key, entry(key, kv.key, kv.value));
}

function counterOf(res: IRangeResponse): CounterState {
  const kv = res.kvs[0];
  if (kv === undefined) return { revision: 0, etcdRevision: 0 };
  return { revision: decodeCounter(kv.value, kv.key.toString('utf8')), etcdRevision: toRevision(kv.mod_revision) };
}

function isDelete(op: MetaOp): op is Extract<MetaOp, { type: 'delete' }> {
  return op.type === 'delete';
}

function isCompacted(err: unknown): boolean {
  return err instanceof QuiverError && err.details.compacted === true;
}

/** Runs a read made of several requests pinned to one etcd revision again if etcd compacts it meanwhile. */
async function pinned<T>(deadline: number, read: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await read();
    } catch (err) {
      if (!isCompacted(err) || Date.now() >= deadline) throw err;
    }
  }
}

function toRevision(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new QuiverError('INTERNAL', `etcd revision ${s} is not a safe integer`, { received: s });
  }
  return n;
}
