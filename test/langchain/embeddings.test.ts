/**
 * Embeddings across the boundary, both ways, with the real offline embedder: QuiverEmbeddings gives LangChain
 * the same vectors the Embedder gives Quiver, and LangChainEmbedder gives them back, probing the dimension and
 * checking every vector's length.
 */

import { Embeddings } from '@langchain/core/embeddings';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { LangChainEmbedder, QuiverEmbeddings } from '../../src/langchain/embeddings.js';
import { expectCode } from '../helpers/errors.js';
import { testEmbedder } from '../helpers/model.js';

let embedder: TransformersEmbedder;

beforeAll(async () => {
  embedder = await testEmbedder();
});
afterAll(async () => {
  await embedder.dispose();
});

const TEXTS = ['Vectors live in segments.', 'Filters are data.'];

describe('QuiverEmbeddings', () => {
  test('returns the embedder vectors as number[]', async () => {
    const e = new QuiverEmbeddings(embedder);
    expect(e).toBeInstanceOf(Embeddings);
    expect(e.dimension).toBe(embedder.dimension);
    expect(e.modelId).toBe(embedder.modelId);
    const docs = await e.embedDocuments(TEXTS);
    const direct = await embedder.embedDocuments(TEXTS);
    expect(docs).toHaveLength(2);
    expect(Array.isArray(docs[0])).toBe(true);
    expect(docs[1]).toEqual(Array.from(direct[1]!));
    expect(await e.embedQuery('segments')).toEqual(Array.from(await embedder.embedQuery('segments')));
    expect(await e.embedDocuments([])).toEqual([]);
  });
});

describe('LangChainEmbedder', () => {
  test('round-trips a LangChain Embeddings back into an Embedder, probing the dimension', async () => {
    const back = await LangChainEmbedder.create(new QuiverEmbeddings(embedder), { modelId: 'wrapped' });
    expect(back).toMatchObject({ dimension: embedder.dimension, modelId: 'wrapped', maxTokens: 512 });
    const [v] = await back.embedDocuments(TEXTS.slice(0, 1));
    expect(v).toBeInstanceOf(Float32Array);
    expect(v).toEqual((await embedder.embedDocuments(TEXTS.slice(0, 1)))[0]);
    expect(await back.embedQuery('filters')).toEqual(await embedder.embedQuery('filters'));
    await back.dispose();
  });

  test('a declared dimension that the model does not give is DIMENSION_MISMATCH', async () => {
    const wrong = await LangChainEmbedder.create(new QuiverEmbeddings(embedder), { modelId: 'w', dimension: 3 });
    const err = await expectCode(wrong.embedQuery('x'), 'DIMENSION_MISMATCH');
    expect(err.details).toMatchObject({ expected: 3, received: embedder.dimension });
    await expectCode(LangChainEmbedder.create(new QuiverEmbeddings(embedder), { modelId: '' }), 'INVALID_ARGUMENT');
  });
});
