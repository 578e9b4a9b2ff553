/**
 * The pipeline file's schema (zod): which store and collection to use, how to load, chunk and embed. Every
 * object is strict, so a misspelt key is an error that names it rather than a setting silently ignored.
 * Defaults live here and nowhere else.
 */

import { z } from 'zod';
import { OFFLINE_MODEL_NAMES, type OfflineModelName } from '../embed/default-model/recipe.js';

const globs = z.array(z.string().min(1));
const fieldList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const jsonMapping = z.union([
  z.strictObject({ preset: z.literal('beir') }),
  z.strictObject({
    id: z.string().min(1).optional(),
    title: z.string().min(1).optional(),
    text: fieldList,
    metadata: z.array(z.string().min(1)).optional(),
  }),
]);

const csvMapping = z.strictObject({
  id: z.string().min(1).optional(),
  title: z.string().min(1).optional(),
  text: fieldList,
  metadata: z.array(z.string().min(1)).optional(),
  delimiter: z.string().length(1).optional(),
});

const prefixes = {
  queryPrefix: z.string().optional(),
  documentPrefix: z.string().optional(),
  batchSize: z.int().min(1).max(4096).optional(),
};

const embedder = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('default'),
    model: z.enum(OFFLINE_MODEL_NAMES as [OfflineModelName, ...OfflineModelName[]]).optional(),
    batchSize: prefixes.batchSize,
  }),
  z.strictObject({
    provider: z.literal('transformers'),
    model: z.string().min(1),
    allowRemote: z.boolean().optional(),
    dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4']).optional(),
    pooling: z.enum(['mean', 'cls', 'none']).optional(),
    normalize: z.boolean().optional(),
    ...prefixes,
  }),
  z.strictObject({
    provider: z.literal('openai'),
    baseUrl: z.url(),
    model: z.string().min(1),
    /** Name of the environment variable holding the key; the key itself never goes in a file. */
    apiKeyEnv: z.string().min(1).optional(),
    dimension: z.int().min(1).optional(),
    timeoutMs: z.int().min(1).optional(),
    maxRetries: z.int().min(0).optional(),
    ...prefixes,
  }),
]);

const generator = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('extractive'), maxSentences: z.int().min(1).max(20).optional() }),
  z.strictObject({
    provider: z.literal('openai'),
    baseUrl: z.url(),
    model: z.string().min(1),
    /** Name of the environment variable holding the key; the key itself never goes in a file. */
    apiKeyEnv: z.string().min(1).optional(),
    timeoutMs: z.int().min(1).optional(),
    maxRetries: z.int().min(0).optional(),
    maxPromptTokens: z.int().min(100).optional(),
  }),
  z.strictObject({
    provider: z.literal('llama-cpp'),
    /** A local GGUF file, relative to the working directory. Needs the optional node-llama-cpp package. */
    modelPath: z.string().min(1),
    contextSize: z.int().min(16).optional(),
    maxPromptTokens: z.int().min(16).optional(),
    maxTokens: z.int().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
  }),
]);

export const pipelineSchema = z.strictObject({
  version: z.literal(1).default(1),
  store: z.strictObject({ path: z.string().min(1).default('.quiver') }).prefault({}),
  collection: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,254}$/, 'letters, digits, _ and -, starting with a letter or _')
        .default('docs'),
      index: z
        .union([
          z.strictObject({ type: z.literal('FLAT') }),
          z.strictObject({
            type: z.literal('HNSW'),
            M: z.int().min(2).max(512).optional(),
            efConstruction: z.int().min(8).max(10_000).optional(),
            ef: z.int().min(1).max(32_768).optional(),
          }),
        ])
        .optional(),
    })
    .prefault({}),
  embedder: embedder.default({ provider: 'default' }),
  loader: z
    .strictObject({
      include: globs.optional(),
      exclude: globs.optional(),
      json: jsonMapping.optional(),
      csv: csvMapping.optional(),
    })
    .prefault({}),
  chunker: z
    .strictObject({
      splitter: z.enum(['auto', 'recursive', 'markdown']).default('auto'),
      unit: z.enum(['tokens', 'chars', 'words']).default('tokens'),
      chunkSize: z.int().min(1).max(100_000).default(200),
      chunkOverlap: z.int().min(0).default(30),
      separators: z.array(z.string()).optional(),
    })
    .refine((c) => c.chunkOverlap < c.chunkSize, {
      message: 'chunkOverlap must be less than chunkSize',
      path: ['chunkOverlap'],
    })
    .prefault({}),
  ingest: z
    .strictObject({
      batchSize: z.int().min(1).max(4096).default(128),
      prune: z.boolean().default(false),
    })
    .prefault({}),
  retrieve: z
    .strictObject({
      k: z.int().min(1).max(100).default(5),
      mode: z.enum(['hybrid', 'dense', 'bm25']).default('hybrid'),
      maxChunksPerDocument: z.int().min(1).optional(),
      neighbours: z.int().min(0).max(5).default(1),
      maxContextTokens: z.int().min(50).max(1_000_000).default(1500),
    })
    .prefault({}),
  generator: generator.default({ provider: 'extractive' }),
  server: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.int().min(0).max(65_535).default(7700),
      /** Largest JSON body, in bytes. */
      bodyLimit: z
        .int()
        .min(1024)
        .default(10 * 1024 * 1024),
      /** Largest upload to `/ingest`, in bytes. */
      uploadLimit: z
        .int()
        .min(1024)
        .default(100 * 1024 * 1024),
      /** Origins allowed by CORS: none by default, `'*'` for any, or a list. */
      cors: z.union([z.literal('*'), z.array(z.string().min(1))]).default([]),
      /**
       * API keys, each read from an environment variable (a key never goes in a file). With none, the server is
       * open to anyone who can reach it, so it listens on loopback by default.
       */
      apiKeys: z
        .array(
          z.strictObject({
            keyEnv: z.string().min(1),
            scopes: z
              .array(z.enum(['read', 'write']))
              .min(1)
              .default(['read', 'write']),
          }),
        )
        .default([]),
      /** Folders `/ingest` may read server-side paths from; none by default (uploads only). */
      ingestRoots: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
});

export type PipelineConfig = z.output<typeof pipelineSchema>;
export type PipelineInput = z.input<typeof pipelineSchema>;
