/**
 * Full-text search building blocks for the store: the text analyzer, the segment-local BM25 index, and its
 * binary codec. Re-exports only.
 */

export { type Analyzer, createAnalyzer } from './analyzer.js';
export type { AnalyzerLanguage, AnalyzerOptions, ResolvedAnalyzerOptions } from './analyzer-options.js';
export { resolveAnalyzerOptions } from './analyzer-options.js';
export type { BM25Parts } from './bm25-build.js';
export { decodeBM25, encodeBM25 } from './bm25-codec.js';
export { BM25Index, type BM25Stats } from './bm25-index.js';
export { type BM25GlobalStats, type BM25Hits, type BM25SearchOptions, bm25Idf } from './bm25-score.js';
