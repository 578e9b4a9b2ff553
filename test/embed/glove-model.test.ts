/**
 * The offline GloVe-SIF model (`glove-sif`), end to end: built into a temporary cache, loaded through
 * TransformersEmbedder, and checked against both a direct Transformers.js run and an independent plain-JS
 * SIF computation. Also the build cache's behaviour (reuse, verification, rebuild of a damaged folder).
 */

import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, pipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuiltModel,
  buildDefaultModel,
  createDefaultEmbedder,
  listModels,
  OFFLINE_MODELS,
  TransformersEmbedder,
  verifyModel,
} from '../../src/embed/index.js';
import { isQuiverError } from '../../src/errors.js';
import { cosine } from '../helpers/model.js';
import { loadSifReference, type SifReference } from './sif-reference.js';

const cos = cosine;

const SENTENCES = [
  'The cat sat on the mat.',
  'Vitamin D deficiency is associated with an increased risk of tuberculosis!',
  'Stock markets fell sharply on Tuesday, as investors worried about inflation.',
  "Antibiotic-resistant bacteria (e.g. MRSA) aren't rare in hospitals; microstructural zzqx.",
  'Tuberculosis.',
];

let cacheDir: string;
let built: BuiltModel;
let embedder: TransformersEmbedder;
let reference: SifReference;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'quiver-embed-'));
  built = await buildDefaultModel({ cacheDir, model: 'glove-sif' });
  embedder = await TransformersEmbedder.create({ model: built.dir, batchSize: 2 });
  reference = loadSifReference({ vocabSize: 100_000, a: 1e-3 });
}, 180_000);

afterAll(async () => {
  await embedder?.dispose();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe('glove-sif model', () => {
  it('is a Hugging Face folder with a manifest', async () => {
    expect(built.reused).toBe(false);
    expect(built.modelId).toBe(OFFLINE_MODELS['glove-sif'].id);
    expect(built.files.sort()).toEqual(
      ['config.json', 'onnx/model.onnx', 'quiver-model.json', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    expect(embedder.dimension).toBe(100);
    expect(embedder.maxTokens).toBe(8192);
    const manifest = await verifyModel(built.dir);
    expect(manifest.vocabSize).toBe(100_002);
    expect(await listModels(cacheDir)).toEqual([expect.objectContaining({ dir: built.dir, dimension: 100 })]);
  });

  it('tokenizes word by word, lowercased, punctuation apart, unknown words as [UNK]', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(built.dir);
    const text = "Hello, World! Microstructural cat's e-mail.";
    expect(tokenizer.tokenize(text)).toEqual([
      'hello',
      ',',
      'world',
      '!',
      '[UNK]',
      'cat',
      "'",
      '[UNK]',
      '[UNK]',
      '-',
      'mail',
      '.',
    ]);
    const expected = reference
      .tokens(text)
      .map((t) => (t === 'microstructural' || t === 's' || t === 'e' ? '[UNK]' : t));
    expect(tokenizer.tokenize(text)).toEqual(expected);
  });

  it('equals a direct Transformers.js mean-pool + normalize run on the same folder', async () => {
    const extractor = await pipeline('feature-extraction', built.dir, { dtype: 'fp32', local_files_only: true });
    try {
      const direct = (await extractor(SENTENCES, { pooling: 'mean', normalize: true })).tolist() as number[][];
      const ours = await embedder.embedDocuments(SENTENCES);
      for (const i of SENTENCES.keys()) expect(cos(ours[i]!, direct[i]!)).toBeGreaterThanOrEqual(0.9999);
    } finally {
      await extractor.dispose();
    }
  });

  it('equals an independent plain-JS computation of the SIF recipe from the raw GloVe vectors', async () => {
    const ours = await embedder.embedDocuments(SENTENCES);
    for (const [i, s] of SENTENCES.entries()) expect(cos(ours[i]!, reference.embed(s))).toBeGreaterThanOrEqual(0.9999);
  });

  it('scores similar sentences above unrelated ones', async () => {
    const [cat, kitten, stocks, markets] = await embedder.embedDocuments([
      'The cat slept on the sofa all afternoon.',
      'A kitten was napping on the couch.',
      'Shares dropped as the central bank raised interest rates.',
      'Stock prices fell after the interest rate increase.',
    ]);
    expect(cos(cat!, kitten!)).toBeGreaterThan(cos(cat!, stocks!) + 0.1);
    expect(cos(stocks!, markets!)).toBeGreaterThan(cos(kitten!, markets!) + 0.1);
  });

  it('returns input order, identical to one-at-a-time, whatever the batching', async () => {
    const texts = [
      'short',
      'a much longer text about proteins, genes and the cells that express them',
      'mid length text',
      '',
      'x y z w',
    ];
    const batched = await embedder.embedDocuments(texts);
    for (const [i, t] of texts.entries()) {
      const [single] = await embedder.embedDocuments([t]);
      expect(Array.from(batched[i]!)).toEqual(Array.from(single!));
    }
    expect(await embedder.embedDocuments([])).toEqual([]);
    // A text with no known word has no direction: the zero vector, not NaN.
    expect(Array.from(batched[3]!).every((x) => x === 0)).toBe(true);
    expect(Array.from(await embedder.embedQuery(texts[1]!))).toEqual(Array.from(batched[1]!));
  });

  it('reuses the cache on a second build call', async () => {
    const before = (await stat(join(built.dir, 'onnx/model.onnx'))).mtimeMs;
    const again = await buildDefaultModel({ cacheDir, model: 'glove-sif' });
    expect(again.reused).toBe(true);
    expect(again.dir).toBe(built.dir);
    expect((await stat(join(built.dir, 'onnx/model.onnx'))).mtimeMs).toBe(before);
  });

  it('verifyModel catches a flipped byte and names the file', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'quiver-flip-'));
    try {
      await cp(built.dir, copy, { recursive: true });
      const file = join(copy, 'onnx/model.onnx');
      const bytes = await readFile(file);
      bytes[bytes.length - 1000]! ^= 0x01;
      await writeFile(file, bytes);
      const err = await verifyModel(copy).catch((e: unknown) => e);
      expect(isQuiverError(err, 'CORRUPT')).toBe(true);
      expect((err as { details: { file: string } }).details.file).toBe('onnx/model.onnx');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('gives clear errors for a missing folder or file', async () => {
    const missing = join(cacheDir, 'no-such-model');
    await expect(TransformersEmbedder.create({ model: missing })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(verifyModel(missing)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const partial = await mkdtemp(join(tmpdir(), 'quiver-partial-'));
    try {
      await cp(built.dir, partial, { recursive: true });
      await rm(join(partial, 'tokenizer.json'));
      await expect(TransformersEmbedder.create({ model: partial })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        details: { file: 'tokenizer.json' },
      });
      await expect(verifyModel(partial)).rejects.toMatchObject({
        code: 'CORRUPT',
        details: { file: 'tokenizer.json' },
      });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  });

  it('createDefaultEmbedder reuses a good cache and rebuilds a damaged one', async () => {
    const good = await createDefaultEmbedder({ cacheDir, model: 'glove-sif' });
    expect(Array.from(await good.embedQuery(SENTENCES[0]!))).toEqual(
      Array.from((await embedder.embedDocuments([SENTENCES[0]!]))[0]!),
    );
    await good.dispose();

    const damagedRoot = await mkdtemp(join(tmpdir(), 'quiver-damaged-'));
    try {
      await cp(built.dir, join(damagedRoot, 'quiver-glove-sif-100d-1'), { recursive: true });
      await writeFile(join(damagedRoot, 'quiver-glove-sif-100d-1', 'config.json'), '{}');
      const rebuilt = await createDefaultEmbedder({ cacheDir: damagedRoot, model: 'glove-sif' });
      expect(rebuilt.dimension).toBe(100);
      await rebuilt.dispose();
      await verifyModel(join(damagedRoot, 'quiver-glove-sif-100d-1'));
    } finally {
      await rm(damagedRoot, { recursive: true, force: true });
    }
  }, 120_000);
});
