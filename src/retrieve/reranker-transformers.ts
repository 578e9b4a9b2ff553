/**
 * A `Reranker` over a Transformers.js cross-encoder (a sequence-classification model that reads the query
 * and a passage together, e.g. ms-marco-MiniLM or bge-reranker exported to ONNX), loaded from a local model
 * folder only: remote loading is switched off and the folder is checked before Transformers.js sees it, so
 * this never touches the network. Transformers.js is imported lazily in `create`, as the embedder does.
 */

import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import type { TransformersDtype } from '../embed/transformers-embedder.js';
import { QuiverError } from '../errors.js';
import type { Reranker } from './types.js';

export interface TransformersRerankerOptions {
  /** A local Hugging Face model folder: config.json, tokenizer.json, tokenizer_config.json, onnx/model*.onnx. */
  modelDir: string;
  /** Name reported as `modelId`. Default: the folder's name. */
  modelId?: string;
  /** Which ONNX weights to load. Default fp32 (`onnx/model.onnx`). */
  dtype?: TransformersDtype;
  /** (query, passage) pairs per model call. Default 16. */
  batchSize?: number;
  /** Longest pair in tokens; longer passages are truncated. Default: the tokenizer's limit, at most 512. */
  maxLength?: number;
}

// The file names Transformers.js reads for each dtype (as in the embedder, whose table is private to it).
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
  if (!info?.isDirectory())
    throw new QuiverError('NOT_FOUND', `reranker model folder not found: ${dir}`, { file: dir });
  const required = ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`];
  for (const file of required) {
    const f = await stat(join(dir, file)).catch(() => null);
    if (!f?.isFile()) throw new QuiverError('NOT_FOUND', `reranker model folder ${dir} is missing ${file}`, { file });
  }
}

function positiveInt(field: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1) {
    throw new QuiverError('INVALID_ARGUMENT', `${field} must be an integer ≥ 1; got ${String(v)}`, { field });
  }
  return v;
}

/**
 * One relevance score per row of logits: the logit itself for a single-output model (the usual cross-encoder),
 * else the softmax probability of the last label (the "relevant" class of a two-way classifier).
 */
export function relevanceFromLogits(data: ArrayLike<number>, rows: number, labels: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: labels }, (_, j) => data[r * labels + j]!);
    if (labels === 1) {
      out.push(row[0]!);
      continue;
    }
    const max = Math.max(...row);
    const exps = row.map((x) => Math.exp(x - max));
    out.push(exps[labels - 1]! / exps.reduce((a, b) => a + b, 0));
  }
  return out;
}

export class TransformersReranker implements Reranker {
  readonly modelId: string;
  readonly #tokenizer: PreTrainedTokenizer;
  readonly #model: PreTrainedModel;
  readonly #batchSize: number;
  readonly #maxLength: number;
  #disposed = false;

  private constructor(
    tokenizer: PreTrainedTokenizer,
    model: PreTrainedModel,
    modelId: string,
    batchSize: number,
    maxLength: number,
  ) {
    this.#tokenizer = tokenizer;
    this.#model = model;
    this.modelId = modelId;
    this.#batchSize = batchSize;
    this.#maxLength = maxLength;
  }

  /**
   * @example
   * const reranker = await TransformersReranker.create({ modelDir: '/models/ms-marco-MiniLM-L-6-v2' });
   * const retriever = new Retriever({ collection, embedder, reranker });
   */
  static async create(options: TransformersRerankerOptions): Promise<TransformersReranker> {
    if (typeof options?.modelDir !== 'string' || options.modelDir === '') {
      throw new QuiverError('INVALID_ARGUMENT', 'modelDir must name a local model folder', { field: 'modelDir' });
    }
    const dtype = options.dtype ?? 'fp32';
    if (!(dtype in DTYPE_SUFFIX)) {
      throw new QuiverError('INVALID_ARGUMENT', `unknown dtype ${dtype}`, { field: 'dtype' });
    }
    const batchSize = positiveInt('batchSize', options.batchSize, 16);
    const dir = resolve(options.modelDir);
    await checkModelFolder(dir, dtype);
    const { env, AutoTokenizer, AutoModelForSequenceClassification } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    let tokenizer: PreTrainedTokenizer;
    let model: PreTrainedModel;
    try {
      tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      model = await AutoModelForSequenceClassification.from_pretrained(dir, { dtype, local_files_only: true });
    } catch (cause) {
      throw new QuiverError('IO_ERROR', `could not load reranker ${dir}: ${String(cause)}`, { file: dir }, { cause });
    }
    const limit = Number(tokenizer.model_max_length);
    const maxLength = positiveInt('maxLength', options.maxLength, Number.isFinite(limit) ? Math.min(limit, 512) : 512);
    return new TransformersReranker(tokenizer, model, options.modelId ?? basename(dir), batchSize, maxLength);
  }

  async score(query: string, passages: string[]): Promise<number[]> {
    if (this.#disposed) throw new QuiverError('CLOSED', `reranker ${this.modelId} was disposed`);
    if (typeof query !== 'string' || !Array.isArray(passages) || passages.some((p) => typeof p !== 'string')) {
      throw new QuiverError('INVALID_ARGUMENT', 'score takes a query string and an array of passage strings');
    }
    const out: number[] = [];
    for (let i = 0; i < passages.length; i += this.#batchSize) {
      const batch = passages.slice(i, i + this.#batchSize);
      const inputs = this.#tokenizer(
        batch.map(() => query),
        { text_pair: batch, padding: true, truncation: true, max_length: this.#maxLength },
      );
      const { logits } = (await this.#model(inputs)) as { logits: Tensor };
      const [rows, labels] = logits.dims as [number, number];
      out.push(...relevanceFromLogits(logits.data as Float32Array, rows, labels));
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#model.dispose();
  }
}
