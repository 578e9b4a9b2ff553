/**
 * What every route of the HTTP server works with: the open store, the pipeline it serves, the default collection,
 * the embedder (loaded once, on first use), the RAG loop, the folders `/ingest` may read, and the metrics sink.
 * Routes take a `ServerContext` and nothing global, so tests can mount any one of them on a bare app.
 */

import type { Embedder } from '../embed/embedder.js';
import { createEmbedder } from '../pipeline/create-embedder.js';
import { openRag, type Rag } from '../pipeline/open-rag.js';
import type { PipelineConfig } from '../pipeline/pipeline-schema.js';
import type { DatabaseApi } from '../store/collection/collection-api.js';
import { InFlight } from './in-flight.js';

/** Hooks routes call so the metrics endpoint can report on them; the default does nothing. */
export interface ServerMetrics {
  /** One search-like operation (`search`, `ask`, `hybrid_search`, ...) and how long it took. */
  observeSearch(operation: string, seconds: number): void;
  /** Documents and chunks an ingest request wrote. */
  observeIngest(documents: number, chunks: number, seconds: number): void;
}

export const NO_METRICS: ServerMetrics = {
  observeSearch() {},
  observeIngest() {},
};

export interface ServerContext {
  db: DatabaseApi;
  config: PipelineConfig;
  /** The collection `/ask`, `/search` and `/ingest` use when a request names none. */
  collectionName: string;
  /** Loads the pipeline's embedder on the first call; later calls share it. */
  embedder(): Promise<Embedder>;
  /** The RAG loop over `collection` (default: `collectionName`), opened per call so a dropped collection is seen. */
  rag(collection?: string): Promise<Rag>;
  /** Absolute folders `/ingest` may read server-side paths from; empty means server-side paths are refused. */
  ingestRoots: readonly string[];
  metrics: ServerMetrics;
  /** Route handlers still running; shutdown waits for them. */
  inFlight: InFlight;
  /** Releases the embedder. The store belongs to whoever opened it. */
  dispose(): Promise<void>;
}

export interface ServerContextOptions {
  db: DatabaseApi;
  config: PipelineConfig;
  collectionName?: string;
  /** An embedder to use instead of building the pipeline's (tests pass a small deterministic one). */
  embedder?: Embedder;
  ingestRoots?: readonly string[];
  metrics?: ServerMetrics;
}

export function createServerContext(options: ServerContextOptions): ServerContext {
  const { db, config } = options;
  let loading: Promise<Embedder> | undefined = options.embedder ? Promise.resolve(options.embedder) : undefined;
  const embedder = () => {
    loading ??= createEmbedder(config.embedder);
    // A failed load is not cached: the next request tries again.
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };
  const ctx: ServerContext = {
    db,
    config,
    collectionName: options.collectionName ?? config.collection.name,
    embedder,
    rag: async (collection) => openRag(db, collection ?? ctx.collectionName, config, await embedder()),
    ingestRoots: options.ingestRoots ?? [],
    metrics: options.metrics ?? NO_METRICS,
    inFlight: new InFlight(),
    async dispose() {
      // A caller-supplied embedder is the caller's to dispose.
      if (loading && !options.embedder) await (await loading.catch(() => undefined))?.dispose();
    },
  };
  return ctx;
}
