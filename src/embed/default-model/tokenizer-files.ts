/**
 * The Hugging Face side files of the default model: `tokenizer.json`, `tokenizer_config.json` and
 * `config.json`, written so the folder loads like any other feature-extraction model.
 *
 * The tokenizer is word-level: lowercase, then BERT pre-tokenisation (split on whitespace, and every
 * punctuation character is a token of its own), then a whole-word vocabulary lookup. Transformers.js 4
 * has no `WordLevel` model, so this is written as a `WordPiece` model whose vocabulary holds no
 * continuation pieces ("##..."): a word in the vocabulary maps to itself, and any other word has no
 * continuation to fall back on and becomes [UNK]. Id 0 is [PAD], id 1 is [UNK]; both have zero rows.
 */

export const PAD_TOKEN = '[PAD]';
export const UNK_TOKEN = '[UNK]';
export const SPECIAL_TOKENS = [PAD_TOKEN, UNK_TOKEN] as const;
export const MAX_TOKENS = 8192;
const CONTINUATION_PREFIX = '##';

// The character classes of the BERT pre-tokeniser: Unicode punctuation plus every ASCII symbol.
export const BERT_PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const SINGLE_TOKEN = new RegExp(`^(?:[^\\s${BERT_PUNCTUATION}]+|[${BERT_PUNCTUATION}])$`, 'u');

/** Whether the tokenizer can ever produce `word` as one token (so a vocabulary entry for it is reachable). */
export function isReachableWord(word: string): boolean {
  return word === word.toLowerCase() && SINGLE_TOKEN.test(word) && !word.startsWith(CONTINUATION_PREFIX);
}

function specialToken(content: string, id: number): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** `tokenizer.json`; token id i + 2 is `words[i]`. */
export function tokenizerJson(words: string[]): string {
  const vocab: Record<string, number> = Object.create(null);
  SPECIAL_TOKENS.forEach((t, i) => {
    vocab[t] = i;
  });
  words.forEach((w, i) => {
    vocab[w] = i + SPECIAL_TOKENS.length;
  });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t, i) => specialToken(t, i)),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: CONTINUATION_PREFIX, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: UNK_TOKEN,
      continuing_subword_prefix: CONTINUATION_PREFIX,
      max_input_chars_per_word: 100,
      vocab,
    },
  });
}

export function tokenizerConfigJson(): string {
  const config = {
    tokenizer_class: 'PreTrainedTokenizer',
    model_max_length: MAX_TOKENS,
    do_lower_case: true,
    pad_token: PAD_TOKEN,
    unk_token: UNK_TOKEN,
    padding_side: 'right',
    clean_up_tokenization_spaces: true,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * `config.json`. Transformers.js picks the model class from `model_type`; the BERT encoder class feeds the
 * graph only the inputs it declares (here just `input_ids`), so a one-Gather graph runs through it unchanged.
 */
export function modelConfigJson(dim: number, vocabSize: number, recipe: Record<string, unknown>): string {
  const config = {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: dim,
    vocab_size: vocabSize,
    max_position_embeddings: MAX_TOKENS,
    pad_token_id: 0,
    quiver_static_embedding: recipe,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
