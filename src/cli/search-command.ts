/**
 * `quiver search "<text>"`: runs the query through the Retriever (hybrid dense + BM25 by default, or one of
 * them with --mode) with the pipeline's embedder, and prints the best chunks with their sources (file,
 * heading path or page, character range) and the score each method gave them.
 */

import type { Command } from 'commander';
import { QuiverError } from '../errors.js';
import { assertChunkCollection } from '../ingest/chunk-rows.js';
import { Retriever } from '../retrieve/retriever.js';
import type { RetrievedChunk, RetrieveOptions } from '../retrieve/types.js';
import { type PipelineFlags, withPipeline } from './pipeline-context.js';

interface SearchFlags extends PipelineFlags {
  k: string;
  filter?: string;
  mode: string;
  perDocument?: string;
}

const MODES = ['hybrid', 'dense', 'bm25'];

function where(chunk: RetrievedChunk): string {
  const f = chunk.fields;
  const headings = (f.headings as string[] | null) ?? [];
  const place = f.page != null ? `page ${f.page}` : headings.length ? headings.join(' › ') : '';
  return `${chunk.source}${place ? ` › ${place}` : ''} [${f.start}–${f.end}]`;
}

function scores(chunk: RetrievedChunk): string {
  const parts = Object.entries(chunk.scores).map(([k, v]) => `${k} ${v.toFixed(3)}`);
  return parts.length > 1 ? `  (${parts.join(', ')})` : '';
}

function excerpt(text: string, width = 240): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export function addSearchCommand(program: Command): void {
  program
    .command('search')
    .argument('<text>', 'what to look for')
    .description('find the chunks that best answer a query (hybrid dense + BM25), with their sources')
    .option('-k <n>', 'how many hits', '5')
    .option('--filter <expr>', 'filter expression, e.g. \'source like "docs/%"\'')
    .option('--mode <mode>', 'hybrid, dense or bm25', 'hybrid')
    .option('--per-document <n>', 'at most n chunks per document')
    .option('--pipeline <file>', 'pipeline file (default: pipelines/default.yaml)')
    .option('--collection <name>', 'collection to search (overrides the pipeline)')
    .action(async (text: string, flags: SearchFlags) => {
      const k = Number(flags.k);
      if (!Number.isInteger(k) || k < 1)
        throw new QuiverError('INVALID_ARGUMENT', `-k must be a positive integer, got ${flags.k}`);
      if (!MODES.includes(flags.mode))
        throw new QuiverError('INVALID_ARGUMENT', `--mode must be one of ${MODES.join(', ')}, got ${flags.mode}`);
      const options: RetrieveOptions = { k, filter: flags.filter, mode: flags.mode as RetrieveOptions['mode'] };
      if (flags.perDocument !== undefined) options.maxChunksPerDocument = Number(flags.perDocument);
      const json = program.opts().json === true;
      const hits = await withPipeline(program, flags, async (ctx) => {
        if (!(await ctx.db.hasCollection(ctx.collectionName))) {
          throw new QuiverError(
            'COLLECTION_NOT_FOUND',
            `collection "${ctx.collectionName}" does not exist; run quiver ingest <folder> first`,
          );
        }
        const collection = await ctx.db.collection(ctx.collectionName);
        const embedder = await ctx.embedder();
        assertChunkCollection(collection, { dimension: embedder.dimension, modelId: embedder.modelId });
        return new Retriever({ collection, embedder }).retrieve(text, options);
      });
      if (json) {
        console.log(JSON.stringify({ query: text, mode: options.mode, hits }, null, 2));
        return;
      }
      if (hits.length === 0) {
        console.log('no results');
        return;
      }
      hits.forEach((hit, i) => {
        console.log(`${i + 1}. ${hit.score.toFixed(3)}  ${where(hit)}${scores(hit)}`);
        console.log(`   ${excerpt(hit.text)}`);
      });
    });
}
