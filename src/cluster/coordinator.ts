/**
 * The coordinator role (`quiver coordinator`). Every coordinator process campaigns in the etcd election; the
 * winner leads until its lease is lost, and the others wait as standbys. While it leads, each round (every
 * `tickMs`) it:
 *
 * 1. opens a Sealer for every collection manifest (and drops those whose collection is gone, deleting the data
 *    folders no manifest names);
 * 2. seals growing data that is big enough or idle, runs one compaction task, and collects sealed WAL;
 * 3. assigns the sealed segments to the live query nodes (assignment.ts), so a node whose lease expired has
 *    its segments moved to the others.
 *
 * Every manifest change is a compare-and-set, so a deposed leader that has not noticed yet cannot overwrite
 * its successor's work: its commit fails, and it throws its state away.
 */

import { randomUUID } from 'node:crypto';
import { DATA_ROOT, parseManifest } from '../store/collection/manifest.js';
import { type CollectionOptions, resolveCollectionOptions } from '../store/collection/options.js';
import type { Leadership } from '../store/storage/etcd-session.js';
import { applyAssignment, planAssignment, readAssignment } from './assignment.js';
import type { ClusterConnection } from './cluster-config.js';
import { COORDINATOR_ELECTION, QUERY_NODE } from './keys.js';
import { Sealer } from './sealer.js';
import { SegmentCache } from './segment-cache.js';

export interface CoordinatorOptions {
  cluster: ClusterConnection;
  id?: string;
  /** Round interval. Default 500 ms. */
  tickMs?: number;
  /** Growing data with no new writes for this long is sealed even when small. Default 2000 ms. */
  sealIdleMs?: number;
  /** Collection tuning (growingRows, compaction). */
  collection?: Partial<CollectionOptions>;
  log?: (message: string) => void;
}

export class Coordinator {
  readonly id: string;
  readonly #o: CoordinatorOptions;
  readonly #options: CollectionOptions;
  readonly #sealers = new Map<string, Sealer>();
  readonly #cache: SegmentCache;
  #leadership: Leadership | undefined;
  #leading = false;
  #closed = false;
  #loop: Promise<void> | undefined;
  /** Rounds completed while leading (tests and readiness). */
  rounds = 0;

  constructor(options: CoordinatorOptions) {
    this.#o = options;
    this.id = options.id ?? `coord-${randomUUID().slice(0, 8)}`;
    this.#options = resolveCollectionOptions({
      ...options.collection,
      onWarning: (m) => this.#log(m),
    });
    this.#cache = new SegmentCache(options.cluster.objects);
  }

  get leading(): boolean {
    return this.#leading;
  }

  #log(message: string): void {
    (this.#o.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(`coordinator ${this.id}: ${message}`);
  }

  /** Starts campaigning; resolves at once (leadership comes later, or never for a standby). */
  start(): void {
    this.#campaign();
  }

  #campaign(): void {
    if (this.#closed) return;
    const leadership = this.#o.cluster.session.campaign(COORDINATOR_ELECTION, this.id, (err) => {
      this.#log(`lost leadership: ${err.message}`);
      this.#leading = false;
    });
    this.#leadership = leadership;
    leadership.elected.then(
      () => {
        if (this.#closed) return;
        this.#log('elected leader');
        this.#leading = true;
        this.#loop = this.#lead().finally(() => {
          this.#loop = undefined;
          if (!this.#closed) setTimeout(() => this.#campaign(), 500).unref();
        });
      },
      (err: Error) => {
        if (this.#closed) return;
        this.#log(`campaign failed: ${err.message}; trying again`);
        setTimeout(() => this.#campaign(), 1000).unref();
      },
    );
  }

  async #lead(): Promise<void> {
    const tick = this.#o.tickMs ?? 500;
    while (this.#leading && !this.#closed) {
      try {
        await this.round();
        this.rounds++;
      } catch (err) {
        this.#log(`round failed: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, tick).unref());
    }
    for (const s of this.#sealers.values()) await s.close().catch(() => {});
    this.#sealers.clear();
  }

  /** One round of the leader's work (exported for tests that step it). */
  async round(): Promise<void> {
    const { meta, objects, session } = this.#o.cluster;
    const manifests = (await meta.list('collections/')).map((e) => parseManifest(e.value, e.key));
    const names = new Set(manifests.map((m) => m.name));
    for (const [name, sealer] of this.#sealers) {
      if (names.has(name) && !sealer.failed && manifests.find((m) => m.name === name)!.dir === sealer.manifest.dir) {
        continue;
      }
      if (sealer.failed) this.#log(`collection "${name}": reloading after ${(sealer.failed as Error).message}`);
      this.#sealers.delete(name);
      await sealer.close();
    }
    for (const m of manifests) {
      if (this.#sealers.has(m.name)) continue;
      this.#sealers.set(
        m.name,
        await Sealer.open(m.name, {
          meta,
          objects,
          cache: this.#cache,
          options: this.#options,
          log: (x) => this.#log(x),
        }),
      );
    }
    await this.#collectDropped();
    const nodes = (await session.members(QUERY_NODE)).map((m) => m.id);
    for (const sealer of this.#sealers.values()) {
      if (!this.#leading) return;
      try {
        await sealer.maybeSeal(this.#o.sealIdleMs ?? 2000);
        await sealer.compactOnce();
        await sealer.collect();
      } catch (err) {
        this.#log(`collection "${sealer.name}": ${(err as Error).message}`);
      }
      if (nodes.length === 0) continue;
      const current = await readAssignment(meta, sealer.name);
      const plan = planAssignment(sealer.manifest.segments, nodes, current);
      const changed = await applyAssignment(meta, sealer.name, current, plan.next);
      if (changed > 0) this.#log(`collection "${sealer.name}": ${changed} assignment changes`);
    }
  }

  /**
   * Deletes data folders and keys of collections that were dropped. The manifests are listed after the objects
   * and keys: a proxy writes a collection's objects and keys only after its manifest exists, so anything seen
   * in the first listings whose manifest is absent from the later one really was dropped.
   */
  async #collectDropped(): Promise<void> {
    const { objects, meta } = this.#o.cluster;
    const listed = await objects.list(DATA_ROOT);
    const keys = [];
    for (const prefix of ['wal/', 'assign/', 'ids/']) {
      for (const e of await meta.list(prefix))
        keys.push({ key: e.key, name: e.key.slice(prefix.length).split('/')[0]! });
    }
    const manifests = (await meta.list('collections/')).map((e) => parseManifest(e.value, e.key));
    const live = new Set(manifests.map((m) => `${m.dir}/`));
    for (const { key } of listed) {
      if (!live.has(`${key.split('/').slice(0, 2).join('/')}/`)) await objects.delete(key);
    }
    const names = new Set(manifests.map((m) => m.name));
    const stale = keys.filter((k) => !names.has(k.name));
    for (let i = 0; i < stale.length; i += 100) {
      await meta.txn(
        [],
        stale.slice(i, i + 100).map((e) => ({ type: 'delete' as const, key: e.key })),
      );
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#leading = false;
    await this.#loop?.catch(() => {});
    await this.#leadership?.resign();
  }
}
