/**
 * The offline default model for tests, built once into a cache folder that every test file (and every child
 * process, through QUIVER_MODEL_DIR) shares. Builds are atomic, so test files racing to build it are safe.
 */

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultEmbedder } from '../../src/embed/default-embedder.js';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';

export const TEST_MODEL_DIR = join(tmpdir(), 'quiver-test-models');

export function testEmbedder(): Promise<TransformersEmbedder> {
  return createDefaultEmbedder({ cacheDir: TEST_MODEL_DIR });
}

/** Cosine similarity of two vectors (of any scale). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
