/**
 * Quiver's database handle: a set of collections over one ObjectStore (data) and one MetaStore (manifests).
 * `Quiver.open({ path })` is the embedded default, like Milvus Lite: everything lives in one folder, locked
 * against other processes. Pass `memory: true` for a throwaway store, or your own stores for other backends.
 *
 * @example
 * const db = await Quiver.open({ path: './my-store' });
 * const docs = await db.createCollection('docs', schema);
 * await db.close();
 */

import { mkdirSync } from 'node:fs';
import { QuiverError } from '../errors.js';
import { Collection } from './collection/collection.js';
import type { DatabaseApi } from './collection/collection-api.js';
import { CollectionCore } from './collection/collection-core.js';
import { DATA_ROOT, type Manifest, manifestKey, newManifest, parseManifest, walPrefix } from './collection/manifest.js';
import { type CollectionOptions, resolveCollectionOptions } from './collection/options.js';
import { FolderLock } from './folder-lock.js';
import type { CollectionSchema } from './schema/types.js';
import { resolveSchema } from './schema/validate-schema.js';
import { decodeSections } from './segment/section-file.js';
import { FileMetaStore } from './storage/file-meta-store.js';
import { LocalObjectStore } from './storage/local-object-store.js';
import { MemoryMetaStore } from './storage/memory-meta-store.js';
import { MemoryObjectStore } from './storage/memory-object-store.js';
import type { MetaStore } from './storage/meta-store.js';
import type { ObjectStore } from './storage/object-store.js';
import { verifyWal } from './wal/wal-reader.js';

export interface QuiverOptions {
  /** Folder of an embedded store; created when missing. */
  path?: string;
  /** An in-memory store that disappears on close. */
  memory?: boolean;
  /** Bring your own storage (S3, etcd, ...). Both must be given together. */
  objects?: ObjectStore;
  meta?: MetaStore;
  /** Defaults for every collection's tuning options. */
  collection?: Partial<CollectionOptions>;
}

export interface VerifyReport {
  collections: { name: string; segments: number; tombstones: number; walRecords: number }[];
}

const COLLECTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/;

export class Quiver implements DatabaseApi {
  private readonly objects: ObjectStore;
  private readonly meta: MetaStore;
  private readonly lock: FolderLock | undefined;
  private readonly options: Partial<CollectionOptions>;
  private readonly open_ = new Map<string, Promise<CollectionCore>>();
  private closed = false;

  private constructor(objects: ObjectStore, meta: MetaStore, lock: FolderLock | undefined, options: QuiverOptions) {
    this.objects = objects;
    this.meta = meta;
    this.lock = lock;
    this.options = options.collection ?? {};
  }

  static async open(options: QuiverOptions = {}): Promise<Quiver> {
    if (options.objects || options.meta) {
      if (!options.objects || !options.meta)
        throw new QuiverError('INVALID_ARGUMENT', 'pass both "objects" and "meta"');
      return Quiver.init(new Quiver(options.objects, options.meta, undefined, options));
    }
    if (options.memory)
      return Quiver.init(new Quiver(new MemoryObjectStore(), new MemoryMetaStore(), undefined, options));
    const path = options.path ?? '.quiver';
    mkdirSync(path, { recursive: true });
    const lock = FolderLock.acquire(path);
    try {
      const objects = await LocalObjectStore.open(path);
      const meta = await FileMetaStore.open(objects, 'meta.json');
      return await Quiver.init(new Quiver(objects, meta, lock, options));
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** Removes data folders that no manifest names: leftovers of a drop interrupted by a crash. */
  private static async init(db: Quiver): Promise<Quiver> {
    const dirs = new Set((await db.manifests()).map((m) => `${m.dir}/`));
    for (const { key } of await db.objects.list(DATA_ROOT)) {
      const dir = key.split('/').slice(0, 2).join('/') + '/';
      if (!dirs.has(dir)) await db.objects.delete(key);
    }
    return db;
  }

  private assertOpen(): void {
    if (this.closed) throw new QuiverError('CLOSED', 'this Quiver store is closed');
  }

  private async manifests(): Promise<Manifest[]> {
    return (await this.meta.list('collections/')).map((e) => parseManifest(e.value, e.key));
  }

  async createCollection(
    name: string,
    schema: CollectionSchema,
    options: { ifNotExists?: boolean } = {},
  ): Promise<Collection> {
    this.assertOpen();
    if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `collection name ${JSON.stringify(name)} must match ${COLLECTION_NAME.source}`,
      );
    }
    resolveSchema(schema);
    const manifest = newManifest(name, schema);
    const key = manifestKey(name);
    const result = await this.meta.txn(
      [{ key, modRevision: 0 }],
      [{ type: 'put', key, value: JSON.stringify(manifest) }],
    );
    if (!result.succeeded) {
      if (options.ifNotExists) return this.collection(name);
      throw new QuiverError('COLLECTION_EXISTS', `collection "${name}" already exists`, { collection: name });
    }
    return this.collection(name);
  }

  /** Opens a collection (loading its segments and replaying its WAL on first use). */
  async collection(name: string, options: Partial<CollectionOptions> = {}): Promise<Collection> {
    this.assertOpen();
    let core = this.open_.get(name);
    if (!core) {
      const opts = resolveCollectionOptions({ ...this.options, ...options });
      core = CollectionCore.open(name, this.objects, this.meta, opts);
      this.open_.set(name, core);
      core.catch(() => this.open_.delete(name));
    }
    return new Collection(await core);
  }

  async hasCollection(name: string): Promise<boolean> {
    this.assertOpen();
    return (await this.meta.get(manifestKey(name))) !== undefined;
  }

  async listCollections(): Promise<string[]> {
    this.assertOpen();
    return (await this.manifests()).map((m) => m.name);
  }

  /** Drops a collection and deletes its data. Dropping a missing one is COLLECTION_NOT_FOUND. */
  async dropCollection(name: string): Promise<void> {
    this.assertOpen();
    const entry = await this.meta.get(manifestKey(name));
    if (!entry)
      throw new QuiverError('COLLECTION_NOT_FOUND', `collection "${name}" does not exist`, { collection: name });
    const manifest = parseManifest(entry.value, entry.key);
    const core = this.open_.get(name);
    this.open_.delete(name);
    if (core) await (await core.catch(() => undefined))?.close();
    await this.meta.delete(manifestKey(name));
    for (const { key } of await this.objects.list(`${manifest.dir}/`)) await this.objects.delete(key);
  }

  /** Reads every stored file back and checks every checksum. Throws CORRUPT naming the first bad file. */
  async verify(): Promise<VerifyReport> {
    this.assertOpen();
    const report: VerifyReport = { collections: [] };
    for (const m of await this.manifests()) {
      const c = { name: m.name, segments: 0, tombstones: 0, walRecords: 0 };
      for (const s of m.segments) {
        await decodeSections(await this.objects.get(s.file), this.objects.locate(s.file));
        c.segments++;
        if (s.tombstones) {
          await decodeSections(await this.objects.get(s.tombstones), this.objects.locate(s.tombstones));
          c.tombstones++;
        }
      }
      c.walRecords = (await verifyWal(this.objects, walPrefix(m))).records;
      report.collections.push(c);
    }
    return report;
  }

  /** Closes every collection (pending seals resume from the WAL next time) and releases the folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const core of this.open_.values()) await (await core.catch(() => undefined))?.close();
    this.open_.clear();
    await this.objects.close();
    await this.meta.close();
    this.lock?.release();
  }
}
