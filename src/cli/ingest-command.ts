/**
 * `quiver ingest <paths...>`: loads, chunks, embeds and stores documents into a collection, creating it on first
 * use. Re-running skips unchanged files; Ctrl-C stops between batches and leaves the store consistent (run it
 * again to finish).
 */

import type { Command } from 'commander';
import type { IngestSummary } from '../ingest/ingest.js';
import { runIngest } from '../pipeline/run-ingest.js';
import { type PipelineContext, type PipelineFlags, withPipeline } from './pipeline-context.js';
import { createProgressReporter } from './progress.js';

interface IngestFlags extends PipelineFlags {
  prune?: boolean;
}

/**
 * Ingests `paths` into the context's chunk collection (created on first use) with the pipeline's settings,
 * showing progress on stderr; Ctrl-C stops between batches.
 */
export async function ingestInto(ctx: PipelineContext, paths: string[], prune: boolean): Promise<IngestSummary> {
  const progress = createProgressReporter();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    return await runIngest({
      db: ctx.db,
      collectionName: ctx.collectionName,
      config: ctx.config,
      embedder: ctx.embedder,
      modelId: ctx.modelId,
      paths,
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
