/**
 * Turns a pipeline file's `generator` section into a `Generator`: the offline extractive one (the default), an
 * OpenAI-compatible chat server whose key comes from an environment variable (never from the file), or a local GGUF
 * model through the optional node-llama-cpp package. A llama.cpp model is loaded once per process and settings, and
 * shared by every later call: loading one takes seconds and gigabytes.
 */

import { QuiverError } from '../errors.js';
import { ExtractiveGenerator } from '../generate/extractive.js';
import type { Generator } from '../generate/generator.js';
import { LlamaCppGenerator } from '../generate/llama-cpp.js';
import { OpenAIChatGenerator } from '../generate/openai-chat.js';
import type { PipelineConfig } from './pipeline-schema.js';

const llamaModels = new Map<string, Promise<LlamaCppGenerator>>();

export async function createGenerator(config: PipelineConfig['generator']): Promise<Generator> {
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
    case 'llama-cpp': {
      const { provider: _, ...options } = config;
      const key = JSON.stringify(options);
      let loading = llamaModels.get(key);
      if (!loading) {
        loading = LlamaCppGenerator.create(options);
        llamaModels.set(key, loading);
        // A failed load is not kept: fixing the file or installing the package and asking again works.
        loading.catch(() => llamaModels.delete(key));
      }
      return loading;
    }
  }
}
