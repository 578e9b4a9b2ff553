/**
 * Peer adapter: raw hnswlib-node, the baseline every ratio is taken against. One HNSW graph (cosine, M 16,
 * efConstruction 200) built by `addPoint`, persisted with `writeIndex`, reopened with `readIndex`. It keeps no
 * metadata, so the application's own bucket column is saved beside the index, and a filter is a JS callback
 * that the C++ search calls for every node it visits.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { HNSW, type PeerRow, type PeerStore, type PeerSystem, type SearchSetting, type StoreOptions } from './types.js';

/** hnswlib-node takes plain arrays only (a Float32Array is a TypeError). */
function toArray(v: Float32Array): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]!;
  return out;
}

class HnswlibStore implements PeerStore {
  private ef = -1;
  private readonly filters = new Map<number, (label: number) => boolean>();

  constructor(
    private readonly index: hnswlib.HierarchicalNSW,
    private readonly dir: string,
    private readonly bucket: Int32Array,
  ) {}

  async insert(rows: readonly PeerRow[]): Promise<void> {
    for (const r of rows) {
      this.index.addPoint(toArray(r.vector), r.id);
      this.bucket[r.id] = r.bucket;
    }
  }

  async finish(): Promise<void> {
    await this.index.writeIndex(join(this.dir, 'index.bin'));
    writeFileSync(join(this.dir, 'bucket.i32'), new Uint8Array(this.bucket.buffer));
  }

  async search(vector: Float32Array, k: number, setting: SearchSetting, bucketBelow?: number): Promise<number[]> {
    const ef = setting.ef ?? 10;
    if (ef !== this.ef) {
      this.index.setEf(ef);
      this.ef = ef;
    }
    if (bucketBelow === undefined) return this.index.searchKnn(toArray(vector), k).neighbors;
    let filter = this.filters.get(bucketBelow);
    if (!filter) {
      const bucket = this.bucket;
      filter = (label: number) => bucket[label]! < bucketBelow;
      this.filters.set(bucketBelow, filter);
    }
    return this.index.searchKnn(toArray(vector), k, filter).neighbors;
  }

  async close(): Promise<void> {}
}

const system: PeerSystem = {
  name: 'hnswlib-node (raw)',
  index: `HNSW, M ${HNSW.M}, efConstruction ${HNSW.efConstruction}`,
  filtering: 'JS callback per visited node (C++ → JS), same ef',
  threads: 'one',
  sweep: [16, 32, 64, 128, 256].map((ef) => ({ ef })),
  async create(dir: string, o: StoreOptions) {
    await mkdir(dir, { recursive: true });
    const index = new hnswlib.HierarchicalNSW('cosine', o.dim);
    index.initIndex({ maxElements: o.rows, m: HNSW.M, efConstruction: HNSW.efConstruction });
    return new HnswlibStore(index, dir, new Int32Array(o.rows));
  },
  async open(dir: string, o: StoreOptions) {
    const index = new hnswlib.HierarchicalNSW('cosine', o.dim);
    await index.readIndex(join(dir, 'index.bin'));
    const bytes = readFileSync(join(dir, 'bucket.i32'));
    const bucket = new Int32Array(bytes.byteLength / 4);
    new Uint8Array(bucket.buffer).set(bytes);
    return new HnswlibStore(index, dir, bucket);
  },
};

export default system;
