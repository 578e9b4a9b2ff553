/**
 * Seeded synthetic text for full-text benchmarks: chunks of words drawn from a Zipfian vocabulary, so that
 * BM25 posting lists have the shape of real text (a few terms in most chunks, a long tail in a few). The top
 * ranks are the 50 most frequent English words in their usual order (some are stopwords the analyzer drops,
 * some, like "not" and "one", are kept, as in real text); every other rank is a pronounceable pseudo-word that
 * the analyzer keeps as one term of its own, so the vocabulary size is also the number of distinct terms.
 */

import { createAnalyzer } from '../../src/store/text/index.js';

/** The 50 most frequent English words, most frequent first. */
const HEAD = `the of and to a in is that for it as was with be by on not he i this are or his from at which but
have an had they you were their one all we can her has there been if more when will would who so no`
  .split(/\s+/)
  .filter(Boolean);

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'tr', 'st', 'pl'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
const CODAS = ['', '', 'n', 'r', 'l', 'x', 'm'];

export interface ZipfVocabularyOptions {
  /** Distinct words, the 50 head words included. */
  size: number;
  /** Zipf exponent: rank r has weight 1 / r^exponent. Natural text is close to 1. */
  exponent: number;
}

export interface ZipfVocabulary {
  /** Words by rank, most frequent first. */
  words: string[];
  /** Ranks below this are the English head words; the rest are pseudo-words. */
  headSize: number;
  /** A word rank drawn from the Zipf distribution, given a uniform number in [0, 1). */
  sample: (u: number) => number;
}

function pseudoWord(r: () => number): string {
  const syllables = 2 + Math.floor(r() * 3);
  let w = '';
  for (let s = 0; s < syllables; s++) {
    w += ONSETS[Math.floor(r() * ONSETS.length)]! + VOWELS[Math.floor(r() * VOWELS.length)]!;
  }
  return w + CODAS[Math.floor(r() * CODAS.length)]!;
}

export function zipfVocabulary(o: ZipfVocabularyOptions, r: () => number): ZipfVocabulary {
  const analyzer = createAnalyzer();
  const words = [...HEAD];
  const terms = new Set(HEAD.flatMap((w) => analyzer.analyze(w)));
  // Keep a pseudo-word only when it analyzes to one term no other word has: two words stemming alike would
  // merge their posting lists and skew the distribution.
  while (words.length < o.size) {
    const w = pseudoWord(r);
    const t = analyzer.analyze(w);
    if (t.length !== 1 || terms.has(t[0]!)) continue;
    terms.add(t[0]!);
    words.push(w);
  }
  const cdf = new Float64Array(o.size);
  let total = 0;
  for (let i = 0; i < o.size; i++) {
    total += 1 / (i + 1) ** o.exponent;
    cdf[i] = total;
  }
  for (let i = 0; i < o.size; i++) cdf[i]! /= total;
  const sample = (u: number): number => {
    let lo = 0;
    let hi = o.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return { words, headSize: HEAD.length, sample };
}

export interface SyntheticChunks {
  texts: string[];
  /** Per chunk, its word ranks in order (for drawing queries from a chunk). */
  ranks: Uint32Array[];
}

/** `n` chunks of `minWords`..`maxWords` words each (uniform), words drawn independently from the vocabulary. */
export function syntheticChunks(
  vocab: ZipfVocabulary,
  n: number,
  minWords: number,
  maxWords: number,
  r: () => number,
): SyntheticChunks {
  const texts = new Array<string>(n);
  const ranks = new Array<Uint32Array>(n);
  for (let i = 0; i < n; i++) {
    const len = minWords + Math.floor(r() * (maxWords - minWords + 1));
    const chunk = new Uint32Array(len);
    const parts = new Array<string>(len);
    for (let j = 0; j < len; j++) {
      chunk[j] = vocab.sample(r());
      parts[j] = vocab.words[chunk[j]!]!;
    }
    ranks[i] = chunk;
    texts[i] = parts.join(' ');
  }
  return { texts, ranks };
}

/** A keyword query taken from one chunk: `count` of its words outside the head, in random order. */
export function queryFromChunk(vocab: ZipfVocabulary, chunk: Uint32Array, count: number, r: () => number): string {
  const content = [...new Set(chunk)].filter((rank) => rank >= vocab.headSize);
  const picked: string[] = [];
  while (picked.length < count && content.length > 0) {
    const at = Math.floor(r() * content.length);
    picked.push(vocab.words[content[at]!]!);
    content.splice(at, 1);
  }
  return picked.join(' ');
}

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** `base` plus Gaussian noise of standard deviation `sd` per coordinate: a query vector near a row. */
export function nearbyVector(base: Float32Array, sd: number, r: () => number): Float32Array {
  const out = new Float32Array(base.length);
  for (let d = 0; d < base.length; d++) out[d] = base[d]! + gaussian(r) * sd;
  return out;
}
