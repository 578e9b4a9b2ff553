/**
 * The options every splitter takes, checked and filled with defaults in one place. The result measures
 * ranges of the document rather than strings, so the default unit (UTF-16 code units) costs no slicing and
 * is known to be additive, which lets the merge step skip re-measuring merged chunks.
 */

import { QuiverError } from '../../errors.js';
import type { LengthFunction, RangeLengthFunction } from './chunk.js';

/** Options shared by `splitRecursive` and `splitMarkdown`. */
export interface SplitOptions {
  /** The largest chunk, in the units `length` counts. An integer ≥ 1. */
  chunkSize: number;
  /** How much of the previous chunk's tail each chunk starts with, in `length` units. 0 ≤ overlap < chunkSize; default 0. */
  chunkOverlap?: number;
  /** Separators to split at, coarsest first; `''` means between characters. Default `DEFAULT_SEPARATORS`. */
  separators?: string[];
  /**
   * How text is measured; assumed pure (same text, same length). Default: UTF-16 code units, so an emoji
   * outside the Basic Multilingual Plane counts 2. A `RangeLengthFunction` (such as `tokenLength`) is asked
   * to index the text once and then measures ranges of it.
   */
  length?: LengthFunction;
}

/** Try paragraphs, then lines, then sentences, then words, then characters. */
export const DEFAULT_SEPARATORS: readonly string[] = Object.freeze(['\n\n', '\n', '. ', ' ', '']);

/** Options after validation: what the piece and merge steps work from. */
export interface SplitSettings {
  chunkSize: number;
  chunkOverlap: number;
  separators: readonly string[];
  /** The length of `text.slice(start, end)`. */
  measure: (start: number, end: number) => number;
  /** True when lengths add up exactly over adjacent ranges, so a sum of parts needs no re-measuring. */
  additive: boolean;
}

function invalid(field: string, message: string, received: unknown): QuiverError {
  return new QuiverError('INVALID_ARGUMENT', message, { field, received });
}

/** Validates `options` for splitting `text` and fills in the defaults. */
export function resolveSplitOptions(
  text: string,
  options: SplitOptions,
  defaultSeparators: readonly string[] = DEFAULT_SEPARATORS,
): SplitSettings {
  if (typeof text !== 'string') throw invalid('text', 'text to split must be a string', typeof text);
  const { chunkSize, chunkOverlap = 0, separators = defaultSeparators, length } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw invalid('chunkSize', `chunkSize must be an integer >= 1, got ${chunkSize}`, chunkSize);
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize)
    throw invalid(
      'chunkOverlap',
      `chunkOverlap must be an integer with 0 <= chunkOverlap < chunkSize (${chunkSize}), got ${chunkOverlap}`,
      chunkOverlap,
    );
  if (!Array.isArray(separators) || !separators.every((s) => typeof s === 'string'))
    throw invalid('separators', 'separators must be an array of strings', separators);
  if (length !== undefined && typeof length !== 'function')
    throw invalid('length', 'length must be a function from text to a number', typeof length);

  if (length === undefined) {
    return { chunkSize, chunkOverlap, separators, measure: (start, end) => end - start, additive: true };
  }
  const ranged = (length as Partial<RangeLengthFunction>).forText;
  const measureRange =
    typeof ranged === 'function'
      ? ranged.call(length, text)
      : (start: number, end: number): number => length(text.slice(start, end));
  const measure = (start: number, end: number): number => {
    const n = measureRange(start, end);
    if (typeof n !== 'number' || !(n >= 0) || n === Number.POSITIVE_INFINITY)
      throw invalid('length', `length function returned ${n}; it must return a finite number >= 0`, n);
    return n;
  };
  return { chunkSize, chunkOverlap, separators, measure, additive: false };
}
