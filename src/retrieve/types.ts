/**
 * The Retriever's types: what a query asks for and what comes back. A retrieved chunk carries its text,
 * its source document, the fused score and the per-method scores, so callers can cite and explain.
 */

import type { FusionSpec } from '../store/fusion/types.js';
import type { Segment } from './passages.js';

export interface RetrieveOptions {
  /** Chunks (or, with grouping, documents' chunks) to return. Default 5. */
  k?: number;
  /** A Quiver filter expression over the chunk fields (see docs/filter-language.md). */
  filter?: string;
  /** Values for `{name}` placeholders in the filter. */
  params?: Record<string, unknown>;
  partitions?: string[];
  /** Which retrievers to run. Default 'hybrid'. */
  mode?: 'hybrid' | 'dense' | 'bm25';
  /** Candidates each sub-search returns before fusion. Default max(50, 4·k). */
  candidates?: number;
  /** Fusion for hybrid mode; default chosen by evaluation (see docs). */
  fusion?: FusionSpec;
  /** Maximal marginal relevance: trade relevance for diversity. Off unless given. */
  mmr?: { lambda?: number; fetchK?: number };
  /** At most this many chunks per source document. Default: no limit. */
  maxChunksPerDocument?: number;
  /** Rerank with the configured reranker. Default true when one is configured. */
  rerank?: boolean;
  /** Chunks handed to the reranker: the best of the list after MMR and grouping. Default `candidates`; never below k. */
  rerankDepth?: number;
}

export interface RetrievedChunk {
  /** The chunk's primary key. */
  id: string;
  text: string;
  docId: string;
  source: string;
  title: string;
  chunkIndex: number;
  /** The final ranking score (fused, or the reranker's). Higher is better. */
  score: number;
  /** Per-method scores where they exist. */
  scores: { dense?: number; bm25?: number; rerank?: number };
  /** Every other stored field of the chunk (page, headings, metadata...). */
  fields: Record<string, unknown>;
}

/** A reranker scores (query, passage) pairs; higher is more relevant. */
export interface Reranker {
  readonly modelId: string;
  score(query: string, passages: string[]): Promise<number[]>;
  dispose(): Promise<void>;
}

export interface ContextOptions {
  /** Most tokens of context (counted with the embedder's tokenizer when it has one). Default 2,000. */
  maxTokens?: number;
  /** Neighbouring chunks to add on each side of a hit. Default 0. */
  neighbours?: number;
}

/** The context handed to a generator: numbered passages with their sources, within a token budget. */
export interface AssembledContext {
  /** Passages in citation order: [1], [2], ... */
  passages: {
    n: number;
    docId: string;
    source: string;
    title: string;
    text: string;
    chunkIds: string[];
    /** Offsets of `text` in its document (`documentText.slice(start, end) === text`), when the chunks' allow it. */
    start?: number;
    end?: number;
    /** Where the runs of `text` lie in the document, when every chunk has offsets (see `Passage`). */
    segments?: Segment[];
    /** The page its first chunk starts on, for paged documents. */
    page?: number | null;
    /** The best retrieval score among the hits merged into it. */
    score?: number;
    /** The heading path of its best-scoring hit, for structured documents. */
    headings?: string[];
  }[];
  /** The passages joined as prompt text, each headed by its citation number and source. */
  text: string;
  tokens: number;
}

/** Anything that turns a query into ranked chunks; the LangChain adapter and the HTTP layer take this. */
export interface ChunkRetriever {
  retrieve(query: string, options?: RetrieveOptions): Promise<RetrievedChunk[]>;
}
