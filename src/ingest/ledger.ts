/**
 * What a chunk collection already holds, per document: read back from the chunk rows themselves (doc_id,
 * doc_hash, chunk_index, chunk_count), so there is no second record that could disagree with the data. A
 * document is complete when it has exactly `chunk_count` chunks, all with one hash; anything else is the trace
 * of an interrupted run and is redone.
 */

import type { CollectionApi } from '../store/collection/collection-api.js';
import { chunkId } from './chunk-rows.js';

export interface LedgerEntry {
  source: string;
  hashes: Set<string>;
  /** chunk_index of every stored chunk. */
  indexes: number[];
  /** The largest chunk_count any stored chunk claims. */
  expected: number;
}

export class Ledger {
  private readonly docs = new Map<string, LedgerEntry>();
  private bySource: Map<string, string[]> | undefined;

  static async read(collection: CollectionApi): Promise<Ledger> {
    const ledger = new Ledger();
    const fields = ['doc_id', 'doc_hash', 'source', 'chunk_index', 'chunk_count'];
    for await (const rows of collection.iterate({ outputFields: fields, batchSize: 4096 })) {
      for (const r of rows) {
        const id = r.doc_id as string;
        let e = ledger.docs.get(id);
        if (!e) {
          e = { source: r.source as string, hashes: new Set(), indexes: [], expected: 0 };
          ledger.docs.set(id, e);
        }
        e.hashes.add(r.doc_hash as string);
        e.indexes.push(r.chunk_index as number);
        e.expected = Math.max(e.expected, r.chunk_count as number);
      }
    }
    return ledger;
  }

  has(docId: string): boolean {
    return this.docs.has(docId);
  }

  /** True when the stored chunks are exactly one complete copy of the document with this hash. */
  isCurrent(docId: string, hash: string): boolean {
    const e = this.docs.get(docId);
    if (e?.hashes.size !== 1 || !e.hashes.has(hash)) return false;
    if (e.indexes.length !== e.expected) return false;
    const seen = new Set(e.indexes);
    for (let i = 0; i < e.expected; i++) if (!seen.has(i)) return false;
    return true;
  }

  /** Ids of stored chunks of `docId` that a new version with `keep` chunks does not overwrite. */
  staleChunkIds(docId: string, keep: number): string[] {
    const e = this.docs.get(docId);
    return e ? e.indexes.filter((i) => i >= keep).map((i) => chunkId(docId, i)) : [];
  }

  /** Every stored document as [docId, source]. */
  *documents(): IterableIterator<[string, string]> {
    for (const [id, e] of this.docs) yield [id, e.source];
  }

  /** Ids of the stored documents that came from `source`. */
  documentsOf(source: string): string[] {
    if (!this.bySource) {
      this.bySource = new Map();
      for (const [id, e] of this.docs) {
        const list = this.bySource.get(e.source);
        if (list) list.push(id);
        else this.bySource.set(e.source, [id]);
      }
    }
    return this.bySource.get(source) ?? [];
  }
}
