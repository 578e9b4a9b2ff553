/**
 * A real Quiver HTTP server for tests: the ask corpus (test/ask/corpus.ts) ingested with the real default model
 * into a real store, served by `startServer` on a free loopback port. `slowTokens` wraps the generator so that it
 * streams word by word with a pause, which makes streaming observable to a client.
 */

import type { GenerateEvent, GenerateRequest, Generator } from '../../src/generate/generator.js';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext, type ServerContext } from '../../src/server/context.js';
import { type RunningServer, type StartOptions, startServer } from '../../src/server/server.js';
import { type AskCorpus, ingestAskCorpus } from '../ask/corpus.js';
import { testEmbedder } from './model.js';

export interface TestServer extends RunningServer {
  corpus: AskCorpus;
  ctx: ServerContext;
  /** Stops the server, then closes and removes the store. */
  stop(): Promise<void>;
}

/** The same generator, with its stream cut into words and `delayMs` between them. */
export function slowTokens(inner: Generator, delayMs: number): Generator {
  return {
    modelId: inner.modelId,
    generate: (request) => inner.generate(request),
    async *stream(request: GenerateRequest): AsyncIterable<GenerateEvent> {
      for await (const event of inner.stream(request)) {
        if (event.type !== 'token') {
          yield event;
          continue;
        }
        for (const word of event.text.match(/\s*\S+/g) ?? [event.text]) {
          await new Promise<void>((resolve, reject) => {
            const onAbort = () => {
              clearTimeout(timer);
              reject(request.signal!.reason);
            };
            const timer = setTimeout(() => {
              request.signal?.removeEventListener('abort', onAbort);
              resolve();
            }, delayMs);
            request.signal?.addEventListener('abort', onAbort, { once: true });
          });
          yield { type: 'token', text: word };
        }
      }
    },
  };
}

export interface TestServerOptions extends Partial<Omit<StartOptions, 'ctx'>> {
  /** Wraps the generator each /ask uses. */
  generator?: (inner: Generator) => Generator;
  ingestRoots?: string[];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const embedder = await testEmbedder();
  const corpus = await ingestAskCorpus(embedder);
  const base = createServerContext({
    db: corpus.db,
    config: pipelineSchema.parse({}),
    collectionName: 'chunks',
    embedder,
    ingestRoots: options.ingestRoots,
  });
  const wrap = options.generator;
  const ctx: ServerContext = wrap
    ? {
        ...base,
        rag: async (collection) => {
          const rag = await base.rag(collection);
          return { ...rag, components: { ...rag.components, generator: wrap(rag.components.generator) } };
        },
      }
    : base;
  const running = await startServer({ port: 0, log: () => {}, ...options, ctx });
  return {
    ...running,
    corpus,
    ctx,
    async stop() {
      await running.close();
      await embedder.dispose();
      await corpus.close();
    },
  };
}
