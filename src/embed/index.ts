/**
 * The embed area's public surface: the `Embedder` contract, its Transformers.js and OpenAI-compatible
 * implementations, and the offline default model. Re-exports only.
 */

export { createDefaultEmbedder, type DefaultEmbedderOptions } from './default-embedder.js';
export { type BuildDefaultModelOptions, type BuiltModel, buildDefaultModel } from './default-model/build.js';
export { listModels, type ModelInfo, type ModelManifest, verifyModel } from './default-model/manifest.js';
export {
  DEFAULT_MODEL_ID,
  DEFAULT_MODEL_VERSION,
  DEFAULT_OFFLINE_MODEL,
  defaultModelDir,
  OFFLINE_MODEL_NAMES,
  OFFLINE_MODELS,
  type OfflineModelName,
} from './default-model/recipe.js';
export type { Embedder } from './embedder.js';
export { OpenAIEmbedder, type OpenAIEmbedderOptions } from './openai-embedder.js';
export {
  type TransformersDtype,
  TransformersEmbedder,
  type TransformersEmbedderOptions,
} from './transformers-embedder.js';
