/**
 * Peer adapter: Quiver's embedded store, used as a user would with its default collection options
 * (`Quiver.open({ path })`): rows go through the WAL into a growing segment that is sealed into an HNSW segment
 * every 10,000 rows, and background compaction merges small segments. `finish` flushes and waits for sealing
 * and compaction to settle, so the searches see the final segment layout. Filters are Quiver's filter
 * expressions; its planner scans a small candidate set exactly and walks the graph with a bitset otherwise.
 * quiver-one-segment.ts is the same store with bulk-load options.
 */

import { type Collection, type CollectionOptions, Quiver } from '../../src/index.js';
import { HNSW, type PeerRow, type PeerStore, type PeerSystem, type SearchSetting, type StoreOptions } from './types.js';

const COLLECTION = 'peers';

class QuiverStore implements PeerStore {
  constructor(
    private readonly db: Quiver,
    private readonly c: Collection,
  ) {}

  async insert(rows: readonly PeerRow[]): Promise<void> {
    await this.c.insert(rows.map((r) => ({ id: r.id, v: r.vector, bucket: r.bucket })));
  }

  async finish(): Promise<void> {
    await this.c.flush();
    await this.c.waitForIndexes();
  }

  async search(vector: Float32Array, k: number, setting: SearchSetting, bucketBelow?: number): Promise<number[]> {
    const { hits } = await this.c.search({
      vector,
      k,
      ef: setting.ef,
      filter: bucketBelow === undefined ? undefined : `bucket < ${bucketBelow}`,
      outputFields: [],
    });
    return hits.map((h) => h.id as number);
  }

  async describe(): Promise<string> {
    const segments = this.c.stats().segments.filter((s) => s.rows > 0);
    return `${segments.length} segment(s): ${segments.map((s) => `${s.state} ${s.rows}`).join(', ')} rows`;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export interface QuiverVariant {
  name: string;
  index: string;
  /** Collection options for this many rows; undefined keeps Quiver's defaults. */
  options?: (rows: number) => Partial<CollectionOptions>;
}

export function quiverSystem(v: QuiverVariant): PeerSystem {
  const open = (dir: string, o: StoreOptions) => Quiver.open({ path: dir, collection: v.options?.(o.rows) });
  return {
    name: v.name,
    index: v.index,
    filtering: 'filter expression; planner: exact scan of small candidate sets, else HNSW with a bitset',
    threads: 'queries on one; index builds in a worker thread',
    sweep: [16, 32, 64, 128, 256].map((ef) => ({ ef })),
    async create(dir: string, o: StoreOptions) {
      const db = await open(dir, o);
      const c = await db.createCollection(COLLECTION, {
        fields: [
          { name: 'id', type: 'int', primary: true },
          {
            name: 'v',
            type: 'vector',
            dim: o.dim,
            metric: 'cosine',
            index: { type: 'HNSW', M: HNSW.M, efConstruction: HNSW.efConstruction },
          },
          { name: 'bucket', type: 'int' },
        ],
      });
      return new QuiverStore(db, c);
    },
    async open(dir: string, o: StoreOptions) {
      const db = await open(dir, o);
      return new QuiverStore(db, await db.collection(COLLECTION));
    },
  };
}

export default quiverSystem({
  name: 'Quiver',
  index: `HNSW per sealed segment, M ${HNSW.M}, efConstruction ${HNSW.efConstruction}; default collection options`,
});
