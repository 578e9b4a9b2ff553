/**
 * The Retriever: the query path of RAG over a chunk collection (the schema `quiver ingest` writes). It embeds
 * the query, runs hybrid (dense + BM25), dense-only or BM25-only search with the caller's filter, optionally
 * diversifies with MMR over the candidates' stored vectors, keeps at most n chunks per document, optionally
 * reranks with a cross-encoder, and returns chunks with their sources and every score that ranked them.
 */

import type { Embedder } from '../embed/embedder.js';
import { QuiverError } from '../errors.js';
import type { CollectionApi } from '../store/collection/collection-api.js';
import type { FusionSpec } from '../store/fusion/types.js';
import { capPerDocument } from './group.js';
import { mmr } from './mmr.js';
import { type ResolvedRetrieveOptions, resolveRetrieveOptions } from './retrieve-options.js';
import type { ChunkRetriever, Reranker, RetrievedChunk, RetrieveOptions } from './types.js';

/**
 * What the Retriever needs of a collection: its two search calls, count to check a filter alone, and
 * describe to see which fields are full-text indexed.
 */
export type SearchableCollection = Pick<CollectionApi, 'search' | 'hybridSearch' | 'count' | 'describe'>;

export interface RetrieverOptions {
  /** A chunk collection: `text`, `doc_id`, `source`, `title`, `chunk_index` fields and a vector field. */
  collection: SearchableCollection;
  /** The embedder that produced the collection's vectors. */
  embedder: Embedder;
  /** Reorders the best chunks by (query, passage) relevance; used by default when given. */
  reranker?: Reranker;
  /** The full-text (BM25) field. Default 'text'. */
  textField?: string;
  /** The vector field. Default 'embedding'. */
  vectorField?: string;
  /**
   * Other full-text fields whose BM25 scores add to the text field's, with weights. Default `{ title: 0.2 }`
   * when the collection's `title` field is full-text indexed (chunk collections' is), else none: a title
   * boost chosen on SciFact's train split (docs/retrieval.md).
   */
  textBoosts?: Record<string, number>;
  /** Options every call starts from; a call's own options override them key by key. */
  defaults?: RetrieveOptions;
}

/** One search hit before conversion: its scores already mapped to dense / BM25. */
interface Candidate {
  id: string;
  score: number;
  scores: RetrievedChunk['scores'];
  fields: Record<string, unknown>;
}

/** Weight of a full-text `title` field's BM25 score added to the text field's, by default. */
export const DEFAULT_TITLE_BOOST = 0.2;

function isFullText(collection: SearchableCollection, name: string): boolean {
  const field = collection.describe().fields.find((f) => f.name === name);
  return field !== undefined && 'fullText' in field && field.fullText !== undefined && field.fullText !== false;
}

function defaultBoosts(collection: SearchableCollection, textField: string): Record<string, number> | undefined {
  return isFullText(collection, 'title') && textField !== 'title' ? { title: DEFAULT_TITLE_BOOST } : undefined;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/**
 * @example
 * const retriever = new Retriever({ collection: await db.collection('docs'), embedder });
 * const chunks = await retriever.retrieve('how do I install it?', {
 *   k: 5,
 *   filter: 'source like {dir}',
 *   params: { dir: 'guide/%' },
 *   maxChunksPerDocument: 2,
 * });
 * chunks[0]; // { id, text, docId, source, title, chunkIndex, score, scores: { dense, bm25 }, fields }
 */
export class Retriever implements ChunkRetriever {
  readonly #collection: SearchableCollection;
  readonly #embedder: Embedder;
  readonly #reranker: Reranker | undefined;
  readonly #textField: string;
  readonly #vectorField: string;
  readonly #defaults: RetrieveOptions;
  readonly #boosts: Record<string, number> | undefined;

  constructor(options: RetrieverOptions) {
    this.#collection = options.collection;
    this.#embedder = options.embedder;
    this.#reranker = options.reranker;
    this.#textField = options.textField ?? 'text';
    this.#vectorField = options.vectorField ?? 'embedding';
    this.#defaults = options.defaults ?? {};
    this.#boosts = options.textBoosts ?? defaultBoosts(options.collection, this.#textField);
  }

  async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievedChunk[]> {
    const o = resolveRetrieveOptions(query, { ...this.#defaults, ...options }, this.#reranker !== undefined);
    let candidates = await this.#search(query, o);
    if (o.mmr) candidates = this.#diversify(candidates, o);
    let chunks = capPerDocument(
      candidates.map((c) => this.#toChunk(c)),
      o.maxChunksPerDocument,
    );
    if (o.rerankDepth > 0 && this.#reranker) chunks = await this.#rerank(this.#reranker, query, chunks, o.rerankDepth);
    return chunks.slice(0, o.k);
  }

  async #search(query: string, o: ResolvedRetrieveOptions): Promise<Candidate[]> {
    if (o.mode !== 'dense' && !isFullText(this.#collection, this.#textField)) {
      // Collections written before chunk text was full-text indexed: say what to do, not just what is missing.
      const name = this.#collection.describe().name;
      throw new QuiverError(
        'INCOMPATIBLE',
        `collection "${name}" has no full-text index on "${this.#textField}", which ${o.mode} retrieval needs; ingest into a new collection, or use mode "dense"`,
        { collection: name, field: this.#textField },
      );
    }
    const shared = {
      k: o.pool,
      filter: o.filter,
      params: o.params,
      partitions: o.partitions,
      // The vectors are read only for MMR: they are the bulk of a hit, and the default projection leaves them out.
      outputFields: o.mmr ? ['*', this.#vectorField] : undefined,
    };
    if (o.mode === 'bm25') {
      const { hits } = await this.#collection.search({
        ...shared,
        text: query,
        field: this.#textField,
        boosts: this.#boosts,
      });
      return hits.map((h) => ({ id: str(h.id), score: h.score, scores: { bm25: h.score }, fields: h.fields }));
    }
    const vector = await this.#embedder.embedQuery(query);
    // A word-level embedder gives a query made only of unknown words (a part number, a typo) the zero vector,
    // which has no direction to rank by: dense finds nothing, and hybrid falls back to its BM25 half.
    const directed = vector.some((x) => x !== 0);
    if (o.mode === 'dense') {
      if (!directed) {
        // Nothing to rank by, but a bad filter or partition must still fail as it would with any other query.
        await this.#collection.count({ filter: o.filter, params: o.params, partitions: o.partitions });
        return [];
      }
      const { hits } = await this.#collection.search({ ...shared, vector, field: this.#vectorField });
      return hits.map((h) => ({ id: str(h.id), score: h.score, scores: { dense: h.score }, fields: h.fields }));
    }
    const kinds: ('dense' | 'bm25')[] = directed ? ['dense', 'bm25'] : ['bm25'];
    const { hits } = await this.#collection.hybridSearch({
      ...shared,
      requests: kinds.map((kind) =>
        kind === 'dense'
          ? { vector, field: this.#vectorField }
          : { text: query, field: this.#textField, boosts: this.#boosts },
      ),
      limit: o.candidates,
      // Per-list weights follow the requests; without the dense list only the BM25 weight applies.
      fusion:
        !directed && o.fusion?.weights
          ? ({ ...o.fusion, weights: o.fusion.weights.slice(1, 2) } as FusionSpec)
          : o.fusion,
    });
    return hits.map((h) => {
      const scores: RetrievedChunk['scores'] = {};
      kinds.forEach((kind, i) => {
        const s = h.scores[i];
        if (s !== null && s !== undefined) scores[kind] = s;
      });
      return { id: str(h.id), score: h.score, scores, fields: h.fields };
    });
  }

  /**
   * MMR over the best fetchK candidates. Dense scores are cosine similarities, on the same scale as the
   * redundancy term, so they are used as they are; fused and BM25 scores have no fixed scale, so they are
   * min-max normalized to [0, 1] first, or λ would mean something different for every query.
   */
  #diversify(candidates: Candidate[], o: ResolvedRetrieveOptions): Candidate[] {
    const { lambda, fetchK } = o.mmr!;
    const pool = candidates.slice(0, fetchK);
    const raw = pool.map((c) => c.score);
    let relevance = raw;
    if (o.mode !== 'dense') {
      const lo = Math.min(...raw);
      const span = Math.max(...raw) - lo;
      relevance = raw.map((s) => (span > 0 ? (s - lo) / span : 1));
    }
    const order = mmr(
      pool.map((c, i) => ({ relevance: relevance[i]!, vector: c.fields[this.#vectorField] as ArrayLike<number> })),
      { lambda },
    );
    return order.map((i) => pool[i]!);
  }

  async #rerank(reranker: Reranker, query: string, chunks: RetrievedChunk[], depth: number) {
    const head = chunks.slice(0, depth);
    if (head.length === 0) return head;
    const scores = await reranker.score(
      query,
      head.map((c) => c.text),
    );
    if (!Array.isArray(scores) || scores.length !== head.length || !scores.every(Number.isFinite)) {
      throw new QuiverError(
        'INTERNAL',
        `reranker ${reranker.modelId} must return one finite score per passage (${head.length})`,
        { received: Array.isArray(scores) ? scores.length : typeof scores },
      );
    }
    const ranked = head.map((c, i) => ({
      ...c,
      score: scores[i]!,
      scores: { ...c.scores, rerank: scores[i]! },
    }));
    // Array#sort is stable, so equal rerank scores keep the fused order.
    return ranked.sort((a, b) => b.score - a.score);
  }

  #toChunk(c: Candidate): RetrievedChunk {
    const fields = { ...c.fields };
    const take = (name: string): unknown => {
      const v = fields[name];
      delete fields[name];
      return v;
    };
    delete fields[this.#vectorField];
    return {
      id: c.id,
      text: str(take(this.#textField)),
      docId: str(take('doc_id')),
      source: str(take('source')),
      title: str(take('title')),
      chunkIndex: Number(take('chunk_index') ?? 0),
      score: c.score,
      scores: c.scores,
      fields,
    };
  }
}
