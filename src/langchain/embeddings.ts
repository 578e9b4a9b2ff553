/**
 * Embedding models across the LangChain boundary, both ways: `QuiverEmbeddings` hands a Quiver `Embedder` to
 * LangChain (vector stores, retrievers, anything that takes `Embeddings`), and `LangChainEmbedder` hands any
 * LangChain `Embeddings` to Quiver (ingest, the Retriever). Vectors are `Float32Array` on Quiver's side and
 * `number[]` on LangChain's; this file is the only place that converts between them.
 */

import { Embeddings, type EmbeddingsInterface, type EmbeddingsParams } from '@langchain/core/embeddings';
import type { Embedder } from '../embed/embedder.js';
import { QuiverError } from '../errors.js';

/**
 * A Quiver `Embedder` as LangChain `Embeddings`. The embedder keeps its own query/document prefixes and batching.
 *
 * @example
 * const embeddings = new QuiverEmbeddings(await createDefaultEmbedder());
 * const store = await QuiverVectorStore.create(embeddings, { db, collectionName: 'notes' });
 */
export class QuiverEmbeddings extends Embeddings {
  readonly embedder: Embedder;

  constructor(embedder: Embedder, params: EmbeddingsParams = {}) {
    super(params);
    this.embedder = embedder;
  }

  /** The embedder's vector length; `QuiverVectorStore.create` reads it instead of embedding a probe. */
  get dimension(): number {
    return this.embedder.dimension;
  }

  get modelId(): string {
    return this.embedder.modelId;
  }

  // Calls go straight to the embedder, not through `this.caller`: LangChain's AsyncCaller retries every
  // failure, which would repeat a local model's deterministic errors and hide the QuiverError behind delays.
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return (await this.embedder.embedDocuments(texts)).map((v) => Array.from(v));
  }

  async embedQuery(text: string): Promise<number[]> {
    return Array.from(await this.embedder.embedQuery(text));
  }
}

export interface LangChainEmbedderOptions {
  /** Recorded with the vectors, as for any Embedder (e.g. 'openai/text-embedding-3-small'). */
  modelId: string;
  /** The vector length. Default: the length of one probe embedding. */
  dimension?: number;
  /** Reported as `maxTokens`, which chunkers read; LangChain does not expose it. Default 512. */
  maxTokens?: number;
}

/**
 * Any LangChain `Embeddings` as a Quiver `Embedder`. Vectors of the wrong length fail with DIMENSION_MISMATCH.
 *
 * @example
 * const embedder = await LangChainEmbedder.create(new OpenAIEmbeddings(), { modelId: 'text-embedding-3-small' });
 * await ingest({ collection, embedder, paths: ['docs'] });
 */
export class LangChainEmbedder implements Embedder {
  readonly embeddings: EmbeddingsInterface;
  readonly modelId: string;
  readonly dimension: number;
  readonly maxTokens: number;

  private constructor(embeddings: EmbeddingsInterface, options: LangChainEmbedderOptions, dimension: number) {
    this.embeddings = embeddings;
    this.modelId = options.modelId;
    this.dimension = dimension;
    this.maxTokens = options.maxTokens ?? 512;
  }

  static async create(embeddings: EmbeddingsInterface, options: LangChainEmbedderOptions): Promise<LangChainEmbedder> {
    if (typeof options.modelId !== 'string' || options.modelId === '') {
      throw new QuiverError('INVALID_ARGUMENT', 'modelId must be a non-empty string', { field: 'modelId' });
    }
    const { dimension } = options;
    if (dimension !== undefined && (!Number.isInteger(dimension) || dimension < 1)) {
      throw new QuiverError('INVALID_ARGUMENT', 'dimension must be a positive integer', {
        field: 'dimension',
        received: dimension,
      });
    }
    if (dimension !== undefined) return new LangChainEmbedder(embeddings, options, dimension);
    const probe = await embeddings.embedQuery('dimension probe');
    return new LangChainEmbedder(embeddings, options, probe.length);
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const vectors = await this.embeddings.embedDocuments(texts);
    if (vectors.length !== texts.length) {
      // As OpenAIEmbedder treats a malformed response: the model, not the caller, broke the contract.
      throw new QuiverError(
        'IO_ERROR',
        `${this.modelId} returned ${vectors.length} vectors for ${texts.length} texts`,
        {
          expected: texts.length,
          received: vectors.length,
        },
      );
    }
    return vectors.map((v) => this.toFloat32(v));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.toFloat32(await this.embeddings.embedQuery(text));
  }

  async dispose(): Promise<void> {
    // LangChain embeddings own no resources that they let callers release.
  }

  private toFloat32(v: number[]): Float32Array {
    if (v.length !== this.dimension) {
      throw new QuiverError(
        'DIMENSION_MISMATCH',
        `${this.modelId} returned a ${v.length}-d vector; expected ${this.dimension}`,
        { expected: this.dimension, received: v.length },
      );
    }
    return Float32Array.from(v);
  }
}
