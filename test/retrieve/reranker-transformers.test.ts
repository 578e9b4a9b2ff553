/**
 * The Transformers.js cross-encoder: no such model is available offline, so this checks what can be checked
 * without one: a missing or incomplete folder fails with NOT_FOUND before Transformers.js is asked for
 * anything, unreadable model files fail with IO_ERROR (local files only: nothing is fetched), and logits
 * turn into relevance scores as documented.
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { relevanceFromLogits, TransformersReranker } from '../../src/retrieve/reranker-transformers.js';
import { expectCode } from '../helpers/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-reranker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function modelFolder(name: string, files: string[]): Promise<string> {
  const folder = join(dir, name);
  await mkdir(join(folder, 'onnx'), { recursive: true });
  for (const f of files) await writeFile(join(folder, f), f.endsWith('.json') ? '{ not json' : 'not onnx');
  return folder;
}

describe('TransformersReranker.create', () => {
  test('a folder that does not exist fails with NOT_FOUND naming it', async () => {
    const missing = join(dir, 'no-such-model');
    const err = await expectCode(TransformersReranker.create({ modelDir: missing }), 'NOT_FOUND');
    expect(err.details.file).toBe(missing);
  });

  test('a folder without the weights for the dtype fails with NOT_FOUND naming the file', async () => {
    const folder = await modelFolder('no-weights', ['config.json', 'tokenizer.json', 'tokenizer_config.json']);
    let err = await expectCode(TransformersReranker.create({ modelDir: folder }), 'NOT_FOUND');
    expect(err.details.file).toBe('onnx/model.onnx');
    err = await expectCode(TransformersReranker.create({ modelDir: folder, dtype: 'q8' }), 'NOT_FOUND');
    expect(err.details.file).toBe('onnx/model_quantized.onnx');
  });

  test('files that are not a model fail with IO_ERROR, from the local folder alone', async () => {
    const folder = await modelFolder('garbage', [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model.onnx',
    ]);
    const err = await expectCode(TransformersReranker.create({ modelDir: folder }), 'IO_ERROR');
    expect(err.details.file).toBe(folder);
  });

  test('bad options fail with INVALID_ARGUMENT naming them', async () => {
    let err = await expectCode(TransformersReranker.create({ modelDir: '' }), 'INVALID_ARGUMENT');
    expect(err.details.field).toBe('modelDir');
    err = await expectCode(TransformersReranker.create({ modelDir: dir, batchSize: 0 }), 'INVALID_ARGUMENT');
    expect(err.details.field).toBe('batchSize');
    err = await expectCode(TransformersReranker.create({ modelDir: dir, dtype: 'fp64' as never }), 'INVALID_ARGUMENT');
    expect(err.details.field).toBe('dtype');
  });
});

describe('relevanceFromLogits', () => {
  test('a single-output model scores with its logit', () => {
    expect(relevanceFromLogits(new Float32Array([2.5, -1, 0]), 3, 1)).toEqual([2.5, -1, 0]);
  });

  test('a multi-label model scores with the probability of the last label', () => {
    // softmax([0, ln 3]) = [0.25, 0.75]; softmax([ln 3, 0]) = [0.75, 0.25].
    const out = relevanceFromLogits([0, Math.log(3), Math.log(3), 0], 2, 2);
    expect(out[0]).toBeCloseTo(0.75, 6);
    expect(out[1]).toBeCloseTo(0.25, 6);
  });
});
