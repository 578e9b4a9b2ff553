/**
 * Runs an evaluation set through a retriever, once per method (BM25, dense, hybrid), and scores each
 * ranking with trec_eval's metrics. Chunks are mapped to their documents: a document ranks where its best
 * chunk ranks (one chunk per document is kept, so `depth` chunks are `depth` distinct documents), which is
 * how BEIR scores passage retrievers over a document corpus.
 */

import type { ChunkRetriever, RetrievedChunk, RetrieveOptions } from '../types.js';
import type { BeirEvalSet } from './beir.js';
import { meanMetrics, type QueryMetrics, queryMetrics } from './metrics.js';

export type EvalMethod = 'bm25' | 'dense' | 'hybrid';

export const EVAL_METHODS: readonly EvalMethod[] = ['bm25', 'dense', 'hybrid'];

export interface EvalOptions {
  methods?: readonly EvalMethod[];
  /** Documents ranked per query (recall@100 needs 100). Default 100. */
  depth?: number;
  /** Further retrieval options (fusion, candidates), applied to every method. */
  retrieve?: RetrieveOptions;
  /**
   * The qrels id of a retrieved chunk's document. Default: the part of `docId` after its last '#', which is
   * the record id for chunks of JSONL and CSV records (`corpus.jsonl#<_id>`), else the whole `docId`.
   */
  docKey?: (chunk: RetrievedChunk) => string;
  /** Called after each query of each method. */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalQueryResult {
  queryId: string;
  method: EvalMethod;
  metrics: QueryMetrics;
  /** The top 10 document ids. */
  top: string[];
}

export interface EvalReport {
  split: string;
  queries: number;
  methods: Partial<Record<EvalMethod, QueryMetrics>>;
  perQuery: EvalQueryResult[];
}

function recordId(chunk: RetrievedChunk): string {
  const at = chunk.docId.lastIndexOf('#');
  return at < 0 ? chunk.docId : chunk.docId.slice(at + 1);
}

/**
 * @example
 * const set = await loadBeirEvalSet('data/scifact', 'test');
 * const report = await runEval(new Retriever({ collection, embedder }), set);
 * report.methods.hybrid?.ndcg10;
 */
export async function runEval(
  retriever: ChunkRetriever,
  evalSet: BeirEvalSet,
  options: EvalOptions = {},
): Promise<EvalReport> {
  const methods = options.methods ?? EVAL_METHODS;
  const depth = options.depth ?? 100;
  const docKey = options.docKey ?? recordId;
  const perQuery: EvalQueryResult[] = [];
  const report: EvalReport = { split: evalSet.split, queries: evalSet.queries.length, methods: {}, perQuery };
  const total = methods.length * evalSet.queries.length;
  let done = 0;
  for (const method of methods) {
    const scores: QueryMetrics[] = [];
    for (const query of evalSet.queries) {
      const chunks = await retriever.retrieve(query.text, {
        ...options.retrieve,
        mode: method,
        k: depth,
        maxChunksPerDocument: 1,
        candidates: Math.max(options.retrieve?.candidates ?? 0, depth * 3),
      });
      const ranking = chunks.map(docKey);
      const metrics = queryMetrics(ranking, evalSet.qrels.get(query.id) ?? new Map());
      scores.push(metrics);
      perQuery.push({ queryId: query.id, method, metrics, top: ranking.slice(0, 10) });
      options.onProgress?.(++done, total);
    }
    report.methods[method] = meanMetrics(scores);
  }
  return report;
}
