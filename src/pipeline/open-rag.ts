/**
 * Everything `ask` needs, opened from a pipeline file: the chunk collection (checked against the embedder),
 * the embedder, a Retriever over them, the generator, and the ask defaults from the `retrieve` section. The CLI's
 * `quiver ask` and the HTTP server's `/ask` both start here, so they answer alike.
 */

import type { AskComponents, AskOptions } from '../ask/ask.js';
import type { Embedder } from '../embed/embedder.js';
import { QuiverError } from '../errors.js';
import { assertChunkCollection } from '../ingest/chunk-rows.js';
import { Retriever } from '../retrieve/retriever.js';
import type { CollectionApi, DatabaseApi } from '../store/collection/collection-api.js';
import { createGenerator } from './create-generator.js';
import type { PipelineConfig } from './pipeline-schema.js';

export interface Rag {
  collection: CollectionApi;
  components: AskComponents;
  /** The pipeline's `retrieve` section as ask options; a caller's own options go on top. */
  defaults: AskOptions;
}

/** The ask options a pipeline's `retrieve` section stands for. */
export function askDefaults(config: PipelineConfig): AskOptions {
  const r = config.retrieve;
  return {
    k: r.k,
    mode: r.mode,
    neighbours: r.neighbours,
    maxContextTokens: r.maxContextTokens,
    ...(r.maxChunksPerDocument !== undefined ? { maxChunksPerDocument: r.maxChunksPerDocument } : {}),
  };
}

/**
 * Opens the RAG loop over `collectionName` in `db`. Fails with COLLECTION_NOT_FOUND (and the command that fixes it)
 * when nothing was ingested yet, and with SCHEMA_MISMATCH when the collection was embedded by another model.
 */
export async function openRag(
  db: DatabaseApi,
  collectionName: string,
  config: PipelineConfig,
  embedder: Embedder,
): Promise<Rag> {
  if (!(await db.hasCollection(collectionName))) {
    throw new QuiverError(
      'COLLECTION_NOT_FOUND',
      `collection "${collectionName}" does not exist; run quiver ingest <folder> first`,
      { collection: collectionName },
    );
  }
  const collection = await db.collection(collectionName);
  assertChunkCollection(collection, { dimension: embedder.dimension, modelId: embedder.modelId });
  const countTokens = embedder.countTokens?.bind(embedder);
  return {
    collection,
    components: {
      retriever: new Retriever({ collection, embedder }),
      collection,
      generator: await createGenerator(config.generator),
      ...(countTokens ? { countTokens } : {}),
    },
    defaults: askDefaults(config),
  };
}
