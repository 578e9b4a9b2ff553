/**
 * The store's public surface. Re-exports only.
 */

export { Quiver, type QuiverOptions, type VerifyReport } from './quiver.js';
export {
  Collection,
  type DeleteRequest,
  type QueryOptions,
  type WriteOptions,
  type WriteResult,
} from './collection/collection.js';
export type { ConsistencyLevel, SearchHit, SearchOptions, SearchResult } from './collection/search.js';
export type { CollectionOptions } from './collection/options.js';
export type { SegmentPlan, Strategy } from './segment/planner.js';
export type { PrimaryKey } from './schema/batch.js';
export type * from './schema/types.js';
export type { ObjectStore, ObjectInfo } from './storage/object-store.js';
export type { MetaStore, MetaEntry, MetaCompare, MetaOp, MetaTxnResult } from './storage/meta-store.js';
export { LocalObjectStore } from './storage/local-object-store.js';
export { MemoryObjectStore } from './storage/memory-object-store.js';
export { FileMetaStore } from './storage/file-meta-store.js';
export { MemoryMetaStore } from './storage/memory-meta-store.js';
export { compileFilter, parseFilter } from './filter/index.js';
