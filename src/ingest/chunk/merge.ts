/**
 * The second half of recursive splitting: merge adjacent pieces greedily into chunks of at most `chunkSize`,
 * each chunk after the first starting with up to `chunkOverlap` of the previous chunk's tail (whole pieces
 * only). Merging adds up piece lengths instead of re-measuring growing text, then measures each merged
 * chunk exactly once to confirm it fits (unless lengths are known to add up exactly, as characters do), and
 * shrinks it by binary search in the rare case a tokenizer counts the whole above its parts. The overlap is
 * sized by the same sums, so it is exact in characters and an estimate in tokens.
 */

import type { SplitSettings } from './options.js';
import type { PieceList } from './pieces.js';
import { nextCodePoint, type Range } from './ranges.js';

/**
 * What the whitespace between piece `j` and piece `j + 1` adds to a chunk. For a tokenizer this is measured
 * in context, as `length(gap + next character) - length(next character)`: a space usually joins the next
 * token (0) while a blank line may be a token of its own. Results are cached by that short string.
 */
function gapLengths(text: string, pieces: PieceList, settings: SplitSettings): number[] {
  const n = pieces.size;
  const gaps = new Array<number>(Math.max(n - 1, 0));
  const cache = new Map<string, number>();
  for (let j = 0; j + 1 < n; j++) {
    const from = pieces.ends[j]!;
    const to = pieces.starts[j + 1]!;
    if (settings.additive || from === to) {
      gaps[j] = settings.additive ? to - from : 0;
      continue;
    }
    const probeEnd = nextCodePoint(text, to);
    const key = text.slice(from, probeEnd);
    let gap = cache.get(key);
    if (gap === undefined) {
      gap = Math.max(0, settings.measure(from, probeEnd) - settings.measure(to, probeEnd));
      cache.set(key, gap);
    }
    gaps[j] = gap;
  }
  return gaps;
}

/** Chunk ranges covering every piece, in order; each is `[start of its first piece, end of its last)`. */
export function mergePieces(text: string, pieces: PieceList, settings: SplitSettings): Range[] {
  const n = pieces.size;
  if (n === 0) return [];
  const { chunkSize, chunkOverlap, additive } = settings;
  const { starts, ends, lengths } = pieces;
  const gaps = gapLengths(text, pieces, settings);
  // cum[i] is the estimated length from piece 0 up to the start of piece i, so estimates cost O(1).
  const cum = new Float64Array(n);
  for (let i = 1; i < n; i++) cum[i] = cum[i - 1]! + lengths[i - 1]! + gaps[i - 1]!;
  const estimate = (a: number, b: number): number => cum[b]! - cum[a]! + lengths[b]!;
  const exact = (a: number, b: number): number =>
    a === b ? lengths[a]! : additive ? estimate(a, b) : settings.measure(starts[a]!, ends[b]!);

  const chunks: Range[] = [];
  let first = 0;
  // The first piece the previous chunk did not hold; pieces from `first` up to it are the overlap.
  let fresh = 0;
  for (;;) {
    let last = fresh;
    while (last + 1 < n && estimate(first, last + 1) <= chunkSize) last++;
    if (!additive && last > first && exact(first, last) > chunkSize) {
      // Overlap is optional ("up to"), so it goes before any new piece does.
      if (first < fresh) first = fresh;
      if (last > first && exact(first, last) > chunkSize) {
        let lo = first;
        let hi = last - 1;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          if (exact(first, mid) <= chunkSize) lo = mid;
          else hi = mid - 1;
        }
        last = lo;
      }
    }
    chunks.push({ start: starts[first]!, end: ends[last]! });
    if (last === n - 1) return chunks;
    fresh = last + 1;
    let next = fresh;
    if (chunkOverlap > 0) {
      // Take as many whole pieces of the tail as fit in the overlap and still leave room for the next piece.
      while (next - 1 > first && estimate(next - 1, last) <= chunkOverlap && estimate(next - 1, fresh) <= chunkSize)
        next--;
    }
    first = next;
  }
}
