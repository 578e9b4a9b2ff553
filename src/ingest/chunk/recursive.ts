/**
 * The recursive character splitter: cut text at the coarsest separator that occurs (paragraphs, then lines,
 * sentences, words, characters), recurse into parts that are still too long, then merge neighbours greedily
 * up to `chunkSize` with optional overlap. Chunks are ranges of the original text, never rewritten: leading
 * and trailing whitespace is left out by moving the offsets, and whitespace-only stretches produce nothing.
 */

import type { Chunk } from './chunk.js';
import { mergePieces } from './merge.js';
import { resolveSplitOptions, type SplitOptions, type SplitSettings } from './options.js';
import { collectPieces, PieceList } from './pieces.js';
import type { Range } from './ranges.js';

/** Chunk ranges for `text.slice(start, end)`, as offsets into `text`. */
export function chunkRanges(text: string, start: number, end: number, settings: SplitSettings): Range[] {
  const pieces = new PieceList();
  collectPieces(text, start, end, settings, pieces);
  return mergePieces(text, pieces, settings);
}

/**
 * Splits `text` into chunks of at most `chunkSize` (measured by `length`, default UTF-16 code units), each
 * with `text === input.slice(start, end)`. A chunk is longer than `chunkSize` only when it is a single
 * character (code point) that measures more on its own, e.g. an emoji with `chunkSize: 1`. Every
 * non-whitespace character of `text` is in at least one chunk; no chunk starts or ends with whitespace.
 *
 * The separator that cuts a part is kept with the text after it when it starts with whitespace ("\n\n"),
 * else its leading non-whitespace stays with the text before it (the "." of ". "). When no separator cuts a
 * part that is too long, it is split between characters even if `separators` leaves out `''`.
 * @example
 * const chunks = splitRecursive(text, { chunkSize: 800, chunkOverlap: 100 });
 * const tokenChunks = splitRecursive(text, { chunkSize: 200, length: tokenLength((t) => embedder.countTokens!(t)) });
 */
export function splitRecursive(text: string, options: SplitOptions): Chunk[] {
  const settings = resolveSplitOptions(text, options);
  return chunkRanges(text, 0, text.length, settings).map((r, index) => ({
    index,
    text: text.slice(r.start, r.end),
    start: r.start,
    end: r.end,
  }));
}
