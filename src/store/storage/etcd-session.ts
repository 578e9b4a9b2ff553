/**
 * The cluster's liveness primitives on etcd: leased membership keys and leader election. They live beside the
 * MetaStore's revision-counted `kv/` space, under `<root>/members/` and `<root>/election/`, because a key that
 * vanishes when its lease expires must not move the MetaStore's revision (see etcd-meta-store.ts).
 *
 * - `register(kind, id, value)` keeps `members/<kind>/<id>` alive while this process lives. When the lease is
 *   lost (etcd unreachable for longer than the TTL), it grants a new one and writes the key again.
 * - `members(kind)` lists the live members of a kind; `watchMembers` calls back when that set changes.
 * - `campaign(name, value)` waits to be elected through etcd's election recipe; leadership ends when the
 *   campaign's lease is lost (the `onLost` callback) or on `resign()`.
 */

import { Etcd3, type Namespace } from 'etcd3';
import { QuiverError } from '../../errors.js';
import type { EtcdAuth } from './etcd-client.js';

export interface EtcdSessionOptions {
  endpoints: string[];
  /** The same root the cluster's EtcdMetaStore uses. */
  root: string;
  /** Lease time-to-live in seconds (default 10). A dead member disappears this long after its last keepalive. */
  ttlSeconds?: number;
  /** The most one read or write may take before it fails with TIMEOUT. Default 5000 ms. */
  deadlineMs?: number;
  auth?: EtcdAuth;
}

export interface Member {
  id: string;
  value: string;
}

export interface Leadership {
  /** Resolves when this campaign wins. */
  readonly elected: Promise<void>;
  /** Steps down (or stops waiting). */
  resign(): Promise<void>;
}

export class EtcdSession {
  readonly ttlSeconds: number;
  readonly deadlineMs: number;
  readonly #client: Etcd3;
  readonly #ns: Namespace;
  readonly #stops: (() => Promise<void>)[] = [];
  #closed = false;

  constructor(options: EtcdSessionOptions) {
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new QuiverError('INVALID_ARGUMENT', 'etcd endpoints must be a non-empty array of URLs');
    }
    this.ttlSeconds = options.ttlSeconds ?? 10;
    this.deadlineMs = options.deadlineMs ?? 5000;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 2) {
      throw new QuiverError('INVALID_ARGUMENT', 'the lease TTL must be an integer of at least 2 seconds');
    }
    this.#client = new Etcd3({
      hosts: options.endpoints,
      ...(options.auth ? { auth: options.auth } : {}),
      grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 },
    });
    const root = options.root.replace(/\/+$/, '');
    this.#ns = this.#client.namespace(`${root}/`);
  }

  /**
   * Keeps `members/<kind>/<id>` = value alive under a lease until `close()`. Resolves once the key is written;
   * `onLost` hears about each lost lease (the key is written again under a new one).
   */
  async register(kind: string, id: string, value: string, onLost?: (err: Error) => void): Promise<void> {
    const key = `members/${kind}/${id}`;
    let lease = this.#ns.lease(this.ttlSeconds);
    const grant = async (): Promise<void> => {
      lease.on('lost', (err) => {
        if (this.#closed) return;
        onLost?.(err);
        lease = this.#ns.lease(this.ttlSeconds);
        const retry = () => {
          if (this.#closed) return;
          grant().catch(() => setTimeout(retry, 500).unref());
        };
        retry();
      });
      await this.#deadline(`registering ${key}`, lease.put(key).value(value).exec());
    };
    await grant();
    this.#stops.push(async () => {
      await lease.revoke().catch(() => {});
    });
  }

  async members(kind: string): Promise<Member[]> {
    const prefix = `members/${kind}/`;
    const kvs = await this.#deadline(`listing ${prefix}`, this.#ns.getAll().prefix(prefix).strings());
    return Object.entries(kvs)
      .map(([key, value]) => ({ id: key.slice(prefix.length), value }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Calls `onChange` whenever a member of `kind` joins, changes or leaves. */
  async watchMembers(kind: string, onChange: () => void): Promise<void> {
    const watcher = await this.#ns.watch().prefix(`members/${kind}/`).create();
    watcher.on('put', () => onChange());
    watcher.on('delete', () => onChange());
    watcher.on('error', () => {});
    this.#stops.push(() => watcher.cancel());
  }

  /** Campaigns in the election `name`; `onLost` is called if leadership is lost after winning. */
  campaign(name: string, value: string, onLost: (err: Error) => void): Leadership {
    const campaign = this.#ns.election(`election/${name}`, this.ttlSeconds).campaign(value);
    let won = false;
    const elected = new Promise<void>((resolve, reject) => {
      campaign.on('elected', () => {
        won = true;
        resolve();
      });
      campaign.on('error', (err) => {
        if (won) onLost(err);
        else reject(err);
      });
    });
    elected.catch(() => {});
    const resign = async () => {
      await campaign.resign().catch(() => {});
    };
    this.#stops.push(resign);
    return { elected, resign };
  }

  /** The value the current leader of `name` campaigned with, if any. */
  async leader(name: string): Promise<string | undefined> {
    return this.#deadline(
      `reading the leader of ${name}`,
      this.#ns.election(`election/${name}`, this.ttlSeconds).leader(),
    );
  }

  /** `work`, or TIMEOUT after the deadline (etcd unreachable), or IO_ERROR naming what failed. */
  async #deadline<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new QuiverError('TIMEOUT', `etcd did not answer ${what} within ${this.deadlineMs} ms`)),
        this.deadlineMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof QuiverError) throw err;
      throw new QuiverError('IO_ERROR', `etcd failed ${what}: ${(err as Error).message}`, {}, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Revokes every lease (members vanish at once, leadership passes on) and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of this.#stops.splice(0).reverse()) await stop().catch(() => {});
    this.#client.close();
  }
}
