/**
 * What filters need from a segment to answer `text_match` from an index: the BM25 index of a full-text
 * field. Segments implement it; other column sources may not, and filters then analyze row text directly.
 */

import type { BM25Index } from './bm25-index.js';

export interface TextIndexSource {
  /** The BM25 index of a full-text field, or undefined. */
  textIndex(field: string): BM25Index | undefined;
}
