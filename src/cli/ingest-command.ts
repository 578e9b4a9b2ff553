/**
 * `quiver ingest <paths...>`: loads, chunks, embeds and stores documents into a collection, creating it on first
 * use. Re-running skips unchanged files; Ctrl-C stops between batches and leaves the store consistent (run it
 * again to finish).
 */

import type { Command } from 'commander';
import type { Embedder } from '../embed/embedder.js';
import { assertChunkCollection, chunkCollectionSchema, EMBEDDER_PROPERTY } from '../ingest/chunk-rows.js';
import { type IngestSummary, ingest } from '../ingest/ingest.js';
import { BEIR_MAPPING } from '../ingest/loaders/json.js';
import type { PipelineConfig } from '../pipeline/pipeline-schema.js';
import type { Collection } from '../store/collection/collection.js';
import { type PipelineContext, type PipelineFlags, withPipeline } from './pipeline-context.js';
import { createProgressReporter } from './progress.js';

interface IngestFlags extends PipelineFlags {
  prune?: boolean;
}

/**
 * The collection to write, and the embedder as ingest wants it: already loaded when the collection had to be
 * created (its dimension comes from the model), or loaded lazily, and checked against the collection then,
 * when the collection already records this model.
 */
async function openChunkCollection(
  ctx: PipelineContext,
): Promise<{ collection: Collection; embedder: () => Promise<Embedder> }> {
  const index = ctx.config.collection.index;
  const checked = async () => {
    const embedder = await ctx.embedder();
    assertChunkCollection(collection!, { dimension: embedder.dimension, modelId: embedder.modelId });
    return embedder;
  };
  let collection: Collection | undefined;
  if (await ctx.db.hasCollection(ctx.collectionName)) {
    collection = await ctx.db.collection(ctx.collectionName);
    if (collection.describe().properties[EMBEDDER_PROPERTY] !== ctx.modelId) await checked();
    return { collection, embedder: checked };
  }
  const embedder = await ctx.embedder();
  const shape = { dimension: embedder.dimension, modelId: embedder.modelId, index };
  collection = await ctx.db.createCollection(ctx.collectionName, chunkCollectionSchema(shape));
  return { collection, embedder: checked };
}

function loadOptions(loader: PipelineConfig['loader']) {
  const json = loader.json && 'preset' in loader.json ? BEIR_MAPPING : loader.json;
  return { json, csv: loader.csv };
}

/**
 * Ingests `paths` into the context's chunk collection (created on first use) with the pipeline's settings,
 * showing progress on stderr; Ctrl-C stops between batches.
 */
export async function ingestInto(ctx: PipelineContext, paths: string[], prune: boolean): Promise<IngestSummary> {
  const { collection, embedder } = await openChunkCollection(ctx);
  const progress = createProgressReporter();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    return await ingest({
      collection,
      embedder,
      paths,
      include: ctx.config.loader.include,
      exclude: ctx.config.loader.exclude,
      load: loadOptions(ctx.config.loader),
      chunker: ctx.config.chunker,
      batchSize: ctx.config.ingest.batchSize,
      prune,
      signal: abort.signal,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
  }
}

export function formatSummary(collection: string, s: IngestSummary): string {
  const lines = [
    `${s.files.seen} files: ${s.files.changed} changed, ${s.files.unchanged} unchanged`,
    `${s.documents.written} documents written, ${s.documents.unchanged} unchanged, ${s.documents.removed} removed` +
      (s.documents.empty ? `, ${s.documents.empty} empty` : ''),
    `${s.chunks.written} chunks written, ${s.chunks.deleted} deleted, into "${collection}" in ${s.seconds.toFixed(1)} s`,
  ];
  if (s.orphaned > 0) lines.push(`${s.orphaned} documents' files are gone; run with --prune to remove them`);
  return lines.join('\n');
}

export function addIngestCommand(program: Command): void {
  program
    .command('ingest')
    .argument('<paths...>', 'files and folders to ingest')
    .description('load, chunk, embed and store documents (incremental: unchanged files are skipped)')
    .option('--pipeline <file>', 'pipeline file (default: pipelines/default.yaml)')
    .option('--collection <name>', 'collection to write (overrides the pipeline)')
    .option('--prune', 'delete the chunks of files that no longer exist under the given paths')
    .action(async (paths: string[], flags: IngestFlags) => {
      const json = program.opts().json === true;
      const { summary, name } = await withPipeline(program, flags, async (ctx) => ({
        summary: await ingestInto(ctx, paths, flags.prune ?? ctx.config.ingest.prune),
        name: ctx.collectionName,
      }));
      console.log(json ? JSON.stringify(summary, null, 2) : formatSummary(name, summary));
    });
}
