/**
 * `quiver ask "<question>"`: the whole RAG loop from the command line. It retrieves with the pipeline's
 * `retrieve` settings, answers with its `generator` (offline extractive by default), streams the answer to
 * stdout as it is produced, then prints the numbered sources it cites: file, page or heading, character range
 * and a snippet. `--json` prints the answer object instead.
 */

import { parse } from 'node:path';
import type { Command } from 'commander';
import { type AskOptions, askStream, type Citation } from '../ask/ask.js';
import { QuiverError } from '../errors.js';
import { openRag } from '../pipeline/open-rag.js';
import { type PipelineFlags, withPipeline } from './pipeline-context.js';

interface AskFlags extends PipelineFlags {
  k?: string;
  filter?: string;
  mode?: string;
  perDocument?: string;
}

const MODES = ['hybrid', 'dense', 'bm25'];

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new QuiverError('INVALID_ARGUMENT', `${flag} must be a positive integer, got ${value}`);
  return n;
}

/** The flags as ask options; the pipeline's `retrieve` section fills in the rest. */
function optionsFrom(flags: AskFlags): AskOptions {
  const options: AskOptions = {};
  if (flags.k !== undefined) options.k = positiveInt('-k', flags.k);
  if (flags.perDocument !== undefined) options.maxChunksPerDocument = positiveInt('--per-document', flags.perDocument);
  if (flags.filter !== undefined) options.filter = flags.filter;
  if (flags.mode !== undefined) {
    if (!MODES.includes(flags.mode))
      throw new QuiverError('INVALID_ARGUMENT', `--mode must be one of ${MODES.join(', ')}, got ${flags.mode}`);
    options.mode = flags.mode as AskOptions['mode'];
  }
  return options;
}

/** "guide.md › Install › Linux [120–480]" or "report.pdf › page 3 [..]": page, else heading path, else a title
 * that says more than the file name. */
export function citationPlace(c: Citation): string {
  const place =
    c.page !== null
      ? `page ${c.page}`
      : c.headings.length > 0
        ? c.headings.join(' › ')
        : c.title && c.title !== parse(c.source).name
          ? c.title
          : '';
  const range = c.start !== null && c.end !== null ? ` [${c.start}–${c.end}]` : '';
  return `${c.source}${place ? ` › ${place}` : ''}${range}`;
}

/** What the answer quotes from a source, else the start of the source's text, on one line. */
function snippet(c: Citation, width = 200): string {
  const text = (c.quotes?.map((q) => q.text).join(' … ') || c.text).replace(/\s+/g, ' ').trim();
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export function addAskCommand(program: Command): void {
  program
    .command('ask')
    .argument('<question>', 'what to ask')
    .description('answer a question from the ingested documents, citing its sources')
    .option('-k <n>', "chunks to retrieve (default: the pipeline's retrieve.k)")
    .option('--filter <expr>', 'filter expression, e.g. \'source like "docs/%"\'')
    .option('--mode <mode>', "hybrid, dense or bm25 (default: the pipeline's retrieve.mode)")
    .option('--per-document <n>', 'at most n chunks per document')
    .option('--pipeline <file>', 'pipeline file (default: pipelines/default.yaml)')
    .option('--collection <name>', 'collection to ask (overrides the pipeline)')
    .action(async (question: string, flags: AskFlags) => {
      if (question.trim() === '') throw new QuiverError('INVALID_ARGUMENT', 'the question is empty');
      const json = program.opts().json === true;
      const given = optionsFrom(flags);
      const controller = new AbortController();
      const cancel = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', cancel);
      try {
        await withPipeline(program, flags, async (ctx) => {
          const rag = await openRag(ctx.db, ctx.collectionName, ctx.config, await ctx.embedder());
          const options = { ...rag.defaults, ...given, signal: controller.signal };
          for await (const event of askStream(rag.components, question, options)) {
            if (json) {
              if (event.type === 'done') console.log(JSON.stringify(event.answer, null, 2));
            } else if (event.type === 'token') {
              process.stdout.write(event.text);
            } else if (event.type === 'citations') {
              process.stdout.write('\n');
              if (event.citations.length === 0) continue;
              console.log('\nSources:');
              for (const c of event.citations) {
                console.log(`[${c.n}] ${citationPlace(c)}`);
                console.log(`    ${snippet(c)}`);
              }
            }
          }
        });
      } finally {
        process.removeListener('SIGINT', cancel);
      }
    });
}
