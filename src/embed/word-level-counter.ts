/**
 * Fast, exact token counters used by `TransformersEmbedder.countTokens` when they apply. Chunk sizing and
 * context assembly count tokens constantly, and the full tokenizer's vocabulary search is the slow part:
 * - `wordLevelCounter`, for word-level vocabularies (the GloVe model): one token per pre-token;
 * - `wordSumCounter`, for tokenizers whose tokens never span whitespace (the sentence encoder's unigram
 *   model): the sum of each word's count, with the words' counts cached.
 */

import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { sumWordCounts, WordCounts } from './word-counts.js';

/** Texts the word-level counting shortcut must agree on with the full tokenizer before it is used. */
const COUNT_PROBES = [
  '',
  '   ',
  "Hello, World! Microstructural cat's e-mail.",
  'Ünïcödé, 中文字符 and emoji 🧪🧬 (x≥2); tabs\tand\r\nCRLF.',
  'supercalifragilisticexpialidocious-and-a-very-long-word-over-one-hundred-characters-abcdefghijklmnopqrstuvwxyz0123456789',
];

/**
 * A cheaper exact count for word-level vocabularies: a WordPiece model with no continuation pieces (the
 * default model is one) turns every pre-token into exactly one token, known word or [UNK], so counting
 * pre-tokens gives the count without the vocabulary search, which tries every prefix of each unknown word
 * (15x the cost on SciFact). Returns null for any other tokenizer, when the internals it reads are not there, or
 * when it disagrees with the full path on a probe text. Text containing an added token takes the full path.
 */
export function wordLevelCounter(tokenizer: PreTrainedTokenizer): ((text: string) => number) | null {
  try {
    const json = tokenizer._tokenizerJSON as
      | {
          model?: { type?: string; continuing_subword_prefix?: string; vocab?: object };
          added_tokens?: { content?: unknown }[];
        }
      | undefined;
    const config = tokenizer._tokenizerConfig as { remove_space?: unknown; do_lowercase_and_remove_accent?: unknown };
    const model = json?.model;
    const prefix = model?.continuing_subword_prefix ?? '##';
    if (model?.type !== 'WordPiece' || typeof model.vocab !== 'object' || model.vocab === null) return null;
    if (config?.remove_space || config?.do_lowercase_and_remove_accent) return null;
    if (Object.keys(model.vocab).some((token) => token.startsWith(prefix))) return null;
    const added = (json?.added_tokens ?? []).map((t) => t.content).filter((c): c is string => typeof c === 'string');
    const { normalizer, pre_tokenizer } = tokenizer._tokenizer;
    if (pre_tokenizer === null || typeof pre_tokenizer.pre_tokenize_text !== 'function') return null;
    const full = (text: string): number => tokenizer.tokenize(text, { add_special_tokens: false }).length;
    const count = (text: string): number => {
      const normal = normalizer === null ? text : normalizer.normalize(text);
      // Added tokens are matched before (or, if normalized, after) normalisation; leave those texts to the full path.
      if (added.some((c) => text.includes(c) || normal.includes(c))) return full(text);
      return normal.length === 0 ? 0 : pre_tokenizer.pre_tokenize_text(normal).length;
    };
    return COUNT_PROBES.every((t) => count(t) === full(t)) ? count : null;
  } catch {
    return null;
  }
}

/** Texts on which summing per-word counts must agree with the full tokenizer before the sum is used. */
const SUM_PROBES = [
  ...COUNT_PROBES,
  'a  b\n\nc\td ',
  '\n\nleading and trailing whitespace \t',
  "don't stop: e-mail, U.S.A. and http://example.org/x?y=1 (x≥2) — “quoted” 3.14",
  'Microstructural development of human newborn cerebral white matter assessed in vivo by MRI.',
];

/**
 * A counter that sums `full` over the words of a text (`forEachWord`: whitespace plus the word after it),
 * caching each word's count as the chunker's `tokenLength` does; or null when that sum differs from `full`
 * on any probe text (a tokenizer whose tokens may span whitespace may count differently).
 */
export function wordSumCounter(full: (text: string) => number): ((text: string) => number) | null {
  const words = new WordCounts(full, 100_000, 64);
  const count = (text: string): number => sumWordCounts(words, text, 0, text.length);
  try {
    return SUM_PROBES.every((t) => count(t) === full(t)) ? count : null;
  } catch {
    return null;
  }
}
