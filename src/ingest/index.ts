/**
 * The ingestion area's public surface: loaders, chunkers, the chunk-collection schema and the `ingest`
 * pipeline itself. Re-exports only.
 */

export * from './chunk/index.js';
export {
  assertChunkCollection,
  type ChunkSchemaOptions,
  chunkCollectionSchema,
  chunkId,
  EMBEDDER_PROPERTY,
  VECTOR_FIELD,
} from './chunk-rows.js';
export type { DocumentType, LoadedDocument, PageSpan } from './document.js';
export {
  type IngestOptions,
  type IngestPath,
  type IngestProgress,
  type IngestSummary,
  ingest,
} from './ingest.js';
export * from './loaders/index.js';
