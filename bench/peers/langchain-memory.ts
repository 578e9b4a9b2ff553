/**
 * Peer adapter: LangChain's `MemoryVectorStore` (@langchain/classic), the in-memory store LangChain examples
 * start from. Vectors go in with `addVectors` (the embedding model is never called), queries go through
 * `similaritySearchVectorWithScore`. Every query is a brute-force scan: it runs the filter function on every
 * row first (building a Document for each), scores all rows that pass with a JS cosine, sorts them all and
 * keeps k. Nothing persists.
 */

import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import type { PeerRow, PeerStore, PeerSystem, SearchSetting } from './types.js';

/** The store wants an embedding model; the benchmark hands it vectors, so this one is never called. */
class NoEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(): Promise<number[][]> {
    throw new Error('the benchmark passes vectors, not texts');
  }
  async embedQuery(): Promise<number[]> {
    throw new Error('the benchmark passes vectors, not texts');
  }
}

class MemoryStore implements PeerStore {
  private readonly store = new MemoryVectorStore(new NoEmbeddings());
  private readonly filters = new Map<number, (doc: Document) => boolean>();

  async insert(rows: readonly PeerRow[]): Promise<void> {
    await this.store.addVectors(
      rows.map((r) => Array.from(r.vector)),
      rows.map((r) => new Document({ pageContent: '', metadata: { id: r.id, bucket: r.bucket } })),
    );
  }

  async finish(): Promise<void> {}

  async search(vector: Float32Array, k: number, _setting: SearchSetting, bucketBelow?: number): Promise<number[]> {
    let filter: ((doc: Document) => boolean) | undefined;
    if (bucketBelow !== undefined) {
      filter = this.filters.get(bucketBelow);
      if (!filter) {
        filter = (doc: Document) => (doc.metadata.bucket as number) < bucketBelow;
        this.filters.set(bucketBelow, filter);
      }
    }
    const hits = await this.store.similaritySearchVectorWithScore(Array.from(vector), k, filter);
    return hits.map(([doc]) => doc.metadata.id as number);
  }

  async close(): Promise<void> {}
}

const system: PeerSystem = {
  name: 'LangChain MemoryVectorStore',
  index: 'none: brute-force scan, JS cosine, full sort',
  filtering: 'JS predicate on a Document built per row, before scoring (pre-filter scan)',
  threads: 'one',
  sweep: [{}],
  async create() {
    return new MemoryStore();
  },
};

export default system;
