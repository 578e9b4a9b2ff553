/**
 * The chunking area's public surface: the `Chunk` type, the recursive and Markdown splitters, token length
 * functions and `chunkDocument`, the entry point ingestion uses. Re-exports only.
 */

export type { Chunk, LengthFunction, RangeLengthFunction } from './chunk.js';
export { type ChunkerOptions, chunkDocument, DEFAULT_CHUNKER } from './chunk-document.js';
export { MARKDOWN_SEPARATORS, splitMarkdown } from './markdown.js';
export { DEFAULT_SEPARATORS, type SplitOptions } from './options.js';
export { splitRecursive } from './recursive.js';
export { approxTokenLength, type TokenLengthOptions, tokenLength } from './token-length.js';
