/**
 * The shape of a chunk collection: the schema `quiver ingest` creates, and the mapping from a document's
 * chunks (plus their vectors) to rows. Chunk ids are `${doc.id}:${index}`, so the same input always yields the
 * same ids: re-running an ingest, or resuming one after a kill, overwrites rather than duplicates.
 */

import { QuiverError } from '../errors.js';
import type { CollectionApi } from '../store/collection/collection-api.js';
import type { CollectionSchema, IndexParams, Row } from '../store/schema/types.js';
import type { Chunk } from './chunk/chunk.js';
import type { LoadedDocument } from './document.js';

/** Collection properties that record which model produced a collection's vectors. */
export const EMBEDDER_PROPERTY = 'quiver.embedder';
export const VECTOR_FIELD = 'embedding';

/**
 * BM25 parameters of chunk text: Anserini's BEIR settings, which also top a k1 × b grid on SciFact's train
 * queries over 200-token chunks (chunks vary less in length than whole documents, so less length
 * normalization pays). See docs/retrieval.md.
 */
export const CHUNK_BM25 = { k1: 0.9, b: 0.4 } as const;

export interface ChunkSchemaOptions {
  dimension: number;
  modelId: string;
  index?: IndexParams;
}

export function chunkCollectionSchema(options: ChunkSchemaOptions): CollectionSchema {
  return {
    description: 'Document chunks written by quiver ingest',
    properties: { [EMBEDDER_PROPERTY]: options.modelId },
    fields: [
      { name: 'id', type: 'string', primary: true },
      { name: VECTOR_FIELD, type: 'vector', dim: options.dimension, metric: 'cosine', index: options.index },
      { name: 'text', type: 'string', fullText: { k1: CHUNK_BM25.k1, b: CHUNK_BM25.b } },
      { name: 'doc_id', type: 'string' },
      { name: 'doc_hash', type: 'string' },
      { name: 'source', type: 'string' },
      { name: 'title', type: 'string', fullText: true },
      { name: 'type', type: 'string' },
      { name: 'chunk_index', type: 'int' },
      { name: 'chunk_count', type: 'int' },
      { name: 'start', type: 'int' },
      { name: 'end', type: 'int' },
      { name: 'page', type: 'int', nullable: true },
      { name: 'headings', type: 'string[]', nullable: true },
      { name: 'mtime', type: 'int' },
      { name: 'metadata', type: 'json', nullable: true },
    ],
  };
}

/**
 * Checks that an existing collection can take chunks from this embedder: same vector field, same dimension,
 * same model. Mixing models in one collection would silently make scores meaningless.
 */
export function assertChunkCollection(collection: CollectionApi, options: ChunkSchemaOptions): void {
  const d = collection.describe();
  const field = d.fields.find((f) => f.name === VECTOR_FIELD);
  const names = new Set(d.fields.map((f) => f.name));
  const missing = ['text', 'doc_id', 'doc_hash', 'chunk_index', 'chunk_count'].filter((n) => !names.has(n));
  if (field?.type !== 'vector' || missing.length > 0) {
    throw new QuiverError(
      'INCOMPATIBLE',
      `collection "${d.name}" was not created by quiver ingest (it lacks ${field ? missing.join(', ') : VECTOR_FIELD}); ingest into another collection`,
    );
  }
  const model = d.properties[EMBEDDER_PROPERTY];
  if (field.dim !== options.dimension || (model !== undefined && model !== options.modelId)) {
    throw new QuiverError(
      'INCOMPATIBLE',
      `collection "${d.name}" holds ${field.dim}-d vectors from ${model ?? 'an unknown model'}, but the embedder is ${options.modelId} (${options.dimension}-d); use another --collection or drop this one`,
      { expected: { model, dim: field.dim }, received: { model: options.modelId, dim: options.dimension } },
    );
  }
}

export function chunkId(docId: string, index: number): string {
  return `${docId}:${index}`;
}

/** One chunk as a row. `chunkCount` is the document's total, which lets a later run see a partly written document. */
export function chunkRow(doc: LoadedDocument, chunk: Chunk, chunkCount: number, vector: Float32Array): Row {
  return {
    id: chunkId(doc.id, chunk.index),
    [VECTOR_FIELD]: vector,
    text: chunk.text,
    doc_id: doc.id,
    doc_hash: doc.hash,
    source: doc.source,
    title: doc.title,
    type: doc.type,
    chunk_index: chunk.index,
    chunk_count: chunkCount,
    start: chunk.start,
    end: chunk.end,
    page: chunk.page ?? null,
    headings: chunk.headings ?? null,
    mtime: Math.round(doc.mtime),
    metadata: Object.keys(doc.metadata).length > 0 ? doc.metadata : null,
  };
}
