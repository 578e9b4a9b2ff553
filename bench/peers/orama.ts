/**
 * Peer adapter: Orama (@orama/orama), in memory. Its vector search is a brute-force scan (cosine on
 * Float32Arrays) that keeps every row above a similarity threshold (default 0.8) and sorts them, so the
 * threshold is its only search knob: lower keeps more rows, costs a bigger sort and finds more true neighbours.
 * A `where` clause is resolved to ids first (an AVL tree on `bucket`), and only those rows are scored.
 * Orama can persist through a plugin; this benchmark uses it in memory, as its docs do.
 */

import { create, insertMultiple, search } from '@orama/orama';
import type { PeerRow, PeerStore, PeerSystem, SearchSetting, StoreOptions } from './types.js';

const DEFAULT_SIMILARITY = 0.8;

function makeDb(dim: number) {
  return create({ schema: { v: `vector[${dim}]`, bucket: 'number' } as const });
}

class OramaStore implements PeerStore {
  constructor(private readonly db: ReturnType<typeof makeDb>) {}

  async insert(rows: readonly PeerRow[]): Promise<void> {
    // Orama accepts plain arrays only for a vector property.
    await insertMultiple(
      this.db,
      rows.map((r) => ({ id: String(r.id), v: Array.from(r.vector), bucket: r.bucket })),
    );
  }

  async finish(): Promise<void> {}

  async search(vector: Float32Array, k: number, setting: SearchSetting, bucketBelow?: number): Promise<number[]> {
    const result = await search(this.db, {
      mode: 'vector',
      vector: { value: Array.from(vector), property: 'v' },
      similarity: setting.similarity ?? DEFAULT_SIMILARITY,
      limit: k,
      includeVectors: false,
      ...(bucketBelow === undefined ? {} : { where: { bucket: { lt: bucketBelow } } }),
    });
    return result.hits.map((h) => Number(h.id));
  }

  async close(): Promise<void> {}
}

const system: PeerSystem = {
  name: 'Orama',
  index: 'none: brute-force scan with a similarity threshold, then a sort',
  filtering: '`where` resolved to ids first (AVL tree), then only those rows are scanned',
  threads: 'one',
  // 0.8 is Orama's default; with these vectors true neighbours sit near 0.5–0.7, so lower thresholds are needed.
  sweep: [0.8, 0.6, 0.4, 0].map((similarity) => ({ similarity })),
  async create(_dir: string, o: StoreOptions) {
    return new OramaStore(makeDb(o.dim));
  },
};

export default system;
