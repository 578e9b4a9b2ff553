/**
 * The store's public surface. Re-exports only.
 */

export {
  Collection,
  type DeleteRequest,
  type QueryOptions,
  type WriteOptions,
  type WriteResult,
} from './collection/collection.js';
export type { CollectionApi, CollectionDescription, DatabaseApi } from './collection/collection-api.js';
export type {
  HybridHit,
  HybridResult,
  HybridSearchOptions,
  SubSearch,
  TextSubSearch,
  VectorSubSearch,
} from './collection/hybrid-search.js';
export type { CollectionOptions } from './collection/options.js';
export type { ConsistencyLevel, SearchHit, SearchOptions, SearchResult } from './collection/search.js';
export type { TextSearchOptions } from './collection/text-search.js';
export { compileFilter, parseFilter } from './filter/index.js';
export type * from './fusion/types.js';
export { Quiver, type QuiverOptions, type VerifyReport } from './quiver.js';
export type { PrimaryKey } from './schema/batch.js';
export { DEFAULT_B, DEFAULT_K1 } from './schema/full-text.js';
export type * from './schema/types.js';
export type { SegmentPlan, Strategy } from './segment/planner.js';
export { EtcdMetaStore, type EtcdMetaStoreOptions } from './storage/etcd-meta-store.js';
export type { MetaChange, MetaEvent, MetaWatch, MetaWatchOptions } from './storage/etcd-watch.js';
export { FileMetaStore } from './storage/file-meta-store.js';
export { LocalObjectStore } from './storage/local-object-store.js';
export { MemoryMetaStore } from './storage/memory-meta-store.js';
export { MemoryObjectStore } from './storage/memory-object-store.js';
export type { MetaCompare, MetaEntry, MetaOp, MetaStore, MetaTxnResult } from './storage/meta-store.js';
export type { ObjectInfo, ObjectStore } from './storage/object-store.js';
export { S3ObjectStore, type S3ObjectStoreOptions } from './storage/s3-object-store.js';
export { type Analyzer, type AnalyzerOptions, createAnalyzer } from './text/index.js';
