/**
 * Peer adapter: Vectra (`vectra`), a file-backed local index: the whole index (vectors, norms, metadata) is one
 * file that is loaded into memory on first use and rewritten on every committed update. Inserts run inside
 * one `beginUpdate`/`endUpdate`, so the file is written once. Every query is a brute-force scan with a
 * bounded heap; a Mongo-style metadata filter (`{ bucket: { $lt: t } }`) first selects the rows to score.
 *
 * This file's system uses Vectra's default JSON index file; vectra-protobuf.ts uses its binary codec.
 */

import { type IndexCodec, JsonCodec, LocalIndex } from 'vectra';
import type { PeerRow, PeerStore, PeerSystem, SearchSetting } from './types.js';

class VectraStore implements PeerStore {
  constructor(private readonly index: LocalIndex) {}

  async insert(rows: readonly PeerRow[]): Promise<void> {
    for (const r of rows) {
      await this.index.insertItem({ id: String(r.id), vector: Array.from(r.vector), metadata: { bucket: r.bucket } });
    }
  }

  async finish(): Promise<void> {
    await this.index.endUpdate();
  }

  async search(vector: Float32Array, k: number, _setting: SearchSetting, bucketBelow?: number): Promise<number[]> {
    const filter = bucketBelow === undefined ? undefined : { bucket: { $lt: bucketBelow } };
    const hits = await this.index.queryItems(Array.from(vector), '', k, filter);
    return hits.map((h) => Number(h.item.id));
  }

  async close(): Promise<void> {}
}

export function vectraSystem(name: string, codec: () => IndexCodec): PeerSystem {
  const localIndex = (dir: string) => new LocalIndex(dir, undefined, undefined, codec());
  return {
    name,
    index: 'none: brute-force scan with a bounded heap',
    filtering: 'Mongo-style metadata filter run on every row, then only the rows that pass are scored',
    threads: 'one',
    sweep: [{}],
    async create(dir: string) {
      const index = localIndex(dir);
      await index.createIndex({ version: 1, deleteIfExists: true });
      await index.beginUpdate();
      return new VectraStore(index);
    },
    async open(dir: string) {
      return new VectraStore(localIndex(dir));
    },
  };
}

export default vectraSystem('Vectra (JSON file)', () => new JsonCodec());
