/**
 * `quiver search "<text>"`: embeds the query with the collection's pipeline embedder and prints the nearest
 * chunks with their sources (file, heading path or page, character range). Dense search for now; hybrid BM25
 * arrives with the retriever.
 */

import type { Command } from 'commander';
import { QuiverError } from '../errors.js';
import { assertChunkCollection, VECTOR_FIELD } from '../ingest/chunk-rows.js';
import type { Row } from '../store/schema/types.js';
import { type PipelineFlags, withPipeline } from './pipeline-context.js';

interface SearchFlags extends PipelineFlags {
  k: string;
  filter?: string;
}

const OUTPUT = ['text', 'source', 'title', 'chunk_index', 'start', 'end', 'page', 'headings'];

function where(row: Row): string {
  const headings = (row.headings as string[] | null) ?? [];
  const place = row.page != null ? `page ${row.page}` : headings.length ? headings.join(' › ') : '';
  return `${row.source}${place ? ` › ${place}` : ''} [${row.start}–${row.end}]`;
}

function excerpt(text: string, width = 240): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export function addSearchCommand(program: Command): void {
  program
    .command('search')
    .argument('<text>', 'what to look for')
    .description('find the chunks nearest to a query, with their sources')
    .option('-k <n>', 'how many hits', '5')
    .option('--filter <expr>', 'filter expression, e.g. \'source like "docs/%"\'')
    .option('--pipeline <file>', 'pipeline file (default: pipelines/default.yaml)')
    .option('--collection <name>', 'collection to search (overrides the pipeline)')
    .action(async (text: string, flags: SearchFlags) => {
      const k = Number(flags.k);
      if (!Number.isInteger(k) || k < 1)
        throw new QuiverError('INVALID_ARGUMENT', `-k must be a positive integer, got ${flags.k}`);
      const json = program.opts().json === true;
      const result = await withPipeline(program, flags, async (ctx) => {
        if (!(await ctx.db.hasCollection(ctx.collectionName))) {
          throw new QuiverError(
            'COLLECTION_NOT_FOUND',
            `collection "${ctx.collectionName}" does not exist; run quiver ingest <folder> first`,
          );
        }
        const collection = await ctx.db.collection(ctx.collectionName);
        const embedder = await ctx.embedder();
        assertChunkCollection(collection, { dimension: embedder.dimension, modelId: embedder.modelId });
        const vector = await embedder.embedQuery(text);
        if (vector.every((x) => x === 0)) {
          throw new QuiverError(
            'INVALID_ARGUMENT',
            `none of the words in "${text}" are known to ${embedder.modelId}; try other words`,
          );
        }
        return collection.search({ field: VECTOR_FIELD, vector, k, filter: flags.filter, outputFields: OUTPUT });
      });
      if (json) {
        console.log(JSON.stringify({ query: text, hits: result.hits }, null, 2));
        return;
      }
      if (result.hits.length === 0) {
        console.log('no results');
        return;
      }
      result.hits.forEach((hit, i) => {
        const row = hit.fields ?? {};
        console.log(`${i + 1}. ${hit.score.toFixed(3)}  ${where(row)}`);
        console.log(`   ${excerpt(String(row.text ?? ''))}`);
      });
    });
}
