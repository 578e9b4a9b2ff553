/**
 * The retrieve area's public surface: the Retriever, its pure steps (MMR, per-document grouping, passage
 * merging), context assembly, the Transformers.js cross-encoder reranker, the result types, and the
 * evaluation helpers (BEIR loading, trec_eval metrics). Re-exports only.
 */

export {
  assembleContext,
  type ContextCollection,
  DEFAULT_CONTEXT_TOKENS,
  estimateTokens,
  type TokenCounter,
} from './context.js';
export { type BeirEvalSet, type BeirQuery, loadBeirEvalSet } from './eval/beir.js';
export {
  type Judgements,
  meanMetrics,
  mrrAt,
  ndcgAt,
  type QueryMetrics,
  queryMetrics,
  recallAt,
} from './eval/metrics.js';
export {
  EVAL_METHODS,
  type EvalMethod,
  type EvalOptions,
  type EvalQueryResult,
  type EvalReport,
  runEval,
} from './eval/run-eval.js';
export { capPerDocument, type DocumentGroup, groupByDocument, type HasDocId } from './group.js';
export { cosine, DEFAULT_MMR_LAMBDA, type MmrCandidate, type MmrOptions, mmr } from './mmr.js';
export { mergePassages, type Passage, type Piece } from './passages.js';
export {
  relevanceFromLogits,
  TransformersReranker,
  type TransformersRerankerOptions,
} from './reranker-transformers.js';
export { Retriever, type RetrieverOptions, type SearchableCollection } from './retriever.js';
export type {
  AssembledContext,
  ChunkRetriever,
  ContextOptions,
  Reranker,
  RetrievedChunk,
  RetrieveOptions,
} from './types.js';
