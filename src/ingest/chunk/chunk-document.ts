/**
 * The chunking step of ingestion: pick a splitter for a loaded document, measure in characters or model
 * tokens as configured, and tag each chunk with the page it starts on. This is the one entry point the
 * pipeline calls; the splitters themselves know nothing about documents.
 */

import { QuiverError } from '../../errors.js';
import type { LoadedDocument, PageSpan } from '../document.js';
import type { Chunk, LengthFunction } from './chunk.js';
import { splitMarkdown } from './markdown.js';
import type { SplitOptions } from './options.js';
import { splitRecursive } from './recursive.js';
import { wordLength } from './token-length.js';

/** How documents are chunked, as it appears in configuration. */
export interface ChunkerOptions {
  /** 'auto' uses the markdown splitter for markdown documents and the recursive splitter for the rest. */
  splitter: 'auto' | 'recursive' | 'markdown';
  /** The largest chunk, in `unit`s. */
  chunkSize: number;
  /** How much of the previous chunk's tail each chunk repeats, in `unit`s. */
  chunkOverlap: number;
  /**
   * 'chars' counts UTF-16 code units; 'tokens' counts with the length function passed to `chunkDocument`
   * (the embedder's tokenizer); 'words' counts words and punctuation marks, whatever the model.
   */
  unit: 'chars' | 'tokens' | 'words';
  /** Separators to split at, coarsest first (default: the chosen splitter's own). */
  separators?: string[];
}

/** 200-token chunks with 30 tokens of overlap: small enough to embed whole with any common model. */
export const DEFAULT_CHUNKER: ChunkerOptions = Object.freeze({
  splitter: 'auto',
  chunkSize: 200,
  chunkOverlap: 30,
  unit: 'tokens',
});

const SPLITTERS: ReadonlySet<string> = new Set(['auto', 'recursive', 'markdown']);
const UNITS: ReadonlySet<string> = new Set(['chars', 'tokens', 'words']);

/** The page whose span holds `offset`: the last span starting at or before it (spans are in order). */
function pageAt(pages: readonly PageSpan[], offset: number): number | undefined {
  let lo = 0;
  let hi = pages.length - 1;
  let found: PageSpan | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pages[mid]!.start <= offset) {
      found = pages[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return (found ?? pages[0])?.page;
}

/**
 * Splits `doc.text` into chunks. With `unit: 'tokens'`, `length` is required, usually
 * `tokenLength((t) => embedder.countTokens!(t))`; with 'chars' it is ignored.
 * @example
 * const chunks = chunkDocument(doc, DEFAULT_CHUNKER, tokenLength((t) => embedder.countTokens!(t)));
 */
export function chunkDocument(doc: LoadedDocument, options: ChunkerOptions, length?: LengthFunction): Chunk[] {
  const { splitter, unit, chunkSize, chunkOverlap, separators } = options;
  if (!SPLITTERS.has(splitter))
    throw new QuiverError('INVALID_ARGUMENT', `unknown splitter '${splitter}' (auto, recursive or markdown)`, {
      field: 'splitter',
      received: splitter,
    });
  if (!UNITS.has(unit))
    throw new QuiverError('INVALID_ARGUMENT', `unknown chunk unit '${unit}' (chars, tokens or words)`, {
      field: 'unit',
      received: unit,
    });
  if (unit === 'tokens' && typeof length !== 'function')
    throw new QuiverError('INVALID_ARGUMENT', "unit 'tokens' needs a length function that counts tokens", {
      field: 'length',
    });

  const split: SplitOptions = {
    chunkSize,
    chunkOverlap,
    ...(separators !== undefined ? { separators } : {}),
    ...(unit === 'tokens' ? { length } : unit === 'words' ? { length: wordLength() } : {}),
  };
  const markdown = splitter === 'markdown' || (splitter === 'auto' && doc.type === 'markdown');
  const chunks = markdown ? splitMarkdown(doc.text, split) : splitRecursive(doc.text, split);
  if (doc.pages !== undefined && doc.pages.length > 0) {
    const pages = doc.pages;
    for (const chunk of chunks) chunk.page = pageAt(pages, chunk.start);
  }
  return chunks;
}
