/**
 * Peer adapter: LanceDB (@lancedb/lancedb), embedded, on its own file format in a folder. Rows are appended in
 * batches, then the table is compacted (`optimize`, pruning old versions) and indexed: a vector index plus a
 * BTree index on `bucket` for filters. Filters are SQL strings, applied before the vector search by default
 * (prefilter). LanceDB runs its work on a Rust thread pool that uses every core.
 *
 * This file's system uses LanceDB's default vector index, IVF_PQ (cosine, default sizes: √rows partitions,
 * dim/16 sub-vectors of 8 bits); its knobs are `nprobes` (partitions scanned, default 20) and `refineFactor`
 * (re-rank refineFactor × k candidates on the full vectors; off by default). lancedb-hnsw.ts is the HNSW variant.
 */

import { type Connection, connect, Index, type Table } from '@lancedb/lancedb';
import type { PeerRow, PeerStore, PeerSystem, SearchSetting } from './types.js';

const TABLE = 'peers';

class LanceStore implements PeerStore {
  constructor(
    private readonly db: Connection,
    private table: Table | undefined,
    private readonly vectorIndex: () => Index,
  ) {}

  async insert(rows: readonly PeerRow[]): Promise<void> {
    const data = rows.map((r) => ({ id: r.id, vector: Array.from(r.vector), bucket: r.bucket }));
    if (this.table) await this.table.add(data);
    else this.table = await this.db.createTable(TABLE, data);
  }

  async finish(): Promise<void> {
    const t = this.table!;
    await t.optimize({ cleanupOlderThan: new Date() });
    await t.createIndex('vector', { config: this.vectorIndex() });
    await t.createIndex('bucket', { config: Index.btree() });
  }

  async search(vector: Float32Array, k: number, setting: SearchSetting, bucketBelow?: number): Promise<number[]> {
    // Selecting `_distance` too keeps LanceDB from logging a deprecation warning on every query.
    let q = this.table!.vectorSearch(vector).distanceType('cosine').select(['id', '_distance']).limit(k);
    if (setting.nprobes !== undefined) q = q.nprobes(setting.nprobes);
    if (setting.ef !== undefined) q = q.ef(setting.ef);
    if (setting.refineFactor !== undefined) q = q.refineFactor(setting.refineFactor);
    if (bucketBelow !== undefined) q = q.where(`bucket < ${bucketBelow}`);
    const rows: { id: number }[] = await q.toArray();
    return rows.map((r) => Number(r.id));
  }

  async describe(): Promise<string> {
    const indices = await this.table!.listIndices();
    return indices.map((i) => `${i.indexType} on ${i.columns.join(',')}`).join('; ');
  }

  async close(): Promise<void> {
    this.table?.close();
    this.db.close();
  }
}

export interface LanceVariant {
  name: string;
  index: string;
  vectorIndex: () => Index;
  sweep: SearchSetting[];
}

export function lanceSystem(v: LanceVariant): PeerSystem {
  return {
    name: v.name,
    index: `${v.index} + BTree on bucket`,
    filtering: 'SQL `where`, prefiltered (the default) through the BTree index',
    threads: 'Rust thread pool on every core',
    sweep: v.sweep,
    async create(dir: string) {
      return new LanceStore(await connect(dir), undefined, v.vectorIndex);
    },
    async open(dir: string) {
      const db = await connect(dir);
      return new LanceStore(db, await db.openTable(TABLE), v.vectorIndex);
    },
  };
}

export default lanceSystem({
  name: 'LanceDB IVF_PQ',
  index: 'IVF_PQ, its default vector index (cosine, default sizes)',
  vectorIndex: () => Index.ivfPq({ distanceType: 'cosine' }),
  sweep: [
    { nprobes: 20 },
    { nprobes: 20, refineFactor: 10 },
    { nprobes: 20, refineFactor: 50 },
    { nprobes: 40, refineFactor: 50 },
    { nprobes: 40, refineFactor: 100 },
    { nprobes: 80, refineFactor: 100 },
  ],
});
