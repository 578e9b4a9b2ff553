/**
 * What every deployment's collections and databases offer: the embedded `Collection` and `Quiver`, and cluster
 * mode's `ClusterCollection` and `ClusterClient`. Ingestion, retrieval and the RAG loop take these types, so they
 * run unchanged on either. (Embedded-only calls, such as flush, compact, stats and partition management, stay
 * on the embedded classes.)
 */

import type { PrimaryKey } from '../schema/batch.js';
import type { CollectionSchema, Row } from '../schema/types.js';
import type { VectorIndexKind } from '../vector/vector-index.js';
import type { DeleteRequest, QueryOptions, WriteOptions, WriteResult } from './collection.js';
import type { HybridResult, HybridSearchOptions } from './hybrid-search.js';
import type { ConsistencyLevel, SearchOptions, SearchResult } from './search.js';
import type { TextSearchOptions } from './text-search.js';

export interface CollectionDescription {
  name: string;
  fields: CollectionSchema['fields'];
  dynamic?: boolean;
  description?: string;
  properties: Record<string, string>;
  partitionKey: string | null;
  partitions: string[];
  createdAt: string;
  /**
   * Per vector field: the configured index type and how many sealed segments hold each kind of index (what
   * AUTOINDEX picked, or an interim FLAT waiting for its graph). Embedded collections only: a cluster proxy
   * does not load segments.
   */
  vectorIndexes?: { field: string; index: string; segments: Partial<Record<VectorIndexKind, number>> }[];
}

export interface CollectionApi {
  readonly name: string;
  insert(rows: Row[], options?: WriteOptions): Promise<WriteResult>;
  upsert(rows: Row[], options?: WriteOptions): Promise<WriteResult>;
  delete(request: DeleteRequest): Promise<{ deleted: number }>;
  get(ids: PrimaryKey[], options?: { outputFields?: string[]; consistency?: ConsistencyLevel }): Promise<Row[]>;
  query(options?: QueryOptions): Promise<Row[]>;
  iterate(options?: Omit<QueryOptions, 'limit' | 'offset'> & { batchSize?: number }): AsyncGenerator<Row[]>;
  count(options?: {
    filter?: string;
    params?: Record<string, unknown>;
    partitions?: string[];
    consistency?: ConsistencyLevel;
  }): Promise<number>;
  search(
    request: (SearchOptions & { vector: ArrayLike<number> }) | (TextSearchOptions & { text: string }),
  ): Promise<SearchResult>;
  hybridSearch(request: HybridSearchOptions): Promise<HybridResult>;
  searchBatch(request: SearchOptions & { vectors: ArrayLike<number>[] }): Promise<SearchResult[]>;
  describe(): CollectionDescription;
}

export interface DatabaseApi {
  createCollection(name: string, schema: CollectionSchema, options?: { ifNotExists?: boolean }): Promise<CollectionApi>;
  collection(name: string): Promise<CollectionApi>;
  hasCollection(name: string): Promise<boolean>;
  listCollections(): Promise<string[]>;
  dropCollection(name: string): Promise<void>;
}
