/**
 * What `ingest` and `search` share: read the pipeline file, let command-line flags override it (`--path`,
 * `--collection`), open the store, and close it afterwards whatever happens. The embedder is loaded on first
 * use only (about 1.5 s for the default model), so a command with nothing to embed never pays for it.
 */

import type { Command } from 'commander';
import { ClusterClient } from '../cluster/cluster-client.js';
import { clusterConfigFromEnv, connectCluster } from '../cluster/cluster-config.js';
import { listModels } from '../embed/default-model/manifest.js';
import { DEFAULT_MODEL_ID, DEFAULT_MODEL_VERSION } from '../embed/default-model/recipe.js';
import type { Embedder } from '../embed/embedder.js';
import { createEmbedder, embedderModelId } from '../pipeline/create-embedder.js';
import { loadPipeline } from '../pipeline/load-pipeline.js';
import type { PipelineConfig } from '../pipeline/pipeline-schema.js';
import type { DatabaseApi } from '../store/collection/collection-api.js';
import { Quiver } from '../store/quiver.js';

export interface PipelineFlags {
  pipeline?: string;
  collection?: string;
}

export interface PipelineContext {
  config: PipelineConfig;
  /** The embedded store, or with --cluster the cluster named by the QUIVER_* environment variables. */
  db: DatabaseApi;
  /** Loads the embedder on the first call; later calls return the same one. */
  embedder: () => Promise<Embedder>;
  /** The id the embedder will report, known without loading it. */
  modelId: string;
  collectionName: string;
  /** The store folder in use (or "cluster"). */
  storePath: string;
}

/** Says so on stderr when the default model is about to be built, so the first run's pause is explained. */
async function announceBuild(config: PipelineConfig): Promise<void> {
  if (config.embedder.provider !== 'default') return;
  const built = await listModels();
  if (!built.some((m) => m.modelId === DEFAULT_MODEL_ID && m.version === DEFAULT_MODEL_VERSION)) {
    console.error('building the offline default embedding model (first use only, a few seconds, no network)...');
  }
}

/** The embedded store at `path`, or the cluster the environment names. */
async function openStore(cluster: boolean, path: string) {
  if (!cluster) {
    const db = await Quiver.open({ path });
    return { db: db as DatabaseApi, where: path, close: () => db.close() };
  }
  const connection = await connectCluster(clusterConfigFromEnv());
  return { db: new ClusterClient(connection) as DatabaseApi, where: 'cluster', close: () => connection.close() };
}

export async function withPipeline<T>(
  program: Command,
  flags: PipelineFlags,
  fn: (ctx: PipelineContext) => Promise<T>,
): Promise<T> {
  const config = await loadPipeline(flags.pipeline);
  // An explicit --path wins over the pipeline file's store.path; commander's default does not.
  const path = program.getOptionValueSource('path') === 'default' ? config.store.path : program.opts().path;
  let loading: Promise<Embedder> | undefined;
  const embedder = () => {
    loading ??= announceBuild(config).then(() => createEmbedder(config.embedder));
    return loading;
  };
  try {
    const store = await openStore(program.opts().cluster === true, path);
    const db = store.db;
    try {
      return await fn({
        config,
        db,
        embedder,
        modelId: embedderModelId(config.embedder),
        collectionName: flags.collection ?? config.collection.name,
        storePath: store.where,
      });
    } finally {
      await store.close();
    }
  } finally {
    if (loading) await (await loading.catch(() => undefined))?.dispose();
  }
}
