/**
 * Character-level helpers the splitters share: what counts as whitespace (exactly JavaScript's `\s`, so
 * "every non-whitespace character is in a chunk" means the same thing everywhere), trimming a `[start, end)`
 * range by moving its offsets instead of rewriting text, and UTF-16 surrogate-pair boundaries, which no
 * chunk boundary may fall inside.
 */

import { isWhitespace } from '../../embed/word-counts.js';

/** A half-open range of character offsets into a text. */
export interface Range {
  start: number;
  end: number;
}

/** Whether the UTF-16 code unit `c` matches `/\s/` (shared with the word-by-word token counting in src/embed). */
export { isWhitespace };

/** `[start, end)` with leading and trailing whitespace excluded; `start === end` when it was all whitespace. */
export function trimRange(text: string, start: number, end: number): Range {
  let s = start;
  let e = end;
  while (s < e && isWhitespace(text.charCodeAt(s))) s++;
  while (e > s && isWhitespace(text.charCodeAt(e - 1))) e--;
  return { start: s, end: e };
}

/** Whether offset `i` lies between the two halves of a surrogate pair (so nothing may be cut there). */
export function insidePair(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  const hi = text.charCodeAt(i - 1);
  const lo = text.charCodeAt(i);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}

/** The offset just past the code point that starts at `i` (2 units for a surrogate pair, else 1). */
export function nextCodePoint(text: string, i: number): number {
  return insidePair(text, i + 1) ? i + 2 : i + 1;
}
