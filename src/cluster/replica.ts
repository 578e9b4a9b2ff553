/**
 * One collection on one query node: the CollectionView it serves, the WalFollower that feeds it, and the moves
 * between manifest versions and assignments. `sync(manifest, assigned)` may be called at any time with the
 * latest wishes; moves run one at a time and the newest wish wins. Anything that breaks following (a WAL range
 * collected before this node applied it, a corrupt object, a lost watch) makes the replica start over from
 * the current manifest, after a pause, while the old view goes on serving.
 */

import { QuiverError } from '../errors.js';
import type { Manifest } from '../store/collection/manifest.js';
import { decodeEntry } from '../store/schema/entry-codec.js';
import { type ResolvedSchema, resolveSchema } from '../store/schema/validate-schema.js';
import type { SealedSegment } from '../store/segment/sealed-segment.js';
import type { MetaStore } from '../store/storage/meta-store.js';
import type { ObjectStore } from '../store/storage/object-store.js';
import { CollectionView, loadSegment } from './collection-view.js';
import { walRoot } from './keys.js';
import type { SegmentCache } from './segment-cache.js';
import { SharedWal } from './shared-wal.js';
import { WalFollower } from './wal-follower.js';

export interface ReplicaDeps {
  meta: MetaStore;
  objects: ObjectStore;
  cache: SegmentCache;
  log: (message: string) => void;
}

/** The segments of `manifest` that `assigned` gives this node (an assignment may name a newer manifest's segments). */
const wanted = (manifest: Manifest, assigned: Set<number>) =>
  manifest.segments.map((s) => s.id).filter((id) => assigned.has(id));
const sameList = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class Replica {
  view: CollectionView | undefined;
  #follower: WalFollower | undefined;
  #wish: { manifest: Manifest; assigned: Set<number> } | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #broken = false;
  /** Wakes `whenApplied` callers that arrived before the view existed. */
  #opened: Promise<void>;
  #resolveOpened!: () => void;

  constructor(
    readonly name: string,
    private readonly deps: ReplicaDeps,
  ) {
    this.#opened = new Promise((r) => {
      this.#resolveOpened = r;
    });
  }

  /** True when the view serves exactly the wished manifest version and assignment. */
  get settled(): boolean {
    const v = this.view;
    const w = this.#wish;
    if (!v || !w || this.#broken || v.manifest.version !== w.manifest.version) return false;
    return sameList(
      wanted(w.manifest, w.assigned).sort((a, b) => a - b),
      v.servedIds(),
    );
  }

  sync(manifest: Manifest, assigned: Set<number>): void {
    this.#wish = { manifest, assigned };
    if (this.#running || this.#closed) return;
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Waits (up to `timeoutMs`) until the view has applied the WAL through `seq`. */
  async whenApplied(seq: number, timeoutMs: number): Promise<CollectionView> {
    const deadline = Date.now() + timeoutMs;
    if (!this.view) {
      const timer = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
      await Promise.race([this.#opened, timer]);
    }
    const view = this.view;
    if (!view) throw new QuiverError('UNAVAILABLE', `collection "${this.name}" is still loading on this node`);
    if (seq > view.applied) {
      if (!this.#follower) throw new QuiverError('UNAVAILABLE', `collection "${this.name}" is not following its WAL`);
      await this.#follower.waitFor(seq, Math.max(1, deadline - Date.now()));
    }
    return this.view!;
  }

  async #loop(): Promise<void> {
    let pause = 200;
    while (!this.#closed && this.#wish && !this.settled) {
      const wish = this.#wish;
      try {
        if (!this.view || this.#broken || this.view.manifest.dir !== wish.manifest.dir) await this.#open(wish);
        else await this.#move(wish);
        pause = 200;
        // A macrotask between moves: never starve the event loop (and the requests it serves).
        await new Promise((r) => setImmediate(r));
      } catch (err) {
        if (this.#closed) return;
        this.deps.log(`collection "${this.name}": ${(err as Error).message}; retrying`);
        await new Promise((r) => setTimeout(r, pause).unref());
        pause = Math.min(pause * 2, 5000);
      }
    }
  }

  async #load(manifest: Manifest, ids: number[], schema: ResolvedSchema): Promise<SealedSegment[]> {
    const out: SealedSegment[] = [];
    try {
      for (const id of ids) {
        const entry = manifest.segments.find((s) => s.id === id)!;
        out.push(await loadSegment(entry, this.deps.cache, schema, (k) => this.deps.objects.locate(k)));
      }
    } catch (err) {
      for (const s of out) s.dispose();
      throw err;
    }
    return out;
  }

  /** Builds a fresh view of the wished manifest and starts following the WAL from its checkpoint. */
  async #open(wish: { manifest: Manifest; assigned: Set<number> }): Promise<void> {
    const { manifest, assigned } = wish;
    const ids = wanted(manifest, assigned);
    const segments = await this.#load(manifest, ids, resolveSchema(manifest.schema));
    const view = new CollectionView(manifest, segments);
    const root = walRoot(manifest.name);
    const wal = new SharedWal({ meta: this.deps.meta, objects: this.deps.objects, root, dir: manifest.dir });
    let follower: WalFollower;
    try {
      follower = await WalFollower.start({
        wal,
        meta: this.deps.meta,
        root,
        afterSeq: manifest.checkpoint,
        apply: async (seq, payload) => view.apply(seq, decodeEntry(payload)),
        onError: (err) => {
          this.deps.log(`collection "${this.name}": following the WAL stopped: ${(err as Error).message}`);
          this.#broken = true;
          if (this.#wish) this.sync(this.#wish.manifest, this.#wish.assigned);
        },
      });
    } catch (err) {
      view.dispose();
      throw err;
    }
    const old = { view: this.view, follower: this.#follower };
    this.view = view;
    this.#follower = follower;
    this.#broken = false;
    this.#resolveOpened();
    await old.follower?.close();
    old.view?.dispose();
  }

  async #move(wish: { manifest: Manifest; assigned: Set<number> }): Promise<void> {
    const view = this.view!;
    const { manifest, assigned } = wish;
    const missing = wanted(manifest, assigned).filter((id) => !view.has(id));
    const loaded = await this.#load(manifest, missing, view.schema);
    try {
      if (view.applied < manifest.checkpoint) await this.#follower!.waitFor(manifest.checkpoint, 30_000);
    } catch (err) {
      for (const s of loaded) s.dispose();
      throw err;
    }
    if (this.view !== view || this.#closed) {
      for (const s of loaded) s.dispose();
      return;
    }
    view.swap(manifest, assigned, loaded);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#running?.catch(() => {});
    await this.#follower?.close();
    this.view?.dispose();
  }
}
