/**
 * The zero-configuration embedder: builds the offline default model on first use (from an installed npm
 * package, no network), verifies its checksums, and loads it through the same `TransformersEmbedder` path
 * as any Hugging Face model folder.
 */

import { isQuiverError } from '../errors.js';
import { buildDefaultModel } from './default-model/build.js';
import { verifyModel } from './default-model/manifest.js';
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
}

/**
 * @example
 * const embedder = await createDefaultEmbedder();
 * const [v] = await embedder.embedDocuments(['GloVe vectors, SIF-weighted.']);
 */
export async function createDefaultEmbedder(options: DefaultEmbedderOptions = {}): Promise<TransformersEmbedder> {
  const { cacheDir, verify = true, ...rest } = options;
  let built = await buildDefaultModel({ cacheDir });
  if (verify) {
    try {
      await verifyModel(built.dir);
    } catch (err) {
      // A damaged cache is rebuilt once; a fresh build that fails verification is a real error.
      if (!built.reused || !isQuiverError(err, 'CORRUPT')) throw err;
      built = await buildDefaultModel({ cacheDir, force: true });
      await verifyModel(built.dir);
    }
  }
  // The recipe is mean pooling plus L2 normalisation; the model's table already holds everything else.
  return TransformersEmbedder.create({
    ...rest,
    model: built.dir,
    modelId: `${built.modelId}@${built.version}`,
    pooling: 'mean',
    normalize: true,
  });
}
