/**
 * A `Generator` over any OpenAI-compatible `POST /v1/chat/completions` endpoint: OpenAI itself, Ollama, vLLM, a
 * llama.cpp server. `generate` sends one JSON request; `stream` asks for Server-Sent Events and yields deltas as
 * they arrive. Every call runs in a `CallScope`: one AbortController fed by the caller's signal, an overall
 * deadline, a first-token deadline and the consumer leaving early, so whichever fires cancels the upstream request
 * and decides the error (ABORTED or TIMEOUT). Transient failures are retried with backoff, but only before the
 * first token: once text has reached the caller a retry would repeat it.
 */

import { QuiverError } from '../errors.js';
import { CallScope } from './call-scope.js';
import {
  AttemptFailure,
  asUpstream,
  describe,
  estimateUsage,
  parseChunk,
  parseCompletion,
  statusFailure,
  upstream,
} from './chat-wire.js';
import type { GenerateEvent, GenerateRequest, GenerateResult, Generator, Usage } from './generator.js';
import { buildPrompt } from './prompt.js';
import { invalid, validateRequest } from './request-checks.js';
import { readSse } from './sse.js';

export interface OpenAIChatGeneratorOptions {
  /** The API root including its version, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Never included in error messages. */
  apiKey?: string;
  /** The environment variable holding the key, read once by the constructor; used when `apiKey` is not given. */
  apiKeyEnv?: string;
  /** Deadline for a whole call: every attempt, the backoff between them and the streamed answer. Default 60 s. */
  timeoutMs?: number;
  /**
   * `stream` only: most time from sending a request to the first answer token (connecting, queueing, reading the
   * prompt). Default: only `timeoutMs` applies. `generate` gets the whole answer at once, so only `timeoutMs` bounds it.
   */
  firstTokenTimeoutMs?: number;
  /** Retries after the first attempt, on network errors, 429 and 5xx before any token arrived. Default 2. */
  maxRetries?: number;
  /** Backoff before the first retry, doubling each time. Default 500 ms. */
  initialDelayMs?: number;
  /** Longest backoff, `Retry-After` included. Default 8 s. */
  maxDelayMs?: number;
  /** Token budget for the prompt (instructions, question and numbered sources). Default 3000. */
  maxPromptTokens?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

interface Settings {
  url: string;
  model: string;
  headers: Record<string, string>;
  apiKey: string | undefined;
  apiKeyEnv: string | undefined;
  timeoutMs: number;
  firstTokenTimeoutMs: number | undefined;
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  maxPromptTokens: number;
}

/**
 * @example
 * const llm = new OpenAIChatGenerator({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' });
 * for await (const event of llm.stream({ question, sources })) if (event.type === 'token') write(event.text);
 */
export class OpenAIChatGenerator implements Generator {
  readonly modelId: string;
  readonly #s: Settings;

  constructor(options: OpenAIChatGeneratorOptions) {
    this.#s = resolveOptions(options);
    this.modelId = `openai:${this.#s.model}`;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const { body, promptTokens } = this.#prepare(request, false);
    const scope = new CallScope(request.signal, this.#s.timeoutMs, undefined);
    try {
      for (let retry = 0; ; retry++) {
        try {
          const response = await this.#post(body, scope);
          const answer = parseCompletion(await response.text(), this.#s);
          const usage = answer.usage ?? estimateUsage(promptTokens, answer.text);
          return { text: answer.text, usage, finishReason: answer.finishReason };
        } catch (err) {
          await this.#beforeRetry(err, retry, scope);
        }
      }
    } finally {
      scope.dispose();
    }
  }

  async *stream(request: GenerateRequest): AsyncGenerator<GenerateEvent, void, undefined> {
    const { body, promptTokens } = this.#prepare(request, true);
    const scope = new CallScope(request.signal, this.#s.timeoutMs, this.#s.firstTokenTimeoutMs);
    try {
      for (let retry = 0; ; retry++) {
        let text = '';
        scope.armFirstToken();
        try {
          const response = await this.#post(body, scope);
          const type = response.headers.get('content-type') ?? '';
          if (!type.toLowerCase().startsWith('text/event-stream') || response.body === null) {
            throw upstream(`POST ${this.#s.url} answered ${type || 'no content type'}, not an event stream`);
          }
          let finishReason: string | undefined;
          let usage: Usage | undefined;
          let sawDone = false;
          for await (const event of readSse(response.body)) {
            if (event.data === '[DONE]') {
              sawDone = true;
              break;
            }
            const chunk = parseChunk(event.event, event.data, this.#s);
            finishReason = chunk.finishReason ?? finishReason;
            usage = chunk.usage ?? usage;
            if (chunk.text === '') continue;
            if (text === '') scope.disarmFirstToken();
            text += chunk.text;
            yield { type: 'token', text: chunk.text };
          }
          // Servers that omit [DONE] still send a finish_reason; a stream with neither was cut off.
          if (!sawDone && finishReason === undefined) {
            throw upstream(`the event stream from ${this.#s.url} ended before the answer finished`, {
              received: text.length,
            });
          }
          yield {
            type: 'done',
            usage: usage ?? estimateUsage(promptTokens, text),
            finishReason: finishReason ?? 'unknown',
          };
          return;
        } catch (err) {
          if (text === '') {
            scope.disarmFirstToken();
            await this.#beforeRetry(err, retry, scope);
          } else if (scope.stopped) {
            throw scope.error(err);
          } else {
            throw asUpstream(err, `the event stream from ${this.#s.url} broke off after ${text.length} characters`);
          }
        }
      }
    } finally {
      // Also reached when the consumer stops iterating early: aborting here closes the upstream connection.
      scope.dispose();
    }
  }

  #prepare(request: GenerateRequest, stream: boolean): { body: string; promptTokens: number } {
    validateRequest(request);
    const prompt = buildPrompt({
      question: request.question,
      sources: request.sources,
      maxPromptTokens: this.#s.maxPromptTokens,
    });
    const payload: Record<string, unknown> = {
      model: this.#s.model,
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      temperature: request.temperature ?? 0,
      stream,
    };
    if (request.maxTokens !== undefined) payload.max_tokens = request.maxTokens;
    // Without this, streaming servers report no usage at all; those that ignore it get an estimate.
    if (stream) payload.stream_options = { include_usage: true };
    return { body: JSON.stringify(payload), promptTokens: prompt.tokens };
  }

  /** One attempt's request: the response when it is 2xx, else an AttemptFailure. */
  async #post(body: string, scope: CallScope): Promise<Response> {
    const { url } = this.#s;
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers: this.#s.headers, body, signal: scope.signal });
    } catch (cause) {
      throw new AttemptFailure(upstream(`POST ${url} failed: ${describe(cause)}`, { reason: 'network' }, cause), true);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    throw statusFailure(response.status, text, response.headers.get('retry-after'), this.#s);
  }

  /** Rethrows `err` as the caller should see it, or waits out the backoff when one more attempt may help. */
  async #beforeRetry(err: unknown, retry: number, scope: CallScope): Promise<void> {
    if (scope.stopped) throw scope.error(err);
    const failure =
      err instanceof AttemptFailure
        ? err
        : err instanceof QuiverError
          ? new AttemptFailure(err, false)
          : // A body that breaks off before any token is a network error like any other.
            new AttemptFailure(asUpstream(err, `the answer from ${this.#s.url} broke off`), true);
    if (!failure.retryable || retry >= this.#s.maxRetries) {
      failure.error.details.attempts = retry + 1;
      throw failure.error;
    }
    const backoff = Math.min(this.#s.maxDelayMs, this.#s.initialDelayMs * 2 ** retry);
    // "Equal jitter", as the embedders do: at least half the backoff, so many clients spread out but still wait.
    const delay = failure.retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
    await scope.sleep(Math.min(delay, this.#s.maxDelayMs));
  }
}

function resolveOptions(given: OpenAIChatGeneratorOptions): Settings {
  const options = given ?? ({} as OpenAIChatGeneratorOptions);
  const { baseUrl, model } = options;
  let parsed: URL | undefined;
  try {
    parsed = new URL(baseUrl);
  } catch {
    parsed = undefined;
  }
  if (typeof baseUrl !== 'string' || !parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw invalid('baseUrl', 'baseUrl must be an http(s) URL such as http://127.0.0.1:11434/v1', baseUrl);
  }
  if (typeof model !== 'string' || model.trim() === '')
    throw invalid('model', 'model must be a non-empty string', model);
  const int = (field: keyof OpenAIChatGeneratorOptions, fallback: number, min: number): number => {
    const value = options[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw invalid(field, `${field} must be an integer of at least ${min}`, value);
    }
    return value;
  };
  let apiKey = options.apiKey;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey === '')) {
    throw invalid('apiKey', 'apiKey must be a non-empty string', typeof apiKey);
  }
  if (apiKey === undefined && options.apiKeyEnv !== undefined) {
    apiKey = process.env[options.apiKeyEnv];
    // Name the variable, never its value.
    if (!apiKey)
      throw invalid('apiKeyEnv', `apiKeyEnv names ${options.apiKeyEnv}, which is not set`, options.apiKeyEnv);
  }
  const headers = options.headers ?? {};
  if (typeof headers !== 'object' || Object.values(headers).some((v) => typeof v !== 'string')) {
    throw invalid('headers', 'headers must map names to strings', undefined);
  }
  return {
    url: `${baseUrl.replace(/\/+$/, '')}/chat/completions`,
    model,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      // Lower-cased so a caller's "Content-Type" or "Authorization" replaces ours instead of being merged with it.
      ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    },
    apiKey,
    apiKeyEnv: options.apiKeyEnv,
    timeoutMs: int('timeoutMs', 60_000, 1),
    firstTokenTimeoutMs: options.firstTokenTimeoutMs === undefined ? undefined : int('firstTokenTimeoutMs', 0, 1),
    maxRetries: int('maxRetries', 2, 0),
    initialDelayMs: int('initialDelayMs', 500, 0),
    maxDelayMs: int('maxDelayMs', 8_000, 0),
    maxPromptTokens: int('maxPromptTokens', 3_000, 1),
  };
}
