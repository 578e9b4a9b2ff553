/**
 * Length functions in model tokens, for chunk sizes given in tokens. Running a real tokenizer over every
 * range the splitter measures would cost more than the chunking itself (the default model's tokenizer needs
 * ~1.4 s for one pass over SciFact's 7.8 MB), so `tokenLength` counts each whitespace-led word once, caches
 * the count (`WordCounts`), and sums. A splitter indexes each document once (`forText`: word boundaries
 * plus running totals), after which measuring any range costs two binary searches and at most two lookups.
 *
 * The sum equals the tokenizer's count whenever the tokenizer never makes one token out of text on both sides
 * of a whitespace-to-word boundary, which holds for BERT-style WordPiece (the default model), SentencePiece
 * and GPT-2-style byte-level BPE. Tokenizers that join punctuation with the line break after it
 * (tiktoken's cl100k/o200k patterns) may count about one token fewer per such place than the sum. Where
 * exact counts matter more than speed, pass the counter itself as the length function.
 */

import { BERT_PUNCTUATION } from '../../embed/default-model/tokenizer-files.js';
import { forEachWord, sumWordCounts, WordCounts } from '../../embed/word-counts.js';
import type { LengthFunction, RangeLengthFunction } from './chunk.js';

export interface TokenLengthOptions {
  /** How many distinct words to keep counts for; the cache starts over when full. Default 200,000 (~20 MB). */
  maxCacheEntries?: number;
  /** Words longer than this many UTF-16 units are counted on every use instead of cached. Default 256. */
  maxCachedWordLength?: number;
}

/** The first index `k` with `ends[k] > offset` (ends ascend; offset is below the last end). */
function wordAt(ends: Int32Array, offset: number): number {
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]! > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A `LengthFunction` counting the tokens `counter` gives, word by word with a cache (see the file comment
 * for when the sum equals `counter(text)` exactly).
 * @example
 * const length = tokenLength((t) => embedder.countTokens!(t));
 * splitRecursive(text, { chunkSize: 200, chunkOverlap: 30, length });
 */
export function tokenLength(counter: (text: string) => number, options: TokenLengthOptions = {}): RangeLengthFunction {
  const words = new WordCounts(counter, options.maxCacheEntries ?? 200_000, options.maxCachedWordLength ?? 256);
  const countRange = (text: string, from: number, to: number): number => sumWordCounts(words, text, from, to);

  const length = (text: string): number => countRange(text, 0, text.length);

  const forText = (text: string): ((start: number, end: number) => number) => {
    // Sized for words of four characters or more, so prose rarely needs to grow the arrays.
    let ends = new Int32Array((text.length >> 2) + 16);
    // before[k] is the count of words 0..k-1.
    let before = new Float64Array(ends.length + 1);
    let n = 0;
    forEachWord(text, 0, text.length, (start, end, hash) => {
      if (n === ends.length) {
        ends = grow(ends, new Int32Array(n * 2));
        before = grow(before, new Float64Array(n * 2 + 1));
      }
      ends[n] = end;
      before[n + 1] = before[n]! + words.get(text, start, end, hash);
      n++;
    });
    ends = ends.subarray(0, n);
    const startOf = (k: number): number => (k === 0 ? 0 : ends[k - 1]!);
    // A piece of word k, counted on its own exactly as `length(text.slice(start, end))` would split it.
    const part = (k: number, from: number, to: number): number =>
      from === startOf(k) && to === ends[k] ? before[k + 1]! - before[k]! : countRange(text, from, to);
    return (start: number, end: number): number => {
      if (end <= start) return 0;
      const a = wordAt(ends, start);
      const b = wordAt(ends, end - 1);
      if (a === b) return part(a, start, end);
      return part(a, start, ends[a]!) + (before[b]! - before[a + 1]!) + part(b, startOf(b), end);
    };
  };

  return Object.assign(length, { forText });
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

// Word characters and punctuation as a BERT pre-tokenizer separates them (the GloVe model's tokenizer).
const WORD = new RegExp(`[^\\s${BERT_PUNCTUATION}]+|[${BERT_PUNCTUATION}]`, 'gu');

/** The number of words in `text`, punctuation marks counted as words (BERT-style pre-tokens). */
export function countWords(text: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text) !== null) n++;
  return n;
}

let sharedWordLength: RangeLengthFunction | undefined;

/**
 * A `LengthFunction` in words (`countWords`), for chunk sizes that must not depend on the embedding model:
 * the same corpus chunks the same way whichever model embeds it, so full-text scores stay comparable.
 */
export function wordLength(): RangeLengthFunction {
  sharedWordLength ??= tokenLength(countWords);
  return sharedWordLength;
}

/**
 * A tokenizer-free estimate: one token per four UTF-16 units, rounded up, which is close for English with
 * BPE or WordPiece vocabularies. Cheap, but not a bound: dense text (numbers, code, CJK) has more tokens.
 */
export const approxTokenLength: LengthFunction = (text: string): number => Math.ceil(text.length / 4);
