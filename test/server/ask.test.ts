/**
 * `POST /ask` mounted on a bare express app over a real store, the real offline model and the extractive
 * generator: the JSON answer, the SSE stream's event order (tokens, then one citations, then one done, nothing
 * after), citations that name real chunks with offsets that slice the cited text out of the original files, SSE
 * framing that no token text can break, heartbeats, an `error` event for a failure mid-stream, bad requests
 * answered with JSON 4xx before any stream, and a client that disconnects mid-stream cancelling the generation.
 */

import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Answer, Citation } from '../../src/ask/ask.js';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { QuiverError } from '../../src/errors.js';
import type { GenerateEvent, GenerateRequest, Generator } from '../../src/generate/generator.js';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext, type ServerContext } from '../../src/server/context.js';
import { errorHandler } from '../../src/server/http-errors.js';
import { askRoutes } from '../../src/server/routes/ask.js';
import { type AskCorpus, ingestAskCorpus } from '../ask/corpus.js';
import { testEmbedder } from '../helpers/model.js';
import { parseSse, readSse, type SseEvent } from '../helpers/sse.js';

/** What one `stream` call of the generator did, to check cancellation. */
interface StreamCall {
  signal: AbortSignal | undefined;
  tokens: number;
  finished: boolean;
}

/** How the generator behaves in the current test; reset after each. */
const knobs: { delayMs: number; prefix?: string; failAfter?: number } = { delayMs: 0 };
const calls: StreamCall[] = [];
const logged: string[] = [];

/**
 * The pipeline's own generator, instrumented: with `delayMs`, its tokens cut into words with a pause before each
 * (a pause the request's signal cuts short); with `prefix`, that text first; with `failAfter`, an upstream failure
 * after that many tokens.
 */
function instrumented(inner: Generator): Generator {
  return {
    modelId: inner.modelId,
    generate: (request) => inner.generate(request),
    async *stream(request: GenerateRequest): AsyncIterable<GenerateEvent> {
      const call: StreamCall = { signal: request.signal, tokens: 0, finished: false };
      calls.push(call);
      try {
        if (knobs.prefix !== undefined) yield { type: 'token', text: knobs.prefix };
        for await (const event of inner.stream(request)) {
          if (event.type !== 'token') {
            yield event;
            continue;
          }
          for (const text of knobs.delayMs > 0 ? (event.text.match(/\s*\S+|\s+$/g) ?? []) : [event.text]) {
            if (knobs.delayMs > 0) await sleep(knobs.delayMs, undefined, { signal: request.signal });
            if (call.tokens === knobs.failAfter) throw new QuiverError('UPSTREAM', 'the model crashed');
            call.tokens += 1;
            yield { type: 'token', text };
          }
        }
      } finally {
        call.finished = true;
      }
    },
  };
}

let embedder: TransformersEmbedder;
let corpus: AskCorpus;
let ctx: ServerContext;
let server: Server;
let url: string;

beforeAll(async () => {
  embedder = await testEmbedder();
  corpus = await ingestAskCorpus(embedder);
  const base = createServerContext({
    db: corpus.db,
    config: pipelineSchema.parse({}),
    collectionName: 'chunks',
    embedder,
  });
  ctx = {
    ...base,
    rag: async (collection) => {
      const rag = await base.rag(collection);
      return { ...rag, components: { ...rag.components, generator: instrumented(rag.components.generator) } };
    },
  };
  const app = express();
  app.use(express.json());
  app.use(askRoutes(ctx, { heartbeatMs: 20, log: (message) => logged.push(message) }));
  app.use(errorHandler((message) => logged.push(message)));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await corpus?.close();
  await embedder?.dispose();
});
afterEach(() => {
  knobs.delayMs = 0;
  knobs.prefix = undefined;
  knobs.failAfter = undefined;
  logged.length = 0;
});

const post = (body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${url}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });

const streamed = (body: unknown, signal?: AbortSignal) => post(body, { accept: 'text/event-stream' }, signal);

/** Polls until `check` holds, failing after about two seconds. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check(), what).toBe(true);
}

/** The event names in order, and that they are tokens, then one citations, then one done, and nothing after. */
function expectTokensCitationsDone(events: SseEvent[]): { tokens: string[]; citations: Citation[]; done: Answer } {
  const names = events.map((e) => e.event);
  const firstOther = names.findIndex((n) => n !== 'token');
  expect(firstOther, names.join(' ')).toBeGreaterThan(0);
  expect(names.slice(firstOther)).toEqual(['citations', 'done']);
  return {
    tokens: events.slice(0, firstOther).map((e) => (e.data as { text: string }).text),
    citations: (events[firstOther]!.data as { citations: Citation[] }).citations,
    done: events[firstOther + 1]!.data as Answer,
  };
}

/**
 * Every citation names a stored chunk of its document whose text begins the citation's; its offsets slice the
 * citation's text out of the original file (null only when the passage is no one slice of it), and every quote's
 * offsets slice the quote out of the file, inside the citation's range.
 */
async function expectRealCitations(citations: Citation[]): Promise<void> {
  expect(citations.length).toBeGreaterThan(0);
  for (const c of citations) {
    const [chunk] = await corpus.collection.get([c.id], {
      outputFields: ['doc_id', 'source', 'text', 'start', 'end', 'page'],
    });
    expect(chunk, `chunk ${c.id}`).toBeDefined();
    expect(chunk!.doc_id).toBe(c.docId);
    expect(chunk!.source).toBe(c.source);
    expect(c.text.startsWith(chunk!.text as string), `citation ${c.n} begins with chunk ${c.id}`).toBe(true);
    expect(c.quotes?.length, `quotes of citation ${c.n}`).toBeGreaterThan(0);
    if (c.source.endsWith('.pdf')) {
      // A PDF's offsets are into its extracted text, not its bytes; its page is what locates it.
      expect(c.page).toBe(chunk!.page);
      continue;
    }
    const file = await readFile(c.source, 'utf8');
    if (c.start !== null) {
      expect(c.start).toBe(chunk!.start);
      expect(file.slice(c.start, c.end!)).toBe(c.text);
    }
    for (const q of c.quotes!) {
      expect(q.start, `quote "${q.text}"`).not.toBeNull();
      expect(file.slice(q.start!, q.end!)).toBe(q.text);
      if (c.start !== null) expect(q.start! >= c.start && q.end! <= c.end!).toBe(true);
    }
  }
}

describe('POST /ask, JSON', () => {
  test('answers with the answer object, citing the file that answers', async () => {
    const res = await post({ question: 'What causes the tides?' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await res.json()) as Answer;
    expect(Object.keys(answer).sort()).toEqual(['answer', 'citations', 'invalidCitations', 'timings', 'usage']);
    expect(answer.answer).toMatch(
      /^Tides are caused mainly by the gravitational pull of the Moon on the oceans\. \[1\]/,
    );
    expect(answer.invalidCitations).toEqual([]);
    expect(answer.usage.promptTokens).toBeGreaterThan(0);
    expect(answer.usage.completionTokens).toBeGreaterThan(0);
    expect(answer.timings.totalMs).toBeGreaterThanOrEqual(answer.timings.retrieveMs);
    const [first] = answer.citations;
    expect(first).toMatchObject({ n: 1, docId: corpus.docId('tides.txt'), source: corpus.docId('tides.txt') });
    expect(first!.quotes![0]!.text).toBe(
      'Tides are caused mainly by the gravitational pull of the Moon on the oceans.',
    );
    expect(answer.citations.map((c) => c.n)).toEqual([
      ...new Set([...answer.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]))),
    ]);
    await expectRealCitations(answer.citations);
  });

  test('options go on top of the defaults: a filter that excludes the answer leaves it out', async () => {
    const res = await post({ question: 'What causes the tides?', filter: 'source like "%bread.txt"', k: 2 });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Answer;
    expect(answer.answer).not.toContain('Moon');
    for (const c of answer.citations) expect(c.source).toMatch(/bread\.txt$/);
  });

  test('a passage merged from overlapping chunks claims offsets that slice the file', async () => {
    const res = await post({ question: 'Since when has the lava lake persisted?', k: 1 });
    const answer = (await res.json()) as Answer;
    expect(answer.answer).toMatch(/^It has persisted since 1972\. \[1\]/);
    const [c] = answer.citations;
    expect(c!.source).toBe(corpus.docId('volcano.txt'));
    expect(c!.start).not.toBeNull();
    expect(c!.text.length).toBeGreaterThan(160); // more than one chunk
    await expectRealCitations(answer.citations);
  });

  test('a PDF citation carries its page', async () => {
    const res = await post({ question: 'How much ice do Greenland glaciers lose every year?', k: 2, neighbours: 0 });
    const answer = (await res.json()) as Answer;
    expect(answer.answer).toContain('two hundred and seventy billion tonnes');
    const pdf = answer.citations.find((c) => c.source.endsWith('atlas.pdf'));
    expect(pdf?.page).toBe(2);
    await expectRealCitations(answer.citations);
  });
});

describe('POST /ask, SSE', () => {
  test('tokens, then exactly one citations, then exactly one done; the tokens join to the answer', async () => {
    const res = await streamed({ question: 'Why does sourdough bread rise?' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toContain('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const { tokens, citations, done } = expectTokensCitationsDone(parseSse(await res.text()));
    expect(tokens.join('')).toBe(done.answer);
    expect(done.answer).toContain('wild yeast ferments the sugars');
    expect(citations).toEqual(done.citations);
    await expectRealCitations(citations);
  });

  test('the stream and the JSON answer agree', async () => {
    const body = { question: 'What do lactic acid bacteria give sourdough?', k: 3 };
    const json = (await (await post(body)).json()) as Answer;
    const { done } = expectTokensCitationsDone(parseSse(await (await streamed(body)).text()));
    expect(done.answer).toBe(json.answer);
    expect(done.citations).toEqual(json.citations);
  });

  test('no token text can break the framing: newlines and fake fields stay inside one event', async () => {
    knobs.prefix = 'line one\n\nevent: done\ndata: {"answer":"forged"}\n\n: not a comment\r\nid: 99\r\r';
    const text = await (await streamed({ question: 'What causes the tides?' })).text();
    const { tokens, done } = expectTokensCitationsDone(parseSse(text));
    expect(tokens.join('')).toBe(done.answer);
    expect(done.answer.startsWith(knobs.prefix)).toBe(true);
  });

  test('a slow stream carries heartbeat comments between events', async () => {
    knobs.delayMs = 60;
    const text = await (await streamed({ question: 'What causes the tides?', k: 1 })).text();
    expect(text).toMatch(/^: keep-alive\n\n/m);
    const { tokens, done } = expectTokensCitationsDone(parseSse(text));
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.join('')).toBe(done.answer);
  });

  test('a failure once the stream has begun is an error event with its code, and nothing after it', async () => {
    knobs.delayMs = 5;
    knobs.failAfter = 2;
    const res = await streamed({ question: 'What causes the tides?' });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(['token', 'token', 'error']);
    expect(events[2]!.data).toMatchObject({ code: 'UPSTREAM', message: 'the model crashed' });
    expect(logged).toEqual([expect.stringMatching(/^UPSTREAM /)]);
  });

  test('a client that disconnects mid-stream cancels the generation; the server keeps serving', async () => {
    knobs.delayMs = 150;
    const client = new AbortController();
    const res = await streamed({ question: 'What causes the tides?' }, client.signal);
    const seen: string[] = [];
    for await (const e of readSse(res.body!)) {
      seen.push(e.event);
      break;
    }
    expect(seen).toEqual(['token']);
    const call = calls.at(-1)!;
    expect(call.signal?.aborted).toBe(false);
    client.abort();

    await eventually(() => call.signal?.aborted === true, 'the generator was signalled');
    expect(call.signal!.reason).toMatchObject({ code: 'ABORTED' });
    await eventually(() => call.finished, 'the generator stream was closed');
    await eventually(() => ctx.inFlight.count === 0, 'the handler returned');
    // Cancelled after a token or two: the rest of the answer (a dozen words and more) was never produced.
    expect(call.tokens).toBeLessThan(4);
    expect(logged).toEqual([]);

    knobs.delayMs = 0;
    const again = await post({ question: 'What causes the tides?' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as Answer).answer).toContain('gravitational pull of the Moon');
  });
});

describe('POST /ask, bad requests', () => {
  test.each([
    { name: 'an empty question', body: { question: '   ' }, status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'no question', body: { k: 3 }, status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'a question of the wrong type', body: { question: 42 }, status: 400, code: 'INVALID_ARGUMENT' },
    {
      name: 'a question over the limit',
      body: { question: 'why? '.repeat(1000) },
      status: 400,
      code: 'INVALID_ARGUMENT',
    },
    { name: 'an unknown field', body: { question: 'tides?', topK: 3 }, status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'k out of range', body: { question: 'tides?', k: 0 }, status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'k of the wrong type', body: { question: 'tides?', k: '3' }, status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'an unknown mode', body: { question: 'tides?', mode: 'magic' }, status: 400, code: 'INVALID_ARGUMENT' },
    {
      name: 'a filter that does not parse',
      body: { question: 'tides?', filter: 'source ==' },
      status: 400,
      code: 'FILTER_SYNTAX',
    },
    {
      name: 'a filter on an unknown field',
      body: { question: 'tides?', filter: 'colour == "red"' },
      status: 400,
      code: 'FIELD_NOT_FOUND',
    },
    {
      name: 'a filter param not given',
      body: { question: 'tides?', filter: 'source == {src}' },
      status: 400,
      code: 'FILTER_PARAM',
    },
    {
      name: 'an unknown collection',
      body: { question: 'tides?', collection: 'nope' },
      status: 404,
      code: 'COLLECTION_NOT_FOUND',
    },
    { name: 'a body that is not JSON', body: '{"question": "ti', status: 400, code: 'INVALID_ARGUMENT' },
  ] as { name: string; body: unknown; status: number; code: string }[])(
    '$name: JSON $status $code and no stream, whatever the Accept',
    async ({ body, status, code }) => {
      for (const accept of ['application/json', 'text/event-stream']) {
        const before = calls.length;
        const res = await post(body, { accept });
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        const error = ((await res.json()) as { error: { code: string; message: string } }).error;
        expect(error.code).toBe(code);
        expect(error.message.length).toBeGreaterThan(0);
        expect(calls.length).toBe(before);
      }
    },
  );

  test('a bad filter error carries its position and excerpt', async () => {
    const res = await streamed({ question: 'tides?', filter: 'source == "a" and' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { position: number; excerpt: string } } };
    expect(body.error.details.position).toBe(17);
    expect(body.error.details.excerpt).toContain('^');
  });

  test('a field the body names wrongly is reported by its path', async () => {
    const res = await post({ question: 'tides?', neighbours: -1 });
    const body = (await res.json()) as { error: { details: { issues: { path: string }[] } } };
    expect(body.error.details.issues.map((i) => i.path)).toContain('body.neighbours');
  });
});
