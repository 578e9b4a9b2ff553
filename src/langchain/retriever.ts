/**
 * QuiverRetriever: Quiver's retrieval pipeline (hybrid dense + BM25 search, fusion, MMR, per-document caps,
 * reranking) as a LangChain `BaseRetriever`, so it drops into LCEL chains. It takes any `ChunkRetriever`
 * (normally `src/retrieve`'s Retriever) and fixed `RetrieveOptions`; each chunk becomes one Document.
 * Errors reach the caller as the ChunkRetriever threw them (a bad filter stays a QuiverError with its position).
 */

import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { ChunkRetriever, RetrievedChunk, RetrieveOptions } from '../retrieve/types.js';

export type QuiverRetrieverInput = BaseRetrieverInput &
  RetrieveOptions & {
    /** What turns a query into ranked chunks, e.g. `new Retriever({ collection, embedder })`. */
    retriever: ChunkRetriever;
  };

/** The metadata of each Document a QuiverRetriever returns: the chunk's stored fields plus these. */
export type RetrievedChunkMetadata = Record<string, unknown> & {
  id: string;
  docId: string;
  source: string;
  title: string;
  chunkIndex: number;
  score: number;
  scores: RetrievedChunk['scores'];
};

/**
 * @example
 * const retriever = new QuiverRetriever({ retriever: new Retriever({ collection, embedder }), k: 4, mode: 'hybrid' });
 * const chain = retriever.pipe(formatDocs).pipe(prompt).pipe(model);
 */
export class QuiverRetriever extends BaseRetriever<RetrievedChunkMetadata> {
  static override lc_name(): string {
    return 'QuiverRetriever';
  }

  override lc_namespace = ['quiver', 'retrievers'];
  readonly retriever: ChunkRetriever;
  /** Passed unchanged to every `retrieve` call. */
  readonly options: RetrieveOptions;

  constructor(fields: QuiverRetrieverInput) {
    const { retriever, callbacks, tags, metadata, verbose, ...options } = fields;
    super({ callbacks, tags, metadata, verbose });
    this.retriever = retriever;
    this.options = options;
  }

  override async _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<Document<RetrievedChunkMetadata>[]> {
    const chunks = await this.retriever.retrieve(query, this.options);
    return chunks.map(chunkDocument);
  }
}

/** One retrieved chunk as a Document; the named keys win over a stored field of the same name. */
export function chunkDocument(chunk: RetrievedChunk): Document<RetrievedChunkMetadata> {
  return new Document({
    id: chunk.id,
    pageContent: chunk.text,
    metadata: {
      ...chunk.fields,
      id: chunk.id,
      docId: chunk.docId,
      source: chunk.source,
      title: chunk.title,
      chunkIndex: chunk.chunkIndex,
      score: chunk.score,
      scores: chunk.scores,
    },
  });
}
