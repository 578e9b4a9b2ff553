/**
 * The first half of recursive splitting: cut a range of the document into pieces that each fit in
 * `chunkSize`, trying the coarsest separator first and recursing into pieces that are still too long. A piece
 * is a trimmed range (no leading or trailing whitespace) with its measured length; the whitespace between
 * pieces is left for the merge step, which decides which pieces share a chunk.
 *
 * Cost: each level of separators measures every character of the ranges it splits once, so a document is
 * measured at most (separators + 1) times over, never as growing prefixes.
 */

import type { SplitSettings } from './options.js';
import { insidePair, isWhitespace, nextCodePoint, trimRange } from './ranges.js';

/** Pieces in document order, as parallel arrays (documents can produce millions of character pieces). */
export class PieceList {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly lengths: number[] = [];

  get size(): number {
    return this.starts.length;
  }

  push(start: number, end: number, length: number): void {
    this.starts.push(start);
    this.ends.push(end);
    this.lengths.push(length);
  }
}

/**
 * Where a separator cuts: before it when it starts with whitespace ("\n\n", "\n## ": the next piece starts
 * at the heading), else after its leading non-whitespace (". " leaves the full stop with its sentence).
 */
function keptChars(separator: string): number {
  let k = 0;
  while (k < separator.length && !isWhitespace(separator.charCodeAt(k))) k++;
  return k;
}

/** Cut offsets strictly inside `[start, end)` for every occurrence of `separator` there, ascending. */
function cutPoints(text: string, start: number, end: number, separator: string): number[] {
  // Search a slice so that a separator missing from a small range never scans the rest of the document.
  const sub = text.slice(start, end);
  const keep = keptChars(separator);
  const cuts: number[] = [];
  let last = start;
  for (let p = sub.indexOf(separator); p !== -1; p = sub.indexOf(separator, p + separator.length)) {
    const cut = start + p + keep;
    if (cut > last && cut < end && !insidePair(text, cut)) {
      cuts.push(cut);
      last = cut;
    }
  }
  return cuts;
}

/** One piece per non-whitespace code point: the last resort, which never splits a surrogate pair. */
function splitCharacters(text: string, start: number, end: number, settings: SplitSettings, out: PieceList): void {
  for (let i = start; i < end; ) {
    const next = nextCodePoint(text, i);
    if (!isWhitespace(text.charCodeAt(i))) out.push(i, next, settings.measure(i, next));
    i = next;
  }
}

function splitRange(
  text: string,
  start: number,
  end: number,
  level: number,
  settings: SplitSettings,
  out: PieceList,
): void {
  const r = trimRange(text, start, end);
  if (r.start === r.end) return;
  const length = settings.measure(r.start, r.end);
  if (length <= settings.chunkSize) {
    out.push(r.start, r.end, length);
    return;
  }
  const { separators } = settings;
  for (let j = level; j < separators.length; j++) {
    const separator = separators[j]!;
    if (separator === '') break;
    const cuts = cutPoints(text, r.start, r.end, separator);
    if (cuts.length === 0) continue;
    let from = r.start;
    for (const cut of cuts) {
      splitRange(text, from, cut, j + 1, settings, out);
      from = cut;
    }
    splitRange(text, from, r.end, j + 1, settings, out);
    return;
  }
  // Characters are the last resort even when the caller's separators leave out '': a chunk longer than
  // chunkSize is allowed only for a single character that is longer on its own.
  splitCharacters(text, r.start, r.end, settings, out);
}

/** Appends the pieces of `text.slice(start, end)` to `out`, in order. */
export function collectPieces(text: string, start: number, end: number, settings: SplitSettings, out: PieceList): void {
  splitRange(text, start, end, 0, settings, out);
}
