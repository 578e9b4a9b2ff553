/**
 * Analyzer options: the type callers pass, the resolved form with every default filled in (in this one
 * place), validation that names the offending field, and a canonical JSON form. The BM25 codec stores the
 * canonical form next to the index, so an index always knows the analyzer its terms came from, and two
 * option objects that analyze alike serialize to the same bytes.
 */

import { QuiverError } from '../../errors.js';

export type AnalyzerLanguage = 'en' | 'none';

export interface AnalyzerOptions {
  /** 'en' (default): English stopwords and Porter stemming. 'none': neither, unless given explicitly. */
  language?: AnalyzerLanguage;
  /** Lowercase the text before tokenizing. Default true. */
  lowercase?: boolean;
  /** 'en', 'none' or your own list. Default: 'en' for language 'en', 'none' for language 'none'. */
  stopwords?: 'en' | 'none' | string[];
  /** Porter stemming. Default: true for language 'en', false for 'none'. */
  stem?: boolean;
  /** Tokens shorter than this (in UTF-16 units, before stemming) are dropped. Default 1. */
  minTokenLength?: number;
  /** Tokens longer than this (in UTF-16 units, before stemming) are dropped. Default 64. */
  maxTokenLength?: number;
}

export interface ResolvedAnalyzerOptions {
  readonly language: AnalyzerLanguage;
  readonly lowercase: boolean;
  /** A custom list is normalized: NFC, apostrophes removed, lowercased, deduplicated and sorted. */
  readonly stopwords: 'en' | 'none' | readonly string[];
  readonly stem: boolean;
  readonly minTokenLength: number;
  readonly maxTokenLength: number;
}

/** The longest token length an analyzer accepts; longer "words" are base64 blobs, not text. */
export const MAX_TOKEN_LENGTH_LIMIT = 1024;

const KNOWN = new Set(['language', 'lowercase', 'stopwords', 'stem', 'minTokenLength', 'maxTokenLength']);

function invalid(field: string, message: string, received: unknown): never {
  throw new QuiverError('INVALID_ARGUMENT', `analyzer option "${field}" ${message}`, { field, received });
}

function bool(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') invalid(field, 'must be a boolean', value);
  return value;
}

function length(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TOKEN_LENGTH_LIMIT) {
    invalid(field, `must be an integer from 1 to ${MAX_TOKEN_LENGTH_LIMIT}`, value);
  }
  return value;
}

/** Normalizes a stopword the way the analyzer normalizes a token before it looks it up. */
export function normalizeWord(word: string): string {
  return word
    .normalize('NFC')
    .replace(/['\u2019]/g, '')
    .toLowerCase();
}

function stopwords(value: unknown, language: AnalyzerLanguage): ResolvedAnalyzerOptions['stopwords'] {
  if (value === undefined) return language === 'en' ? 'en' : 'none';
  if (value === 'en' || value === 'none') return value;
  if (!Array.isArray(value)) invalid('stopwords', `must be 'en', 'none' or an array of strings`, value);
  const words = new Set<string>();
  for (const w of value) {
    if (typeof w !== 'string') invalid('stopwords', 'must hold only strings', w);
    const n = normalizeWord(w);
    if (n.length > 0) words.add(n);
  }
  return [...words].sort();
}

/**
 * Fills in defaults and validates. Throws QuiverError INVALID_ARGUMENT with `details.field` naming the bad
 * option (unknown options are rejected too, so a typo does not silently fall back to a default).
 */
export function resolveAnalyzerOptions(options: AnalyzerOptions = {}): ResolvedAnalyzerOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new QuiverError('INVALID_ARGUMENT', 'analyzer options must be an object', { received: options });
  }
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) invalid(key, 'is not an analyzer option', key);
  const language = options.language === undefined ? 'en' : options.language;
  if (language !== 'en' && language !== 'none') invalid('language', `must be 'en' or 'none'`, language);
  const minTokenLength = length('minTokenLength', options.minTokenLength, 1);
  const maxTokenLength = length('maxTokenLength', options.maxTokenLength, 64);
  if (maxTokenLength < minTokenLength)
    invalid('maxTokenLength', 'must not be less than minTokenLength', maxTokenLength);
  return {
    language,
    lowercase: bool('lowercase', options.lowercase, true),
    stopwords: stopwords(options.stopwords, language),
    stem: bool('stem', options.stem, language === 'en'),
    minTokenLength,
    maxTokenLength,
  };
}

/** Canonical JSON of resolved options: fixed key order, so equal options give equal strings. */
export function analyzerOptionsJson(options: ResolvedAnalyzerOptions): string {
  const { language, lowercase, stopwords, stem, minTokenLength, maxTokenLength } = options;
  return JSON.stringify({ language, lowercase, stopwords, stem, minTokenLength, maxTokenLength });
}
