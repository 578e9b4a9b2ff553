/**
 * An `Embedder` over a Transformers.js feature-extraction model: by default a local Hugging Face model
 * folder (`config.json`, `tokenizer.json`, `tokenizer_config.json`, `onnx/model*.onnx`), or a hub id when
 * remote loading is explicitly allowed. This is the only file that imports `@huggingface/transformers`, and
 * it does so lazily in `create`, so importing Quiver does not load ONNX Runtime (~0.3 s) until a model is.
 */

import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FeatureExtractionPipeline } from '@huggingface/transformers';
import { QuiverError } from '../errors.js';
import { assertPositiveInteger, assertTexts, embedInBatches } from './batching.js';
import type { Embedder } from './embedder.js';
import { wordLevelCounter, wordSumCounter } from './word-level-counter.js';

export type TransformersDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

export interface TransformersEmbedderOptions {
  /** A local model folder, or a hub id (e.g. `Xenova/all-MiniLM-L6-v2`) when `allowRemote` is true. */
  model: string;
  /** Allow downloading from the Hugging Face hub. Default false: only local folders load. */
  allowRemote?: boolean;
  /** Where downloads from the hub are cached (only with `allowRemote`). Default: Transformers.js's own cache folder. */
  downloadCacheDir?: string;
  /** Name recorded with the vectors. Default: the folder's name, or the hub id. */
  modelId?: string;
  /** Which ONNX weights to load (`onnx/model.onnx` for fp32, `onnx/model_quantized.onnx` for q8, ...). Default fp32. */
  dtype?: TransformersDtype;
  /** How token vectors become one vector: 'none' needs a model that outputs pooled vectors. Default 'mean'. */
  pooling?: 'mean' | 'cls' | 'none';
  /** L2-normalise every vector. Default true. */
  normalize?: boolean;
  /** Prepended to each query, e.g. 'query: ' for e5 models. Default ''. */
  queryPrefix?: string;
  /** Prepended to each document, e.g. 'passage: ' for e5 models. Default ''. */
  documentPrefix?: string;
  /** Texts per model call. Default 16 (short batches keep event-loop pauses short; see the README). */
  batchSize?: number;
  /** Model calls in flight at once. Default 1 (ONNX Runtime already uses every core for one call). */
  maxConcurrency?: number;
}

/** The options that shape each call, with defaults filled in. */
type Settings = Required<
  Omit<TransformersEmbedderOptions, 'model' | 'allowRemote' | 'modelId' | 'dtype' | 'downloadCacheDir'>
>;

const DTYPE_SUFFIX: Record<TransformersDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** Fails with NOT_FOUND, naming what is missing, unless `dir` holds every file Transformers.js will read. */
async function checkModelFolder(dir: string, dtype: TransformersDtype): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new QuiverError('NOT_FOUND', `model folder not found: ${dir}`, { file: dir });
  const required = ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`];
  for (const file of required) {
    const f = await stat(join(dir, file)).catch(() => null);
    if (!f?.isFile()) throw new QuiverError('NOT_FOUND', `model folder ${dir} is missing ${file}`, { file });
  }
}

export class TransformersEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  readonly maxTokens: number;
  readonly #extractor: FeatureExtractionPipeline;
  readonly #options: Settings;
  readonly #countTokens: (text: string) => number;
  #disposed = false;

  private constructor(extractor: FeatureExtractionPipeline, modelId: string, dimension: number, options: Settings) {
    this.#extractor = extractor;
    this.modelId = modelId;
    this.dimension = dimension;
    this.#options = options;
    const tokenizer = extractor.tokenizer;
    const full = (text: string): number => tokenizer.tokenize(text, { add_special_tokens: false }).length;
    this.#countTokens = wordLevelCounter(tokenizer) ?? wordSumCounter(full) ?? full;
    const limit = extractor.tokenizer.model_max_length;
    this.maxTokens = Number.isFinite(limit) ? limit : Number.MAX_SAFE_INTEGER;
  }

  /**
   * Loads the model and probes its output dimension.
   * @example
   * const e = await TransformersEmbedder.create({ model: '/models/bge-small-en', queryPrefix: 'Represent this sentence for searching relevant passages: ' });
   */
  static async create(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const allowRemote = options.allowRemote ?? false;
    const dtype = options.dtype ?? 'fp32';
    const settings: Settings = {
      pooling: options.pooling ?? 'mean',
      normalize: options.normalize ?? true,
      queryPrefix: options.queryPrefix ?? '',
      documentPrefix: options.documentPrefix ?? '',
      batchSize: options.batchSize ?? 16,
      maxConcurrency: options.maxConcurrency ?? 1,
    };
    assertPositiveInteger('batchSize', settings.batchSize);
    assertPositiveInteger('maxConcurrency', settings.maxConcurrency);
    if (!(dtype in DTYPE_SUFFIX))
      throw new QuiverError('INVALID_ARGUMENT', `unknown dtype ${dtype}`, { field: 'dtype' });

    // A local folder is passed as an absolute path, which Transformers.js reads directly (no hub lookup).
    const source = allowRemote ? options.model : resolve(options.model);
    if (!allowRemote) await checkModelFolder(source, dtype);
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = allowRemote;
    let extractor: FeatureExtractionPipeline;
    try {
      extractor = await pipeline('feature-extraction', source, {
        dtype,
        local_files_only: !allowRemote,
        ...(allowRemote && options.downloadCacheDir !== undefined ? { cache_dir: options.downloadCacheDir } : {}),
      });
    } catch (cause) {
      throw new QuiverError(
        'IO_ERROR',
        `could not load model ${options.model}: ${String(cause)}`,
        { file: source },
        { cause },
      );
    }
    const modelId = options.modelId ?? (allowRemote ? options.model : basename(source));
    const probe = await TransformersEmbedder.#run(extractor, settings, ['dimension probe']);
    return new TransformersEmbedder(extractor, modelId, probe[0]!.length, settings);
  }

  static async #run(
    extractor: FeatureExtractionPipeline,
    settings: Settings,
    texts: string[],
  ): Promise<Float32Array[]> {
    const output = await extractor(texts, { pooling: settings.pooling, normalize: settings.normalize });
    if (output.dims.length !== 2) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `pooling '${settings.pooling}' gives [${output.dims}] per batch, not one vector per text`,
        {
          field: 'pooling',
        },
      );
    }
    const dim = output.dims[1]!;
    const data = output.data as Float32Array;
    return texts.map((_, i) => {
      const v = data.slice(i * dim, (i + 1) * dim);
      // A text with no tokens (or only padding) pools to 0/0; it has no direction, so it gets the zero vector.
      if (!v.every(Number.isFinite)) v.fill(0);
      return v;
    });
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    return this.#embed(texts, this.#options.documentPrefix);
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [v] = await this.#embed([text], this.#options.queryPrefix);
    return v!;
  }

  /**
   * The model's token count for `text`, special tokens excluded (synchronous: tokenizing needs no model run).
   * `tokenize` is used rather than `encode`, which also maps ids and builds an attention mask.
   */
  countTokens(text: string): number {
    if (this.#disposed) throw new QuiverError('CLOSED', `embedder ${this.modelId} was disposed`);
    if (typeof text !== 'string')
      throw new QuiverError('INVALID_ARGUMENT', 'countTokens takes a string', { field: 'text', received: typeof text });
    return this.#countTokens(text);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#extractor.dispose();
  }

  async #embed(texts: string[], prefix: string): Promise<Float32Array[]> {
    if (this.#disposed) throw new QuiverError('CLOSED', `embedder ${this.modelId} was disposed`);
    assertTexts(texts);
    if (texts.length === 0) return [];
    const inputs = prefix === '' ? texts : texts.map((t) => prefix + t);
    return embedInBatches(inputs, this.#options, (batch) =>
      TransformersEmbedder.#run(this.#extractor, this.#options, batch),
    );
  }
}
