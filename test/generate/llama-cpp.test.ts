/**
 * LlamaCppGenerator. The real `node-llama-cpp` is an optional dependency that is not installed here, so the first
 * tests exercise the genuine lazy import failing (CONFIG_INVALID with the install hint) and the model-file check
 * that runs before it. Everything else runs against a fake module injected through `loadModule`: it stands in for
 * the native package, which needs a GGUF model file that tests cannot ship. The fake follows the same structural
 * interface, records what it is given, emits text through `onTextChunk` with small delays, honours the abort
 * signal and notes when two prompts overlap on one sequence.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuiverError } from '../../src/errors.js';
import type { GenerateEvent, GenerateRequest, Source } from '../../src/generate/generator.js';
import {
  LlamaCppGenerator,
  type LlamaCppGeneratorOptions,
  type LlamaModuleLike,
  type LlamaPromptOptionsLike,
  type LlamaPromptResultLike,
} from '../../src/generate/llama-cpp.js';
import { SYSTEM_PROMPT } from '../../src/generate/prompt.js';
import { expectCode } from '../helpers/errors.js';

let dir: string;
let modelPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-llama-'));
  modelPath = join(dir, 'tiny-chat.Q4_K_M.gguf');
  // Only its existence matters: the fake never reads it, and the real module is never reached with it.
  await writeFile(modelPath, 'GGUF not really');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sources: Source[] = [
  { n: 1, id: 'a#0', docId: 'a', source: 'docs/a.md', title: 'Alpha', text: 'Alpha partitions hold rows.' },
  { n: 2, id: 'b#3', docId: 'b', source: 'docs/b.md', title: 'Beta', text: 'Beta filters are typed.' },
];
const ask: GenerateRequest = { question: 'What holds rows?', sources };

/** The fake tokenizer: one token per whitespace-separated word (the default estimate would give words × 1.3). */
const words = (text: string): number => text.split(/\s+/).filter((w) => w !== '').length;

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

interface FakeOptions {
  /** The chunks answering a user message. Default: three fixed chunks. */
  answer?: (user: string) => string[];
  delayMs?: number;
  stopReason?: string;
  /** Leave `onTextChunk` unused, like a node-llama-cpp without it. */
  silent?: boolean;
  failAt?: 'loadModel' | 'createContext';
}

interface FakeSession {
  systemPrompt: string | undefined;
  autoDisposeSequence: boolean | undefined;
  prompts: { user: string; options: LlamaPromptOptionsLike }[];
  disposed: boolean;
  disposeOptions: unknown;
}

/** A fake node-llama-cpp and the log of what it was asked to do. */
function fakeModule(fake: FakeOptions = {}) {
  const { answer = () => ['Rows live', ' in partitions', ' [1].'], delayMs = 5, stopReason = 'eogToken' } = fake;
  const log = {
    loadedPath: undefined as string | undefined,
    contextSize: undefined as number | undefined,
    sessions: [] as FakeSession[],
    /** "start:<question>", "chunk", "end" in the order they happened, across all sessions. */
    events: [] as string[],
    overlapped: false,
    contextDisposed: false,
    modelDisposed: false,
    disposeOrder: [] as string[],
  };
  const sequence = { busy: false };
  const module: LlamaModuleLike = {
    async getLlama() {
      return {
        async loadModel({ modelPath }) {
          log.loadedPath = modelPath;
          if (fake.failAt === 'loadModel') throw new Error('not a GGUF file (bad magic)');
          return {
            tokenize: (text: string) => text.split(/\s+/).filter((w) => w !== ''),
            async createContext({ contextSize }) {
              log.contextSize = contextSize;
              if (fake.failAt === 'createContext') throw new Error('out of memory for the KV cache');
              return {
                getSequence: () => sequence,
                dispose() {
                  log.contextDisposed = true;
                  log.disposeOrder.push('context');
                },
              };
            },
            dispose() {
              log.modelDisposed = true;
              log.disposeOrder.push('model');
            },
          };
        },
      };
    },
    LlamaChatSession: class implements FakeSession {
      systemPrompt: string | undefined;
      autoDisposeSequence: boolean | undefined;
      prompts: { user: string; options: LlamaPromptOptionsLike }[] = [];
      disposed = false;
      disposeOptions: unknown;

      constructor(options: { contextSequence: object; systemPrompt?: string; autoDisposeSequence?: boolean }) {
        if (options.contextSequence !== sequence) throw new Error('unknown sequence');
        this.systemPrompt = options.systemPrompt;
        this.autoDisposeSequence = options.autoDisposeSequence;
        log.sessions.push(this);
      }

      async promptWithMeta(user: string, options: LlamaPromptOptionsLike): Promise<LlamaPromptResultLike> {
        if (this.disposed) throw new Error('session disposed');
        this.prompts.push({ user, options });
        if (sequence.busy) log.overlapped = true;
        sequence.busy = true;
        log.events.push(`start:${user.slice(user.lastIndexOf('Question: ') + 10)}`);
        try {
          const chunks = answer(user);
          for (const chunk of chunks) {
            await sleep(delayMs, options.signal);
            if (!fake.silent) options.onTextChunk?.(chunk);
            log.events.push('chunk');
          }
          return { responseText: chunks.join(''), stopReason };
        } finally {
          sequence.busy = false;
          log.events.push('end');
        }
      }

      dispose(options?: { disposeSequence?: boolean }): void {
        this.disposed = true;
        this.disposeOptions = options;
      }
    },
  };
  return { module, log };
}

async function make(fake: FakeOptions = {}, extra: Partial<LlamaCppGeneratorOptions> = {}) {
  const { module, log } = fakeModule(fake);
  const generator = await LlamaCppGenerator.create({ modelPath, loadModule: async () => module, ...extra });
  return { generator, log };
}

/** Every event of a stream, or the error it rejected with together with the events before it. */
async function drain(
  iterable: AsyncIterable<GenerateEvent>,
): Promise<{ events: GenerateEvent[]; error?: QuiverError }> {
  const events: GenerateEvent[] = [];
  try {
    for await (const event of iterable) events.push(event);
  } catch (error) {
    return { events, error: error as QuiverError };
  }
  return { events };
}

const tokensOf = (events: GenerateEvent[]): string[] => events.flatMap((e) => (e.type === 'token' ? [e.text] : []));

describe('LlamaCppGenerator: the optional module', () => {
  const installed = (() => {
    try {
      createRequire(import.meta.url).resolve('node-llama-cpp');
      return true;
    } catch {
      return false;
    }
  })();

  // The premise of this test is that the package is absent; with it installed the import would succeed.
  it.skipIf(installed)(
    'rejects with CONFIG_INVALID and the install hint when node-llama-cpp cannot be imported',
    async () => {
      const err = await expectCode(LlamaCppGenerator.create({ modelPath }), 'CONFIG_INVALID');
      expect(err.message).toContain('npm install node-llama-cpp');
      expect(err.message).toContain('optional');
      // The cause is the real import's failure, naming the package it could not find. (Its error code depends on
      // the loader: Node says ERR_MODULE_NOT_FOUND, the test runner's loader may say nothing.)
      expect(err.cause).toBeInstanceOf(Error);
      expect((err.cause as Error).message).toContain('node-llama-cpp');
    },
  );

  it('reports a missing model file as NOT_FOUND before importing anything', async () => {
    let imported = false;
    const missing = join(dir, 'nope.gguf');
    const err = await expectCode(
      LlamaCppGenerator.create({
        modelPath: missing,
        loadModule: async () => {
          imported = true;
          return fakeModule().module;
        },
      }),
      'NOT_FOUND',
    );
    expect(err.message).toContain(missing);
    expect(err.details).toMatchObject({ file: missing, field: 'modelPath' });
    expect(imported).toBe(false);
    // Without loadModule too: NOT_FOUND, not the CONFIG_INVALID a failed import would give.
    await expectCode(LlamaCppGenerator.create({ modelPath: missing }), 'NOT_FOUND');
    // A folder is not a model file.
    expect((await expectCode(LlamaCppGenerator.create({ modelPath: dir }), 'CONFIG_INVALID')).message).toMatch(
      /not a file/,
    );
  });

  it('turns load failures into CONFIG_INVALID with the cause, freeing what was loaded', async () => {
    const model = fakeModule({ failAt: 'loadModel' });
    const err = await expectCode(
      LlamaCppGenerator.create({ modelPath, loadModule: async () => model.module }),
      'CONFIG_INVALID',
    );
    expect(err.message).toContain('bad magic');
    expect((err.cause as Error).message).toBe('not a GGUF file (bad magic)');
    expect(model.log.loadedPath).toBe(modelPath);

    const context = fakeModule({ failAt: 'createContext' });
    const err2 = await expectCode(
      LlamaCppGenerator.create({ modelPath, loadModule: async () => context.module }),
      'CONFIG_INVALID',
    );
    expect(err2.message).toContain('out of memory');
    expect(context.log.modelDisposed).toBe(true);
  });

  it('rejects a module without the v3 API, and validates options', async () => {
    const old = await expectCode(
      LlamaCppGenerator.create({ modelPath, loadModule: async () => ({}) as LlamaModuleLike }),
      'CONFIG_INVALID',
    );
    expect(old.message).toContain('version 3');
    const bad: [Partial<LlamaCppGeneratorOptions>, string][] = [
      [{ modelPath: '' }, 'modelPath'],
      [{ contextSize: 0 }, 'contextSize'],
      [{ contextSize: 2048, maxPromptTokens: 2048 }, 'maxPromptTokens'],
      [{ maxTokens: 1.5 }, 'maxTokens'],
      [{ temperature: 3 }, 'temperature'],
    ];
    for (const [options, field] of bad) {
      const err = await expectCode(make({}, options), 'INVALID_ARGUMENT');
      expect(err.details.field).toBe(field);
    }
  });
});

describe('LlamaCppGenerator: answers (fake module)', () => {
  it('loads the model with one context and names itself after the file', async () => {
    const { generator, log } = await make({}, { contextSize: 2048 });
    expect(generator.modelId).toBe('llama-cpp:tiny-chat.Q4_K_M.gguf');
    expect(log.loadedPath).toBe(modelPath);
    expect(log.contextSize).toBe(2048);
    await generator.dispose();
  });

  it('streams several tokens as they arrive, then exactly one done with model-tokenizer usage', async () => {
    const { generator, log } = await make();
    const { events, error } = await drain(generator.stream(ask));
    expect(error).toBeUndefined();
    expect(tokensOf(events)).toEqual(['Rows live', ' in partitions', ' [1].']);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('done');
    const session = log.sessions[0]!;
    const user = session.prompts[0]!.user;
    expect(events.at(-1)).toEqual({
      type: 'done',
      usage: { promptTokens: words(session.systemPrompt!) + words(user), completionTokens: 5 },
      finishReason: 'stop',
    });
    await generator.dispose();
  });

  it('yields each token before the model has produced the next one', async () => {
    const { generator, log } = await make({ delayMs: 20 });
    const chunksSeen: number[] = [];
    for await (const event of generator.stream(ask)) {
      if (event.type === 'token') chunksSeen.push(log.events.filter((e) => e === 'chunk').length);
    }
    // Streaming, not buffering: when the n-th token reaches the consumer the model has emitted only n chunks.
    expect(chunksSeen).toEqual([1, 2, 3]);
    await generator.dispose();
  });

  it('generates the whole answer, and maps the maxTokens stop to finishReason length', async () => {
    const { generator } = await make({ stopReason: 'maxTokens' });
    expect(await generator.generate(ask)).toEqual({
      text: 'Rows live in partitions [1].',
      usage: { promptTokens: expect.any(Number), completionTokens: 5 },
      finishReason: 'length',
    });
    await generator.dispose();
  });

  it('puts the numbered sources and question in the prompt, in a fresh session that keeps the sequence', async () => {
    const { generator, log } = await make();
    await generator.generate({ ...ask, temperature: 0.4, maxTokens: 64 });
    await generator.generate({ ...ask, question: 'What are filters?' });
    expect(log.sessions).toHaveLength(2);
    for (const session of log.sessions) {
      expect(session.systemPrompt).toBe(SYSTEM_PROMPT);
      expect(session.prompts).toHaveLength(1);
      expect(session.autoDisposeSequence).toBe(false);
      expect(session.disposed).toBe(true);
      expect(session.disposeOptions).toEqual({ disposeSequence: false });
    }
    const [first, second] = log.sessions.map((s) => s.prompts[0]!);
    expect(first!.user).toContain('[1] Alpha (docs/a.md)\nAlpha partitions hold rows.');
    expect(first!.user).toContain('[2] Beta (docs/b.md)\nBeta filters are typed.');
    expect(first!.user.indexOf('[1] Alpha')).toBeLessThan(first!.user.indexOf('[2] Beta'));
    expect(first!.user).toMatch(/Question: What holds rows\?$/);
    expect(first!.options).toMatchObject({ temperature: 0.4, maxTokens: 64 });
    expect(first!.options.signal).toBeInstanceOf(AbortSignal);
    // Defaults: temperature 0, and the answer may use what the context has left (4096 − 3072).
    expect(second!.options).toMatchObject({ temperature: 0, maxTokens: 1024 });
    expect(second!.user).not.toContain('What holds rows?');
    await generator.dispose();
  });

  it('fits the sources to maxPromptTokens by the model tokenizer, dropping the last first', async () => {
    const { generator, log } = await make({}, { maxPromptTokens: words(SYSTEM_PROMPT) + 16 });
    await generator.generate(ask);
    const user = log.sessions[0]!.prompts[0]!.user;
    expect(user).toContain('Alpha partitions hold rows.');
    expect(user).not.toContain('Beta filters');
    await generator.dispose();
  });

  it('takes the answer from the result when onTextChunk is not called', async () => {
    const { generator } = await make({ silent: true });
    const { events } = await drain(generator.stream(ask));
    expect(tokensOf(events)).toEqual(['Rows live in partitions [1].']);
    expect(events.at(-1)).toMatchObject({ type: 'done', usage: { completionTokens: 5 } });
    await generator.dispose();
  });
});

describe('LlamaCppGenerator: concurrency, cancellation and dispose (fake module)', () => {
  it('runs two concurrent calls one after the other on the one sequence, each with its own answer', async () => {
    const { generator, log } = await make({
      answer: (user) => (user.endsWith('What holds rows?') ? ['Rows', ' [1].'] : ['Filters', ' are', ' typed [2].']),
    });
    const [a, b] = await Promise.all([
      generator.generate(ask),
      generator.generate({ ...ask, question: 'What are filters?' }),
    ]);
    expect(a.text).toBe('Rows [1].');
    expect(b.text).toBe('Filters are typed [2].');
    expect(log.overlapped).toBe(false);
    expect(log.events).toEqual([
      'start:What holds rows?',
      'chunk',
      'chunk',
      'end',
      'start:What are filters?',
      'chunk',
      'chunk',
      'chunk',
      'end',
    ]);
    expect(log.sessions.map((s) => s.disposed)).toEqual([true, true]);
    await generator.dispose();
  });

  it('aborts mid-stream with ABORTED, stops the model, disposes the session and frees the sequence', async () => {
    const { generator, log } = await make({ delayMs: 30 });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const event of generator.stream({ ...ask, signal: controller.signal })) {
        if (event.type === 'token') {
          seen.push(event.text);
          controller.abort();
        }
      }
    })();
    await expectCode(run, 'ABORTED');
    expect(seen).toEqual(['Rows live']);
    const session = log.sessions[0]!;
    expect(session.prompts[0]!.options.signal?.aborted).toBe(true);
    expect(session.disposed).toBe(true);
    expect(log.events).toEqual(['start:What holds rows?', 'chunk', 'end']);
    // The lock was released: the next question runs.
    expect((await generator.generate(ask)).text).toBe('Rows live in partitions [1].');
    await generator.dispose();
  });

  it('rejects an already-aborted request, and one aborted while waiting its turn, without a session', async () => {
    const { generator, log } = await make({ delayMs: 20 });
    await expectCode(generator.generate({ ...ask, signal: AbortSignal.abort() }), 'ABORTED');
    expect(log.sessions).toHaveLength(0);
    const controller = new AbortController();
    const first = generator.generate(ask);
    const waiting = generator.generate({ ...ask, question: 'Second?', signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expectCode(waiting, 'ABORTED');
    expect((await first).text).toBe('Rows live in partitions [1].');
    expect(log.sessions).toHaveLength(1);
    expect(log.events.some((e) => e.startsWith('start:Second'))).toBe(false);
    await generator.dispose();
  });

  it('disposes the session and stops the model when the consumer leaves early', async () => {
    const { generator, log } = await make({ delayMs: 30 });
    for await (const event of generator.stream(ask)) {
      expect(event).toEqual({ type: 'token', text: 'Rows live' });
      break;
    }
    expect(log.sessions[0]!.disposed).toBe(true);
    expect(log.sessions[0]!.prompts[0]!.options.signal?.aborted).toBe(true);
    expect(log.events).toEqual(['start:What holds rows?', 'chunk', 'end']);
    await generator.dispose();
  });

  it('dispose stops calls in flight with CLOSED, then frees the context and the model, once', async () => {
    const { generator, log } = await make({ delayMs: 30 });
    const pending = generator.generate(ask);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const disposing = generator.dispose();
    expect(generator.dispose()).toBe(disposing);
    await expectCode(pending, 'CLOSED');
    await disposing;
    expect(log.sessions[0]!.disposed).toBe(true);
    expect(log.disposeOrder).toEqual(['context', 'model']);
    await expectCode(generator.generate(ask), 'CLOSED');
  });

  it('validates the request before starting a session', async () => {
    const { generator, log } = await make();
    expect((await expectCode(generator.generate({ ...ask, question: ' ' }), 'INVALID_ARGUMENT')).details.field).toBe(
      'question',
    );
    expect((await drain(generator.stream({ ...ask, maxTokens: 0 }))).error?.details.field).toBe('maxTokens');
    expect(log.sessions).toHaveLength(0);
    await generator.dispose();
  });
});
