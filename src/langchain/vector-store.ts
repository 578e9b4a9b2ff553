/**
 * QuiverVectorStore: a LangChain `VectorStore` over one Quiver collection. It reads any collection with a
 * string text field and a vector field (a `quiver ingest` collection as it is), and `create` makes one of its
 * own whose Document metadata keys become dynamic fields, so a LangChain filter is a plain Quiver filter
 * expression: `'source == "a.md" and year >= 2020'`. Every failure is Quiver's own `QuiverError`, unwrapped.
 *
 * Scores are similarities, higher is better: cosine similarity or inner product as Quiver computes them, and
 * for l2 collections 1 / (1 + squared distance).
 */

import { randomUUID } from 'node:crypto';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import type { Document, DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { maximalMarginalRelevance } from '@langchain/core/utils/math';
import { type MaxMarginalRelevanceSearchOptions, VectorStore } from '@langchain/core/vectorstores';
import { QuiverError } from '../errors.js';
import type { Collection } from '../store/collection/collection.js';
import type { Quiver } from '../store/quiver.js';
import type { PrimaryKey } from '../store/schema/batch.js';
import type { CollectionSchema, IndexParams, Metric, Row } from '../store/schema/types.js';
import {
  documentRow,
  type FieldLayout,
  type FieldNames,
  filterParts,
  hitDocument,
  type QuiverFilter,
  resolveLayout,
  similarity,
  toKey,
} from './document-rows.js';

/** Wraps an open collection. */
export type QuiverVectorStoreOptions = FieldNames & {
  collection: Collection;
  /** Rows per write. Default 1,000 (Quiver takes at most 10,000 rows per batch). */
  batchSize?: number;
};

/** Creates (or reopens) a collection with the adapter's own schema; see `QuiverVectorStore.create`. */
export type QuiverCreateOptions = FieldNames & {
  db: Quiver;
  collectionName: string;
  /** Vector length. Default: `embeddings.dimension` when it has one (QuiverEmbeddings), else one probe embedding. */
  dimension?: number;
  /** Default 'cosine'. */
  metric?: Metric;
  /** Default HNSW with Quiver's defaults. */
  index?: IndexParams;
  batchSize?: number;
};

/** What `fromDocuments` and `fromTexts` take: an open collection, or a store and a name to create. */
export type QuiverVectorStoreConfig = (QuiverVectorStoreOptions | QuiverCreateOptions) & { ids?: string[] };

export type QuiverAddOptions = {
  /** One id per document; existing rows with these ids are replaced. Default: `doc.id`, else a random UUID. */
  ids?: string[];
};

export type QuiverDeleteParams = { ids?: string[]; filter?: QuiverFilter };

const DEFAULT_BATCH = 1000;
const DEFAULT_FETCH_K = 20;

/**
 * @example
 * const embeddings = new QuiverEmbeddings(await createDefaultEmbedder());
 * const store = await QuiverVectorStore.create(embeddings, { db, collectionName: 'notes' });
 * await store.addDocuments([new Document({ pageContent: 'Filters are data.', metadata: { source: 'a.md' } })]);
 * const docs = await store.similaritySearch('how do filters work?', 4, 'source == "a.md"');
 * const retriever = store.asRetriever({ k: 4, filter: { expr: 'source in {s}', params: { s: ['a.md'] } } });
 */
export class QuiverVectorStore extends VectorStore {
  declare FilterType: QuiverFilter;
  readonly collection: Collection;
  /** Where this collection keeps the key, the text and the vector. */
  readonly fields: FieldLayout;
  private readonly batchSize: number;

  constructor(embeddings: EmbeddingsInterface, options: QuiverVectorStoreOptions) {
    super(embeddings, { textField: options.textField, vectorField: options.vectorField });
    this.collection = options.collection;
    this.fields = resolveLayout(options.collection, options);
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new QuiverError('INVALID_ARGUMENT', 'batchSize must be a positive integer', { field: 'batchSize' });
    }
    this.batchSize = batchSize;
  }

  _vectorstoreType(): string {
    return 'quiver';
  }

  /**
   * Opens `collectionName`, creating it when missing with the schema
   * `{ id: string primary, <vectorField>: vector, <textField>: string (full-text indexed), dynamic: true }`.
   * An existing collection must have the text and vector fields, and vectors of the embeddings' length (else INCOMPATIBLE).
   */
  static async create(embeddings: EmbeddingsInterface, options: QuiverCreateOptions): Promise<QuiverVectorStore> {
    const dimension = options.dimension ?? (await embeddingDimension(embeddings));
    const textField = options.textField ?? 'text';
    const vectorField = options.vectorField ?? 'embedding';
    const schema: CollectionSchema = {
      description: 'Documents written through the LangChain QuiverVectorStore',
      dynamic: true,
      fields: [
        { name: 'id', type: 'string', primary: true },
        { name: vectorField, type: 'vector', dim: dimension, metric: options.metric ?? 'cosine', index: options.index },
        // Full-text indexed so that hybrid retrieval and text_match filters work on these collections too.
        { name: textField, type: 'string', fullText: true },
      ],
    };
    const collection = await options.db.createCollection(options.collectionName, schema, { ifNotExists: true });
    const store = new QuiverVectorStore(embeddings, {
      collection,
      textField,
      vectorField,
      batchSize: options.batchSize,
    });
    if (store.fields.dim !== dimension) {
      throw new QuiverError(
        'INCOMPATIBLE',
        `collection "${collection.name}" holds ${store.fields.dim}-d vectors; these embeddings give ${dimension}-d`,
        { expected: store.fields.dim, received: dimension },
      );
    }
    return store;
  }

  static override async fromDocuments(
    docs: DocumentInterface[],
    embeddings: EmbeddingsInterface,
    config: QuiverVectorStoreConfig,
  ): Promise<QuiverVectorStore> {
    const store =
      'collection' in config
        ? new QuiverVectorStore(embeddings, config)
        : await QuiverVectorStore.create(embeddings, config);
    await store.addDocuments(docs, { ids: config.ids });
    return store;
  }

  /** `metadatas` is one object per text, or one object for all of them. */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    config: QuiverVectorStoreConfig,
  ): Promise<QuiverVectorStore> {
    const docs = texts.map((pageContent, i) => {
      const metadata = Array.isArray(metadatas) ? metadatas[i] : metadatas;
      return { pageContent, metadata: { ...(metadata as Record<string, unknown> | undefined) } };
    });
    return QuiverVectorStore.fromDocuments(docs, embeddings, config);
  }

  /** Embeds the documents' text and writes them; returns their ids. */
  async addDocuments(documents: DocumentInterface[], options: QuiverAddOptions = {}): Promise<string[]> {
    if (documents.length === 0) return [];
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  /** Writes documents with precomputed vectors: an upsert, so an existing id is replaced. Returns the ids. */
  async addVectors(
    vectors: number[][],
    documents: DocumentInterface[],
    options: QuiverAddOptions = {},
  ): Promise<string[]> {
    if (vectors.length !== documents.length) {
      throw new QuiverError('INVALID_ARGUMENT', `${vectors.length} vectors for ${documents.length} documents`, {
        expected: documents.length,
        received: vectors.length,
      });
    }
    if (options.ids !== undefined && options.ids.length !== documents.length) {
      throw new QuiverError('INVALID_ARGUMENT', `${options.ids.length} ids for ${documents.length} documents`, {
        field: 'ids',
        expected: documents.length,
        received: options.ids.length,
      });
    }
    const keys = this.keysFor(documents, options.ids);
    const rows = documents.map((doc, i) => documentRow(this.fields, doc, vectors[i]!, keys?.[i]));
    const ids: string[] = [];
    for (let at = 0; at < rows.length; at += this.batchSize) {
      const batch = rows.slice(at, at + this.batchSize);
      const written = keys ? await this.collection.upsert(batch) : await this.collection.insert(batch);
      for (const id of written.ids) ids.push(String(id));
    }
    return ids;
  }

  /** Keys for a write, or undefined when the collection assigns them (an autoId int key and no ids given). */
  private keysFor(documents: DocumentInterface[], ids?: string[]): PrimaryKey[] | undefined {
    const given = documents.map((doc, i) => ids?.[i] ?? (doc.id === '' ? undefined : doc.id));
    if (this.fields.primaryType === 'string') return given.map((id) => id ?? randomUUID());
    if (given.every((id) => id !== undefined)) return given.map((id) => toKey(this.fields, id!));
    if (this.fields.autoId && given.every((id) => id === undefined)) return undefined;
    throw new QuiverError(
      'INVALID_ARGUMENT',
      `"${this.fields.primary}" holds integer keys${this.fields.autoId ? ' assigned by Quiver; give no ids' : '; give every document an id'}`,
      { field: this.fields.primary },
    );
  }

  async similaritySearchVectorWithScore(
    query: number[],
    k: number,
    filter?: QuiverFilter,
  ): Promise<[DocumentInterface, number][]> {
    const { hits } = await this.collection.search({
      vector: query,
      k,
      field: this.fields.vector,
      ...filterParts(filter),
    });
    return hits.map((h) => [hitDocument(this.fields, h.id, h.fields), similarity(this.fields.metric, h.score)]);
  }

  /**
   * Fetches `fetchK` (default 20) nearest rows with their stored vectors and picks `k` of them by maximal
   * marginal relevance (cosine between vectors, LangChain's `maximalMarginalRelevance`); `lambda` 1 is pure
   * relevance, 0 pure diversity (default 0.5). Returns them in pick order.
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<QuiverFilter>,
    _callbacks?: Callbacks,
  ): Promise<Document[]> {
    const { k, fetchK = DEFAULT_FETCH_K, lambda = 0.5, filter } = options;
    const vector = await this.embeddings.embedQuery(query);
    const { hits } = await this.collection.search({
      vector,
      k: Math.max(fetchK, k),
      field: this.fields.vector,
      outputFields: ['*', this.fields.vector],
      ...filterParts(filter),
    });
    const candidates = hits.map((h) => h.fields[this.fields.vector] as number[]);
    const picked = maximalMarginalRelevance(vector, candidates, lambda, k);
    return picked.map((i) => hitDocument(this.fields, hits[i]!.id, hits[i]!.fields));
  }

  /** Deletes rows by id, by filter, or both (rows matching either). One of them is required. */
  override async delete(params: QuiverDeleteParams = {}): Promise<void> {
    const ids = params.ids?.map((id) => toKey(this.fields, id));
    await this.collection.delete({ ids, ...filterParts(params.filter) });
  }

  /** The stored rows with these ids, as Documents, in the order given; missing ids are skipped. */
  async getByIds(ids: string[]): Promise<Document[]> {
    const rows: Row[] = await this.collection.get(ids.map((id) => toKey(this.fields, id)));
    return rows.map(({ [this.fields.primary]: id, ...fields }) => hitDocument(this.fields, id as PrimaryKey, fields));
  }
}

async function embeddingDimension(embeddings: EmbeddingsInterface): Promise<number> {
  const known = (embeddings as { dimension?: unknown }).dimension;
  if (typeof known === 'number') return known;
  return (await embeddings.embedQuery('dimension probe')).length;
}
