/**
 * Turns a pipeline file's `generator` section into a `Generator`: the offline extractive one (the default), or
 * an OpenAI-compatible chat server whose key comes from an environment variable, never from the file.
 */

import { QuiverError } from '../errors.js';
import { ExtractiveGenerator } from '../generate/extractive.js';
import type { Generator } from '../generate/generator.js';
import { OpenAIChatGenerator } from '../generate/openai-chat.js';
import type { PipelineConfig } from './pipeline-schema.js';

export function createGenerator(config: PipelineConfig['generator']): Generator {
  switch (config.provider) {
    case 'extractive':
      return new ExtractiveGenerator({ maxSentences: config.maxSentences });
    case 'openai': {
      const { provider: _, apiKeyEnv, ...options } = config;
      if (apiKeyEnv !== undefined && !process.env[apiKeyEnv]) {
        throw new QuiverError('CONFIG_INVALID', `generator.apiKeyEnv names ${apiKeyEnv}, which is not set`, {
          path: 'generator.apiKeyEnv',
        });
      }
      return new OpenAIChatGenerator({ ...options, apiKeyEnv });
    }
  }
}
