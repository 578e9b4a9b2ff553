/**
 * The LangChain adapter's public surface: a VectorStore over a Quiver collection, a retriever over Quiver's
 * retrieval pipeline, and embeddings in both directions. Re-exports only; the only area that imports
 * `@langchain/core`, and nothing else in Quiver imports it.
 */

export type { FieldLayout, FieldNames, QuiverFilter } from './document-rows.js';
export { LangChainEmbedder, type LangChainEmbedderOptions, QuiverEmbeddings } from './embeddings.js';
export { chunkDocument, QuiverRetriever, type QuiverRetrieverInput, type RetrievedChunkMetadata } from './retriever.js';
export {
  type QuiverAddOptions,
  type QuiverCreateOptions,
  type QuiverDeleteParams,
  QuiverVectorStore,
  type QuiverVectorStoreConfig,
  type QuiverVectorStoreOptions,
} from './vector-store.js';
