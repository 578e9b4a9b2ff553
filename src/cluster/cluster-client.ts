/**
 * The proxy's handle on a cluster: collections are created and dropped here (the manifest in etcd is the
 * collection; the coordinator and the query nodes follow it), and `collection(name)` gives a ClusterCollection
 * for writes and reads.
 *
 * @example
 * const cluster = await connectCluster(clusterConfigFromEnv());
 * const client = new ClusterClient(cluster);
 * const docs = await client.createCollection('docs', schema);
 * await docs.upsert(rows);
 * const { hits } = await docs.search({ vector, k: 5, consistency: 'strong' });
 */

import { QuiverError } from '../errors.js';
import type { DatabaseApi } from '../store/collection/collection-api.js';
import { manifestKey, newManifest, parseManifest } from '../store/collection/manifest.js';
import type { CollectionSchema } from '../store/schema/types.js';
import { resolveSchema } from '../store/schema/validate-schema.js';
import { ClusterCollection } from './cluster-collection.js';
import type { ClusterConnection } from './cluster-config.js';
import { NodeDirectory } from './fan-out.js';
import { assignPrefix, autoIdKey, walRoot } from './keys.js';

export interface ClusterClientOptions {
  /** Deadline of one read, waiting and retries included. Default 10 s. */
  deadlineMs?: number;
  /** Staleness bound of `bounded` consistency. Default 1000 ms. */
  stalenessMs?: number;
}

const COLLECTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/;
/** How long a cached collection handle is trusted before its manifest is read again. */
const HANDLE_TTL_MS = 1000;

export class ClusterClient implements DatabaseApi {
  readonly directory: NodeDirectory;
  readonly #c: ClusterConnection;
  readonly #o: Required<ClusterClientOptions>;
  readonly #handles = new Map<string, { handle: ClusterCollection; at: number }>();

  constructor(cluster: ClusterConnection, options: ClusterClientOptions = {}) {
    this.#c = cluster;
    this.#o = { deadlineMs: options.deadlineMs ?? 10_000, stalenessMs: options.stalenessMs ?? 1000 };
    this.directory = new NodeDirectory(cluster.session);
  }

  async createCollection(name: string, schema: CollectionSchema, options: { ifNotExists?: boolean } = {}) {
    if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `collection name ${JSON.stringify(name)} must match ${COLLECTION_NAME.source}`,
      );
    }
    resolveSchema(schema);
    const key = manifestKey(name);
    if (!(await this.#c.meta.get(key))) await this.#removeKeys(name); // leftovers of an interrupted drop
    const manifest = newManifest(name, schema);
    const result = await this.#c.meta.txn(
      [{ key, modRevision: 0 }],
      [{ type: 'put', key, value: JSON.stringify(manifest) }],
    );
    if (!result.succeeded) {
      if (options.ifNotExists) return this.collection(name);
      throw new QuiverError('COLLECTION_EXISTS', `collection "${name}" already exists`, { collection: name });
    }
    return this.collection(name);
  }

  async collection(name: string): Promise<ClusterCollection> {
    const cached = this.#handles.get(name);
    if (cached && Date.now() - cached.at < HANDLE_TTL_MS) return cached.handle;
    const entry = await this.#c.meta.get(manifestKey(name));
    if (!entry) {
      this.#handles.delete(name);
      throw new QuiverError('COLLECTION_NOT_FOUND', `collection "${name}" does not exist`, { collection: name });
    }
    const manifest = parseManifest(entry.value, entry.key);
    const handle =
      cached && cached.handle.manifest.dir === manifest.dir
        ? cached.handle
        : new ClusterCollection(manifest, {
            meta: this.#c.meta,
            objects: this.#c.objects,
            directory: this.directory,
            deadlineMs: this.#o.deadlineMs,
            stalenessMs: this.#o.stalenessMs,
          });
    this.#handles.set(name, { handle, at: Date.now() });
    return handle;
  }

  async hasCollection(name: string): Promise<boolean> {
    return (await this.#c.meta.get(manifestKey(name))) !== undefined;
  }

  async listCollections(): Promise<string[]> {
    return (await this.#c.meta.list('collections/')).map((e) => parseManifest(e.value, e.key).name);
  }

  /** Drops a collection: its manifest goes first, then its WAL and assignment keys; the coordinator deletes its data. */
  async dropCollection(name: string): Promise<void> {
    const key = manifestKey(name);
    if (!(await this.#c.meta.get(key))) {
      throw new QuiverError('COLLECTION_NOT_FOUND', `collection "${name}" does not exist`, { collection: name });
    }
    await this.#c.meta.delete(key);
    this.#handles.delete(name);
    await this.#removeKeys(name);
  }

  async #removeKeys(name: string): Promise<void> {
    const { meta } = this.#c;
    const keys = [...(await meta.list(`${walRoot(name)}/`)), ...(await meta.list(assignPrefix(name)))].map(
      (e) => e.key,
    );
    if (await meta.get(autoIdKey(name))) keys.push(autoIdKey(name));
    for (let i = 0; i < keys.length; i += 100) {
      await meta.txn(
        [],
        keys.slice(i, i + 100).map((k) => ({ type: 'delete' as const, key: k })),
      );
    }
  }
}
