/**
 * The Hugging Face side files of the sentence-encoder model: a SentencePiece unigram `tokenizer.json` built
 * from the encoder's own vocabulary (piece, log-probability), `tokenizer_config.json` and `config.json`.
 *
 * The encoder's tokenizer normalises with NFKC, marks word starts with "▁" and picks the most probable
 * segmentation; Transformers.js's Unigram model with a Metaspace pre-tokenizer does the same. Like
 * SentencePiece's default normaliser (the published JavaScript port skips this step), runs of whitespace
 * become one space and the ends are trimmed, so a line break is a word boundary, not an unknown piece, and a
 * text's token count is the sum of its words' counts. The first six
 * ids are reserved (id 0 is the unknown piece); the others are never produced from text, so they get a
 * score no segmentation would choose. The encoder reads at most 128 tokens, so the tokenizer truncates there.
 */

import { QuiverError } from '../../errors.js';

export const USE_LITE_MAX_TOKENS = 128;
const RESERVED = 6;
const UNREACHABLE_SCORE = -1000;
const PAD_ID = 0;

export type Vocabulary = [piece: string, score: number][];

/**
 * Checks the shipped vocabulary's shape. A few pieces (":", "://", "▁:)" ...) ship with a null score; the
 * tokenizer the weights were published with adds null as 0, so they get 0 here too.
 */
export function checkVocabulary(vocab: unknown): Vocabulary {
  const ok =
    Array.isArray(vocab) &&
    vocab.length > RESERVED &&
    vocab.every((e) => Array.isArray(e) && typeof e[0] === 'string' && (e[1] === null || Number.isFinite(e[1])));
  if (!ok) throw new QuiverError('CORRUPT', 'the sentence encoder vocabulary is not a list of [piece, score] pairs');
  return (vocab as [string, number | null][]).map(([piece, score]) => [piece, score ?? 0]);
}

export function useLiteTokenizerJson(vocab: Vocabulary): string {
  const unk = vocab[0]![0];
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: unk, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Strip', strip_left: true, strip_right: true },
      ],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: {
      type: 'Unigram',
      unk_id: 0,
      vocab: vocab.map(([piece, score], i) => [piece, i < RESERVED && i > 0 ? UNREACHABLE_SCORE : score]),
    },
  });
}

export function useLiteTokenizerConfigJson(vocab: Vocabulary): string {
  const config = {
    tokenizer_class: 'PreTrainedTokenizer',
    model_max_length: USE_LITE_MAX_TOKENS,
    pad_token: vocab[PAD_ID]![0],
    unk_token: vocab[0]![0],
    padding_side: 'right',
    clean_up_tokenization_spaces: false,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** `config.json`: the BERT encoder class feeds the graph the inputs it declares (`input_ids`, `attention_mask`). */
export function useLiteModelConfigJson(dim: number, vocabSize: number, recipe: Record<string, unknown>): string {
  const config = {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: dim,
    vocab_size: vocabSize,
    max_position_embeddings: USE_LITE_MAX_TOKENS,
    pad_token_id: PAD_ID,
    quiver_sentence_encoder: recipe,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
