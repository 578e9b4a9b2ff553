/**
 * An `Embedder` over any OpenAI-compatible `POST /v1/embeddings` endpoint: OpenAI itself, Ollama, vLLM,
 * Hugging Face TEI, LM Studio. Inputs go in batches (several in flight at once), each request has its own
 * timeout, and transient failures are retried with backoff (see http-retry.ts).
 */

import { QuiverError } from '../errors.js';
import { assertPositiveInteger, assertTexts, embedInBatches } from './batching.js';
import type { Embedder } from './embedder.js';
import { postJsonWithRetry, type RetryPolicy } from './http-retry.js';

export interface OpenAIEmbedderOptions {
  /** The API root including its version, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The vector length, if known; otherwise `create` learns it from one probe request. */
  dimension?: number;
  /** Ask the server for `dimension`-long vectors (OpenAI text-embedding-3 only). Default false. */
  sendDimensions?: boolean;
  /** Reported as `maxTokens`; the server truncates or rejects longer input. Default 8192. */
  maxTokens?: number;
  /** Name recorded with the vectors. Default `model`. */
  modelId?: string;
  queryPrefix?: string;
  documentPrefix?: string;
  /** Texts per request. Default 64. */
  batchSize?: number;
  /** Requests in flight at once. Default 2. */
  maxConcurrency?: number;
  /** Retries after the first attempt of a request. Default 4. */
  maxRetries?: number;
  /** Backoff before the first retry, doubling each time. Default 500 ms. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Per-request timeout. Default 60 s. */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

interface EmbeddingItem {
  index?: number;
  embedding: number[] | string;
}

/** Decodes `encoding_format: 'base64'` output: little-endian float32s. */
function decodeEmbedding(value: number[] | string): Float32Array {
  if (typeof value !== 'string') return Float32Array.from(value);
  const bytes = Buffer.from(value, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function parseResponse(body: unknown, expected: number): Float32Array[] {
  const data = (body as { data?: unknown })?.data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new QuiverError('IO_ERROR', `embeddings response has no data array of ${expected} items`, { expected });
  }
  const out = new Array<Float32Array>(expected);
  (data as EmbeddingItem[]).forEach((item, k) => {
    const at = typeof item?.index === 'number' ? item.index : k;
    const ok = Array.isArray(item?.embedding) || typeof item?.embedding === 'string';
    if (!ok || at < 0 || at >= expected || out[at] !== undefined) {
      throw new QuiverError('IO_ERROR', `embeddings response item ${k} is malformed`, { received: at });
    }
    out[at] = decodeEmbedding(item.embedding);
  });
  return out;
}

export class OpenAIEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  readonly maxTokens: number;
  readonly #options: OpenAIEmbedderOptions;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #policy: RetryPolicy;
  #disposed = false;

  private constructor(options: OpenAIEmbedderOptions, dimension: number) {
    this.#options = options;
    this.modelId = options.modelId ?? options.model;
    this.dimension = dimension;
    this.maxTokens = options.maxTokens ?? 8192;
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    this.#headers = { ...options.headers, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) };
    this.#policy = {
      maxRetries: options.maxRetries ?? 4,
      initialDelayMs: options.initialDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 20_000,
      timeoutMs: options.timeoutMs ?? 60_000,
    };
  }

  /**
   * @example
   * const e = await OpenAIEmbedder.create({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'nomic-embed-text' });
   */
  static async create(options: OpenAIEmbedderOptions): Promise<OpenAIEmbedder> {
    if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
      throw new QuiverError('INVALID_ARGUMENT', 'baseUrl must be an http(s) URL', {
        field: 'baseUrl',
        received: options.baseUrl,
      });
    }
    for (const name of ['batchSize', 'maxConcurrency', 'dimension', 'timeoutMs'] as const) {
      const value = options[name];
      if (value !== undefined) assertPositiveInteger(name, value);
    }
    if (options.dimension !== undefined) return new OpenAIEmbedder(options, options.dimension);
    // The first response tells the vector length.
    const probe = new OpenAIEmbedder(options, 0);
    const [v] = await probe.#request(['dimension probe']);
    return new OpenAIEmbedder(options, v!.length);
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    return this.#embed(texts, this.#options.documentPrefix ?? '');
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [v] = await this.#embed([text], this.#options.queryPrefix ?? '');
    return v!;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
  }

  async #embed(texts: string[], prefix: string): Promise<Float32Array[]> {
    if (this.#disposed) throw new QuiverError('CLOSED', `embedder ${this.modelId} was disposed`);
    assertTexts(texts);
    if (texts.length === 0) return [];
    const inputs = prefix === '' ? texts : texts.map((t) => prefix + t);
    const schedule = { batchSize: this.#options.batchSize ?? 64, maxConcurrency: this.#options.maxConcurrency ?? 2 };
    return embedInBatches(inputs, schedule, (batch) => this.#request(batch));
  }

  async #request(input: string[]): Promise<Float32Array[]> {
    const payload: Record<string, unknown> = { model: this.#options.model, input };
    if (this.#options.sendDimensions && this.#options.dimension !== undefined)
      payload.dimensions = this.#options.dimension;
    const body = await postJsonWithRetry(this.#url, payload, this.#headers, this.#policy);
    const vectors = parseResponse(body, input.length);
    for (const v of vectors) {
      if (this.dimension !== 0 && v.length !== this.dimension) {
        throw new QuiverError(
          'DIMENSION_MISMATCH',
          `${this.modelId} returned a ${v.length}-d vector, expected ${this.dimension}`,
          {
            expected: this.dimension,
            received: v.length,
          },
        );
      }
    }
    return vectors;
  }
}
