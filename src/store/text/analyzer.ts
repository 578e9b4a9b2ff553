/**
 * The text analyzer: turns a string into the terms the BM25 index stores and queries look up. Text is
 * lowercased and split into runs of Unicode letters, combining marks and numbers (see tokenize.ts; an
 * apostrophe inside a word is dropped, "don't" → "dont"); tokens with non-ASCII characters are
 * NFC-normalized, so a composed and a decomposed "é" give one term. Then tokens outside the length bounds
 * and stopwords are removed, and the rest are Porter-stemmed. Indexing and querying must use the same
 * analyzer, which is why the BM25 codec stores its options.
 */

import { QuiverError } from '../../errors.js';
import {
  type AnalyzerOptions,
  analyzerOptionsJson,
  type ResolvedAnalyzerOptions,
  resolveAnalyzerOptions,
} from './analyzer-options.js';
import { stem } from './stem.js';
import { ENGLISH_STOPWORDS } from './stopwords-en.js';
import { forEachToken } from './tokenize.js';

export interface Analyzer {
  /** The options with every default filled in. */
  readonly options: ResolvedAnalyzerOptions;
  /** The terms of `text`, in order, repeats kept. */
  analyze(text: string): string[];
}

function stopwordSet(stopwords: ResolvedAnalyzerOptions['stopwords']): ReadonlySet<string> | undefined {
  if (stopwords === 'none') return undefined;
  if (stopwords === 'en') return ENGLISH_STOPWORDS;
  return stopwords.length > 0 ? new Set(stopwords) : undefined;
}

/** Distinct tokens an analyzer remembers; past this the cache is cleared and refilled (no LRU bookkeeping). */
const TERM_CACHE_LIMIT = 100_000;
/** Analyzers are shared per distinct options, so every segment of a field shares one term cache. */
const SHARED_LIMIT = 32;
const shared = new Map<string, Analyzer>();

/**
 * An analyzer for `options`; equal options (after defaults) return the same instance.
 *
 * @example
 * createAnalyzer().analyze("The runners don't stop running"); // ['runner', 'dont', 'stop', 'run']
 * createAnalyzer({ language: 'none' }).analyze('Les Misérables'); // ['les', 'misérables']
 */
export function createAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  const resolved = resolveAnalyzerOptions(options);
  const key = analyzerOptionsJson(resolved);
  let analyzer = shared.get(key);
  if (analyzer === undefined) {
    analyzer = newAnalyzer(resolved);
    if (shared.size < SHARED_LIMIT) shared.set(key, analyzer);
  }
  return analyzer;
}

function newAnalyzer(resolved: ResolvedAnalyzerOptions): Analyzer {
  const { lowercase, stem: stemming, minTokenLength: min, maxTokenLength: max } = resolved;
  const stops = stopwordSet(resolved.stopwords);
  // Token (as tokenized) → term, or '' when the token is dropped. Most tokens of a corpus are repeats, so one
  // Map lookup replaces normalizing, the length and stopword checks, and the stemmer's dozen regexes.
  const cache = new Map<string, string>();

  function termOf(raw: string, nonAscii: boolean): string {
    const token = nonAscii ? raw.normalize('NFC') : raw;
    if (token.length < min || token.length > max) return '';
    // Stopword lists are lowercase; with lowercasing off, "The" is still a stopword.
    const lower = lowercase ? token : token.toLowerCase();
    if (stops?.has(lower)) return '';
    // Porter works on lowercase words (and lowercases its output), so a token with capitals stays as it is.
    return stemming && lower === token ? stem(token) : token;
  }

  function analyze(text: string): string[] {
    if (typeof text !== 'string') {
      throw new QuiverError('INVALID_ARGUMENT', 'analyze() takes a string', { received: typeof text });
    }
    const terms: string[] = [];
    forEachToken(lowercase ? text.toLowerCase() : text, (raw, nonAscii) => {
      let term = cache.get(raw);
      if (term === undefined) {
        term = termOf(raw, nonAscii);
        if (cache.size >= TERM_CACHE_LIMIT) cache.clear();
        cache.set(raw, term);
      }
      if (term !== '') terms.push(term);
    });
    return terms;
  }

  return { options: resolved, analyze };
}
