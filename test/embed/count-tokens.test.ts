/**
 * `TransformersEmbedder.countTokens` on the word-level GloVe model, built into the shared test cache: it must equal the
 * length of Transformers.js's own tokenization without special tokens (its word-level shortcut included),
 * for plain, unicode, punctuation-heavy and special-token-bearing text and for the SciFact corpus.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDefaultModel, type Embedder, TransformersEmbedder } from '../../src/embed/index.js';
import { isQuiverError } from '../../src/errors.js';
import { TEST_MODEL_DIR } from '../helpers/model.js';

let modelDir: string;
let embedder: TransformersEmbedder;
let tokenizer: PreTrainedTokenizer;
const reference = (text: string): number => tokenizer.tokenize(text, { add_special_tokens: false }).length;

beforeAll(async () => {
  modelDir = (await buildDefaultModel({ cacheDir: TEST_MODEL_DIR, model: 'glove-sif' })).dir;
  embedder = await TransformersEmbedder.create({ model: modelDir });
  tokenizer = await AutoTokenizer.from_pretrained(modelDir);
}, 180_000);

afterAll(async () => {
  await embedder?.dispose();
});

const corpus = fileURLToPath(new URL('../../../shared/data/scifact/corpus.jsonl', import.meta.url));

describe('countTokens', () => {
  it('counts model tokens without special tokens', () => {
    // Word-level: lowercased words, each punctuation character apart, unknown words as one [UNK].
    expect(embedder.countTokens("Hello, World! Microstructural cat's e-mail.")).toBe(12);
    expect(embedder.countTokens('')).toBe(0);
    expect(embedder.countTokens(' \n\t ')).toBe(0);
    expect(embedder.countTokens('tuberculosis')).toBe(1);
    // A word over the tokenizer's 100-character limit is one [UNK] too.
    expect(embedder.countTokens('x'.repeat(150))).toBe(1);
    // Literal special-token text is that one token, as the full tokenizer treats it.
    expect(embedder.countTokens('a [UNK] b [PAD]')).toBe(reference('a [UNK] b [PAD]'));
    const embedderApi: Embedder = embedder;
    expect(embedderApi.countTokens?.('one two')).toBe(2);
  });

  it('equals the full tokenizer on arbitrary text', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom(' ', '\n', '\r\n', '\t', '.', ',', "'", '-', '(', ')', '[UNK]', '[PAD]', '##', 'ß', 'İ', '🧪'),
      fc.stringMatching(/^[A-Za-z]{1,12}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        expect(embedder.countTokens(text)).toBe(reference(text));
      }),
      { numRuns: 500 },
    );
  });

  it.skipIf(!existsSync(corpus))('equals the full tokenizer on every SciFact document', async () => {
    const lines = (await readFile(corpus, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    let total = 0;
    for (const line of lines) {
      const { title, text } = JSON.parse(line) as { title: string; text: string };
      const doc = `${title}\n\n${text}`;
      const n = embedder.countTokens(doc);
      expect(n).toBe(reference(doc));
      total += n;
    }
    expect(total).toBeGreaterThan(1_000_000);
  });

  it('rejects non-strings and a disposed embedder', async () => {
    try {
      embedder.countTokens(42 as unknown as string);
      expect.unreachable('countTokens(42)');
    } catch (err) {
      expect(isQuiverError(err, 'INVALID_ARGUMENT')).toBe(true);
    }
    const other = await TransformersEmbedder.create({ model: modelDir });
    expect(other.countTokens('still open')).toBe(2);
    await other.dispose();
    expect(() => other.countTokens('closed')).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });
});
