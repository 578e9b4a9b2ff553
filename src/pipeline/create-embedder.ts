/**
 * Turns a pipeline file's `embedder` section into an `Embedder`: the offline default model, a local (or, when
 * allowed, hub) Transformers.js model, or an OpenAI-compatible endpoint whose key comes from an environment
 * variable, never from the file.
 */

import { basename } from 'node:path';
import { createDefaultEmbedder } from '../embed/default-embedder.js';
import { offlineModel } from '../embed/default-model/recipe.js';
import type { Embedder } from '../embed/embedder.js';
import { OpenAIEmbedder } from '../embed/openai-embedder.js';
import { TransformersEmbedder } from '../embed/transformers-embedder.js';
import { QuiverError } from '../errors.js';
import type { PipelineConfig } from './pipeline-schema.js';

export async function createEmbedder(config: PipelineConfig['embedder']): Promise<Embedder> {
  switch (config.provider) {
    case 'default':
      return createDefaultEmbedder({ batchSize: config.batchSize, model: config.model });
    case 'transformers': {
      const { provider: _, ...options } = config;
      return TransformersEmbedder.create(options);
    }
    case 'openai': {
      const { provider: _, apiKeyEnv, ...options } = config;
      const apiKey = apiKeyEnv === undefined ? undefined : process.env[apiKeyEnv];
      if (apiKeyEnv !== undefined && !apiKey) {
        throw new QuiverError('CONFIG_INVALID', `embedder.apiKeyEnv names ${apiKeyEnv}, which is not set`, {
          path: 'embedder.apiKeyEnv',
        });
      }
      return OpenAIEmbedder.create({ ...options, apiKey });
    }
  }
}

/**
 * The model id an embedder section will produce, known without loading the model, so a run with nothing to
 * embed (an unchanged re-ingest) can check the collection and skip the model load entirely.
 */
export function embedderModelId(config: PipelineConfig['embedder']): string {
  switch (config.provider) {
    case 'default': {
      const spec = offlineModel(config.model);
      return `${spec.id}@${spec.version}`;
    }
    case 'transformers':
      return config.allowRemote ? config.model : basename(config.model);
    case 'openai':
      return config.model;
  }
}
