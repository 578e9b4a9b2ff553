/**
 * A `Generator` that runs a local GGUF model in-process through `node-llama-cpp` (v3). That package is an optional
 * peer dependency of several hundred megabytes of native builds, so it is imported lazily, through a specifier
 * held in a variable (TypeScript needs no types for it and bundlers leave it out), and typed by the few members
 * used here (`LlamaModuleLike`). The model file is checked before anything is imported, so a wrong path reads as
 * NOT_FOUND rather than as a native loader error. Each question gets a fresh chat session, so no history carries
 * over from one question to the next; answers stream from `onTextChunk` through a small queue into `stream`.
 */

import { basename, resolve } from 'node:path';
import { QuiverError } from '../errors.js';
import type { GenerateEvent, GenerateRequest, GenerateResult, Generator } from './generator.js';
import {
  checkModelFile,
  importNodeLlamaCpp,
  type LlamaChatSessionLike,
  type LlamaContextLike,
  type LlamaModelLike,
  type LlamaModuleLike,
  type LlamaPromptResultLike,
  type LlamaSequenceLike,
  loadModule,
} from './llama-cpp-module.js';
import { buildPrompt } from './prompt.js';
import { invalid, validateRequest } from './request-checks.js';

export interface LlamaCppGeneratorOptions {
  /** The GGUF file. */
  modelPath: string;
  /** Tokens of the model's context window: prompt plus answer. Default 4096. */
  contextSize?: number;
  /**
   * Token budget for the system and user messages, counted by the model's tokenizer. Default: contextSize less a
   * quarter of it, at most 1024 (3072 of 4096). The chat template adds a few tokens of its own on top.
   */
  maxPromptTokens?: number;
  /** Most answer tokens when a request names none. Default: what the context has left after maxPromptTokens. */
  maxTokens?: number;
  /** Sampling temperature when a request names none. Default 0 (greedy). */
  temperature?: number;
  /** Loads the module. Default: `import('node-llama-cpp')`. Tests inject a fake here. */
  loadModule?: () => Promise<LlamaModuleLike>;
}

const STOP_REASONS: Record<string, string> = {
  eogToken: 'stop',
  stopGenerationTrigger: 'stop',
  customStopTrigger: 'stop',
  maxTokens: 'length',
};

/**
 * @example
 * const llm = await LlamaCppGenerator.create({ modelPath: 'models/qwen2.5-1.5b-instruct-q4_k_m.gguf' });
 * for await (const event of llm.stream({ question, sources })) if (event.type === 'token') write(event.text);
 * await llm.dispose();
 */
export class LlamaCppGenerator implements Generator {
  readonly modelId: string;
  readonly #module: LlamaModuleLike;
  readonly #model: LlamaModelLike;
  readonly #context: LlamaContextLike;
  readonly #sequence: LlamaSequenceLike;
  readonly #settings: Settings;
  /**
   * One context, one sequence, calls taken in turn: the tail of a promise chain that each call waits on. A sequence
   * per call would split the context's KV memory between callers, so each answer would get a fraction of the
   * window, and a local model computes one answer at a time fast anyway. A shared sequence also lets the next
   * session reuse the evaluated system-prompt prefix. The fresh session per call is what keeps history apart.
   */
  #tail: Promise<void> = Promise.resolve();
  readonly #running = new Set<AbortController>();
  #disposed: Promise<void> | undefined;

  private constructor(module: LlamaModuleLike, model: LlamaModelLike, context: LlamaContextLike, settings: Settings) {
    this.#module = module;
    this.#model = model;
    this.#context = context;
    this.#sequence = context.getSequence();
    this.#settings = settings;
    this.modelId = `llama-cpp:${basename(settings.modelPath)}`;
  }

  /** Checks the file, imports node-llama-cpp and loads the model with one context. */
  static async create(options: LlamaCppGeneratorOptions): Promise<LlamaCppGenerator> {
    const settings = resolveOptions(options);
    await checkModelFile(settings.modelPath);
    const module = await loadModule(options.loadModule ?? importNodeLlamaCpp);
    let model: LlamaModelLike | undefined;
    try {
      const llama = await module.getLlama();
      model = await llama.loadModel({ modelPath: settings.modelPath });
      const context = await model.createContext({ contextSize: settings.contextSize });
      return new LlamaCppGenerator(module, model, context, settings);
    } catch (cause) {
      try {
        await model?.dispose();
      } catch {
        // The load error below is the one worth reporting.
      }
      throw new QuiverError(
        'CONFIG_INVALID',
        `node-llama-cpp could not load ${settings.modelPath}: ${message(cause)}`,
        { file: settings.modelPath, field: 'modelPath' },
        { cause },
      );
    }
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    let text = '';
    for await (const event of this.stream(request)) {
      if (event.type === 'token') text += event.text;
      else return { text, usage: event.usage, finishReason: event.finishReason };
    }
    throw new QuiverError('INTERNAL', 'the llama-cpp stream ended without a done event');
  }

  async *stream(request: GenerateRequest): AsyncGenerator<GenerateEvent, void, undefined> {
    validateRequest(request);
    if (this.#disposed) throw closed();
    const { signal } = request;
    if (signal?.aborted) throw abortedError(signal);
    const count = (text: string): number => this.#model.tokenize(text).length;
    const prompt = buildPrompt({
      question: request.question,
      sources: request.sources,
      maxPromptTokens: this.#settings.maxPromptTokens,
      countTokens: count,
    });

    // One controller per call, fed by the caller's signal, by dispose() and by the consumer leaving early.
    const controller = new AbortController();
    const queue = new ChunkQueue();
    const onAbort = (): void => {
      controller.abort(signal?.reason);
      queue.fail(abortedError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#running.add(controller);
    let release: (() => void) | undefined;
    let session: LlamaChatSessionLike | undefined;
    let pending: Promise<unknown> | undefined;
    try {
      release = await this.#acquire(controller.signal).catch((cause: unknown) => {
        throw this.#stopError(signal, cause);
      });
      if (this.#disposed) throw closed();
      if (signal?.aborted) throw abortedError(signal);
      // Ours is the only session on the sequence while we hold the lock; disposing it must leave the sequence alive.
      try {
        session = new this.#module.LlamaChatSession({
          contextSequence: this.#sequence,
          systemPrompt: prompt.system,
          autoDisposeSequence: false,
        });
      } catch (cause) {
        throw failed(cause);
      }
      pending = session
        .promptWithMeta(prompt.user, {
          maxTokens: request.maxTokens ?? this.#settings.maxTokens,
          temperature: request.temperature ?? this.#settings.temperature,
          signal: controller.signal,
          onTextChunk: (text) => queue.push(text),
        })
        .then(
          (result) => queue.end(result),
          (cause) => queue.fail(controller.signal.aborted ? this.#stopError(signal, cause) : failed(cause)),
        );
      let text = '';
      let item = await queue.next();
      while (typeof item === 'string') {
        text += item;
        yield { type: 'token', text: item };
        item = await queue.next();
      }
      const result = item;
      // A node-llama-cpp without `onTextChunk` streams nothing; whatever the callback missed comes from the result.
      if (result.responseText.length > text.length && result.responseText.startsWith(text)) {
        const rest = result.responseText.slice(text.length);
        text += rest;
        yield { type: 'token', text: rest };
      }
      yield {
        type: 'done',
        usage: { promptTokens: prompt.tokens, completionTokens: text === '' ? 0 : count(text) },
        finishReason: STOP_REASONS[result.stopReason] ?? result.stopReason,
      };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // Stop the model and wait for it to let go of the sequence before the next call may use it.
      if (pending) {
        controller.abort();
        await pending;
      }
      try {
        session?.dispose({ disposeSequence: false });
      } finally {
        this.#running.delete(controller);
        release?.();
      }
    }
  }

  /** Stops calls in flight (they reject with CLOSED), then frees the context and the model. Safe to call twice. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      for (const controller of this.#running) controller.abort();
      await this.#tail;
      try {
        await this.#context.dispose();
      } finally {
        await this.#model.dispose();
      }
    })();
    return this.#disposed;
  }

  /** Waits for the calls before this one; resolves with the function that lets the next one in. */
  async #acquire(signal: AbortSignal): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((done) => {
      release = done;
    });
    const before = this.#tail;
    this.#tail = before.then(() => mine);
    if (signal.aborted) {
      void before.then(release);
      throw new DOMException('aborted while waiting for the model', 'AbortError');
    }
    await new Promise<void>((ready, stop) => {
      const onAbort = (): void => stop(new DOMException('aborted while waiting for the model', 'AbortError'));
      signal.addEventListener('abort', onAbort, { once: true });
      void before.then(() => {
        signal.removeEventListener('abort', onAbort);
        ready();
      });
    }).catch((err: unknown) => {
      // Giving up the place in line: pass the turn on as soon as it comes, so later calls are not stuck.
      void before.then(release);
      throw err;
    });
    return release;
  }

  #stopError(signal: AbortSignal | undefined, cause: unknown): QuiverError {
    return signal?.aborted ? abortedError(signal) : this.#disposed ? closed(cause) : failed(cause);
  }
}

interface Settings {
  modelPath: string;
  contextSize: number;
  maxPromptTokens: number;
  maxTokens: number;
  temperature: number;
}

/**
 * Bridges the `onTextChunk` callback to an async iterator: text pieces in order, then the final result, or an
 * error. The first error wins, even over pieces not yet read (a cancelled answer is not delivered); pieces pushed
 * after the end are dropped.
 */
class ChunkQueue {
  readonly #items: (string | LlamaPromptResultLike)[] = [];
  #error: unknown;
  #ended = false;
  #wake: (() => void) | undefined;

  push(text: string): void {
    if (this.#ended || text === '') return;
    this.#items.push(text);
    this.#notify();
  }

  end(result: LlamaPromptResultLike): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#items.push(result);
    this.#notify();
  }

  fail(error: unknown): void {
    this.#ended = true;
    this.#error ??= error;
    this.#notify();
  }

  /** The next piece of text, then the result; rejects once the queue failed. */
  async next(): Promise<string | LlamaPromptResultLike> {
    while (true) {
      if (this.#error !== undefined) throw this.#error;
      const item = this.#items.shift();
      if (item !== undefined) return item;
      await new Promise<void>((wake) => {
        this.#wake = wake;
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

function resolveOptions(given: LlamaCppGeneratorOptions): Settings {
  const options = given ?? ({} as LlamaCppGeneratorOptions);
  if (typeof options.modelPath !== 'string' || options.modelPath.trim() === '') {
    throw invalid('modelPath', 'modelPath must name a GGUF file', options.modelPath);
  }
  const int = (field: keyof LlamaCppGeneratorOptions, value: unknown, min: number): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw invalid(field, `${field} must be an integer of at least ${min}`, value);
    }
    return value;
  };
  const contextSize = int('contextSize', options.contextSize ?? 4096, 16);
  const maxPromptTokens = int(
    'maxPromptTokens',
    options.maxPromptTokens ?? contextSize - Math.min(1024, Math.floor(contextSize / 4)),
    1,
  );
  // The chat template adds a few tokens of its own, and the answer needs room: the budget must leave some.
  if (maxPromptTokens >= contextSize) {
    throw invalid('maxPromptTokens', `maxPromptTokens must be less than contextSize (${contextSize})`, maxPromptTokens);
  }
  const temperature = options.temperature ?? 0;
  if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2)) {
    throw invalid('temperature', 'temperature must be a number from 0 to 2', temperature);
  }
  return {
    modelPath: resolve(options.modelPath),
    contextSize,
    maxPromptTokens,
    maxTokens: int('maxTokens', options.maxTokens ?? contextSize - maxPromptTokens, 1),
    temperature,
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function abortedError(signal: AbortSignal | undefined): QuiverError {
  return new QuiverError('ABORTED', 'the answer was cancelled', {}, { cause: signal?.reason });
}

function closed(cause?: unknown): QuiverError {
  return new QuiverError('CLOSED', 'the llama-cpp generator was disposed', {}, cause === undefined ? {} : { cause });
}

/** The model failed while answering. A local model is still the "service" that answered badly. */
function failed(cause: unknown): QuiverError {
  return new QuiverError('UPSTREAM', `the local model failed: ${message(cause)}`, {}, { cause });
}

export type {
  LlamaChatSessionLike,
  LlamaContextLike,
  LlamaModelLike,
  LlamaModuleLike,
  LlamaPromptOptionsLike,
  LlamaPromptResultLike,
  LlamaSequenceLike,
} from './llama-cpp-module.js';
