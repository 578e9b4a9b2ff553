/**
 * Ingestion with a pipeline's settings, for every front end (`quiver ingest`, the server's `/ingest`): open the
 * chunk collection, creating it on first use from the embedder's shape, check that an existing one was made by
 * the same model, and run `ingest` with the pipeline's loader, chunker and batch settings.
 */

import type { Embedder } from '../embed/embedder.js';
import { assertChunkCollection, chunkCollectionSchema, EMBEDDER_PROPERTY } from '../ingest/chunk-rows.js';
import { type IngestPath, type IngestProgress, type IngestSummary, ingest } from '../ingest/ingest.js';
import { BEIR_MAPPING } from '../ingest/loaders/json.js';
import type { CollectionApi, DatabaseApi } from '../store/collection/collection-api.js';
import type { PipelineConfig } from './pipeline-schema.js';

export interface RunIngestOptions {
  db: DatabaseApi;
  collectionName: string;
  config: PipelineConfig;
  /** Loads the embedder; called only when the collection must be created or there is something to embed. */
  embedder: () => Promise<Embedder>;
  /** The id the embedder will report, known without loading it. */
  modelId: string;
  paths: IngestPath[];
  prune?: boolean;
  /** Real folders every file must lie in (the server's ingest roots); see IngestOptions.within. */
  within?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
}

/**
 * The collection to write, and the embedder as ingest wants it: already loaded when the collection had to be
 * created (its dimension comes from the model), or loaded lazily, and checked against the collection then,
 * when the collection already records this model.
 */
async function openChunkCollection(
  o: RunIngestOptions,
): Promise<{ collection: CollectionApi; embedder: () => Promise<Embedder>; created: boolean }> {
  const checked = async () => {
    const embedder = await o.embedder();
    assertChunkCollection(collection!, { dimension: embedder.dimension, modelId: embedder.modelId });
    return embedder;
  };
  let collection: CollectionApi | undefined;
  if (await o.db.hasCollection(o.collectionName)) {
    collection = await o.db.collection(o.collectionName);
    if (collection.describe().properties[EMBEDDER_PROPERTY] !== o.modelId) await checked();
    return { collection, embedder: checked, created: false };
  }
  const embedder = await o.embedder();
  const shape = { dimension: embedder.dimension, modelId: embedder.modelId, index: o.config.collection.index };
  // ifNotExists: two requests creating it at once both get the one collection.
  collection = await o.db.createCollection(o.collectionName, chunkCollectionSchema(shape), { ifNotExists: true });
  return { collection, embedder: checked, created: true };
}

function loadOptions(loader: PipelineConfig['loader']) {
  const json = loader.json && 'preset' in loader.json ? BEIR_MAPPING : loader.json;
  return { json, csv: loader.csv };
}

/**
 * Runs the ingest. A collection this run created is dropped again when the run fails before writing anything
 * (a file that cannot be loaded, a path outside `within`), so a refused first ingest leaves nothing behind.
 */
export async function runIngest(o: RunIngestOptions): Promise<IngestSummary> {
  const { collection, embedder, created } = await openChunkCollection(o);
  try {
    return await ingestInto(o, collection, embedder);
  } catch (err) {
    if (created && (await collection.count().catch(() => 1)) === 0) {
      await o.db.dropCollection(o.collectionName).catch(() => {});
    }
    throw err;
  }
}

function ingestInto(o: RunIngestOptions, collection: CollectionApi, embedder: () => Promise<Embedder>) {
  return ingest({
    collection,
    embedder,
    paths: o.paths,
    include: o.config.loader.include,
    exclude: o.config.loader.exclude,
    load: loadOptions(o.config.loader),
    chunker: o.config.chunker,
    batchSize: o.config.ingest.batchSize,
    prune: o.prune ?? false,
    within: o.within,
    signal: o.signal,
    onProgress: o.onProgress,
  });
}
