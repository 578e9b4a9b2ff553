/**
 * `quiver eval --dataset <BEIR folder> [--split test|train]`: ingests the dataset's corpus (incrementally,
 * into a collection named after the dataset), runs every query through the retriever with BM25, dense and
 * hybrid retrieval, and prints nDCG@10, recall@10, recall@100 and MRR@10 side by side (trec_eval's
 * definitions). Per-query figures go to a JSON-lines file; `--json` prints the summary as JSON.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { QuiverError } from '../errors.js';
import { loadBeirEvalSet } from '../retrieve/eval/beir.js';
import type { QueryMetrics } from '../retrieve/eval/metrics.js';
import { EVAL_METHODS, type EvalMethod, type EvalReport, runEval } from '../retrieve/eval/run-eval.js';
import { Retriever } from '../retrieve/retriever.js';
import { Collection } from '../store/collection/collection.js';
import { ingestInto } from './ingest-command.js';
import { withPipeline } from './pipeline-context.js';

interface EvalFlags {
  dataset: string;
  split: string;
  pipeline?: string;
  collection?: string;
  methods: string;
  perQuery?: string;
}

const BEIR_PIPELINE = 'pipelines/beir.yaml';

function collectionFor(dataset: string): string {
  const name = basename(resolve(dataset)).replace(/[^A-Za-z0-9_]/g, '_');
  return `beir_${name}`.slice(0, 255);
}

function parseMethods(list: string): EvalMethod[] {
  const methods = list.split(',').map((m) => m.trim());
  for (const m of methods) {
    if (!EVAL_METHODS.includes(m as EvalMethod)) {
      throw new QuiverError('INVALID_ARGUMENT', `--methods: "${m}" is not one of ${EVAL_METHODS.join(', ')}`);
    }
  }
  return methods as EvalMethod[];
}

const f3 = (x: number) => x.toFixed(3);

export function formatEvalTable(dataset: string, report: EvalReport): string {
  const rows = Object.entries(report.methods) as [EvalMethod, QueryMetrics][];
  const lines = [
    `${dataset} (${report.split}, ${report.queries} queries)`,
    'method   nDCG@10  R@10   R@100  MRR@10',
    ...rows.map(([m, v]) => `${m.padEnd(8)} ${f3(v.ndcg10)}    ${f3(v.recall10)}  ${f3(v.recall100)}  ${f3(v.mrr10)}`),
  ];
  return lines.join('\n');
}

export function addEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('measure retrieval quality on a BEIR dataset: BM25, dense and hybrid side by side')
    .requiredOption('--dataset <folder>', 'BEIR folder with corpus.jsonl, queries.jsonl and qrels/')
    .option('--split <name>', 'qrels split to score (test or train; tune on train only)', 'test')
    .option('--methods <list>', 'comma-separated methods', EVAL_METHODS.join(','))
    .option('--pipeline <file>', `pipeline for the corpus (default: ${BEIR_PIPELINE})`)
    .option('--collection <name>', 'collection for the corpus (default: beir_<dataset folder name>)')
    .option('--per-query <file>', 'where to write per-query results (default: <store>/eval/<dataset>-<split>.jsonl)')
    .action(async (flags: EvalFlags) => {
      const json = program.opts().json === true;
      const methods = parseMethods(flags.methods);
      const evalSet = await loadBeirEvalSet(flags.dataset, flags.split);
      const dataset = basename(resolve(flags.dataset));
      const pipelineFlags = {
        pipeline: flags.pipeline ?? BEIR_PIPELINE,
        collection: flags.collection ?? collectionFor(flags.dataset),
      };
      const { report, store } = await withPipeline(program, pipelineFlags, async (ctx) => {
        const summary = await ingestInto(ctx, [resolve(flags.dataset, 'corpus.jsonl')], true);
        if (!json && summary.chunks.written > 0) {
          console.error(`ingested ${summary.documents.written} documents (${summary.chunks.written} chunks)`);
        }
        const collection = await ctx.db.collection(ctx.collectionName);
        // Every query runs against the indexed store: seal what the ingest left growing, wait for the indexes.
        // (An embedded collection; a cluster's coordinator seals idle rows itself.)
        if (collection instanceof Collection) await collection.flush();
        const retriever = new Retriever({ collection, embedder: await ctx.embedder() });
        const result = await runEval(retriever, evalSet, { methods });
        return { report: result, store: ctx.storePath };
      });
      const perQuery = flags.perQuery ?? join(store, 'eval', `${dataset}-${flags.split}.jsonl`);
      await mkdir(dirname(perQuery), { recursive: true });
      await writeFile(perQuery, report.perQuery.map((r) => JSON.stringify(r)).join('\n') + '\n');
      if (json) {
        console.log(JSON.stringify({ dataset, split: report.split, queries: report.queries, methods: report.methods }));
        console.error(`per-query results: ${perQuery}`);
        return;
      }
      console.log(formatEvalTable(dataset, report));
      console.log(`per-query results: ${perQuery}`);
    });
}
