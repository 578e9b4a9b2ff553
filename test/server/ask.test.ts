/**
 * `POST /ask` over real HTTP against a real store and the real default model: the JSON answer, the SSE stream's
 * event order (tokens, then one citations, then one done), citations that point at real chunks with offsets that
 * slice the cited text out of the original files, bad requests answered with JSON before any stream, and a client
 * that disconnects mid-stream cancelling the generation.
 */

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Answer, Citation } from '../../src/ask/ask.js';
import type { Generator } from '../../src/generate/generator.js';
import { slowTokens, startTestServer, type TestServer } from '../helpers/server.js';
import { parseSse, readSse } from '../helpers/sse.js';

let server: TestServer;
/** Signals the generator saw, newest last, to check cancellation. */
const signals: (AbortSignal | undefined)[] = [];
let delayMs = 0;

function recording(inner: Generator): Generator {
  const slow = slowTokens(inner, 1);
  return {
    modelId: inner.modelId,
    generate: (r) => inner.generate(r),
    stream(request) {
      signals.push(request.signal);
      return delayMs > 0 ? slowTokens(inner, delayMs).stream(request) : slow.stream(request);
    },
  };
}

beforeAll(async () => {
  server = await startTestServer({ generator: recording });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const post = (body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${server.url}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });

/** Every citation names a stored chunk of its document, and its offsets slice its text out of the file. */
async function expectRealCitations(citations: Citation[]): Promise<void> {
  expect(citations.length).toBeGreaterThan(0);
  for (const c of citations) {
    const [chunk] = await server.corpus.collection.get([c.id], { outputFields: ['doc_id', 'text', 'source'] });
    expect(chunk, `chunk ${c.id}`).toBeDefined();
    expect(chunk!.doc_id).toBe(c.docId);
    expect(chunk!.source).toBe(c.source);
    expect(c.text).toContain(chunk!.text as string);
    if (!c.source.endsWith('.txt')) continue;
    const file = await readFile(c.source, 'utf8');
    if (c.start !== null) expect(file.slice(c.start, c.end!)).toBe(c.text);
    expect(c.quotes?.length).toBeGreaterThan(0);
    for (const q of c.quotes!) {
      expect(q.start).not.toBeNull();
      expect(file.slice(q.start!, q.end!)).toBe(q.text);
    }
  }
}

describe('POST /ask', () => {
  test('JSON: the answer object, citing the file that answers', async () => {
    const res = await post({ question: 'What causes the tides?' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await res.json()) as Answer;
    expect(answer.answer).toMatch(/gravitational pull of the Moon on the oceans\. \[1\]/);
    expect(answer.citations[0]!.source).toMatch(/tides\.txt$/);
    expect(answer.invalidCitations).toEqual([]);
    expect(answer.usage.promptTokens).toBeGreaterThan(0);
    expect(answer.timings.totalMs).toBeGreaterThanOrEqual(answer.timings.retrieveMs);
    await expectRealCitations(answer.citations);
  });

  test('SSE: tokens, then exactly one citations, then exactly one done; tokens join to the answer', async () => {
    const res = await post({ question: 'Why does sourdough bread rise?' }, { accept: 'text/event-stream' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toContain('no-cache');
    const events = parseSse(await res.text());
    const names = events.map((e) => e.event);
    const firstOther = names.findIndex((n) => n !== 'token');
    expect(firstOther).toBeGreaterThan(1); // several tokens first
    expect(names.slice(firstOther)).toEqual(['citations', 'done']);
    const tokens = events.slice(0, firstOther).map((e) => (e.data as { text: string }).text);
    const done = events.at(-1)!.data as Answer;
    expect(tokens.join('')).toBe(done.answer);
    expect(done.answer).toContain('wild yeast ferments the sugars');
    const { citations } = events[firstOther]!.data as { citations: Citation[] };
    expect(citations).toEqual(done.citations);
    await expectRealCitations(citations);
  });

  test('options narrow retrieval: a filter that excludes the answer leaves it out', async () => {
    const res = await post({ question: 'What causes the tides?', filter: 'source like "%bread.txt"', k: 2 });
    const answer = (await res.json()) as Answer;
    expect(answer.answer).not.toContain('Moon');
    for (const c of answer.citations) expect(c.source).toMatch(/bread\.txt$/);
  });

  test.each([
    ['an empty question', { question: '   ' }, 400, 'INVALID_ARGUMENT'],
    ['a question of the wrong type', { question: 42 }, 400, 'INVALID_ARGUMENT'],
    ['an unknown field', { question: 'tides?', topK: 3 }, 400, 'INVALID_ARGUMENT'],
    ['k out of range', { question: 'tides?', k: 0 }, 400, 'INVALID_ARGUMENT'],
    ['a bad filter', { question: 'tides?', filter: 'source ==' }, 400, 'FILTER_SYNTAX'],
    ['an unknown collection', { question: 'tides?', collection: 'nope' }, 404, 'COLLECTION_NOT_FOUND'],
  ])('%s: JSON %i with its code, also when a stream was asked for', async (_name, body, status, code) => {
    for (const accept of ['application/json', 'text/event-stream']) {
      const res = await post(body, { accept });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  test('a bad filter error carries the position', async () => {
    const res = await post({ question: 'tides?', filter: 'source == "a" and' });
    const body = (await res.json()) as { error: { details: { position: number; excerpt: string } } };
    expect(body.error.details.position).toBe(17);
    expect(body.error.details.excerpt).toContain('^');
  });

  test('a client that disconnects mid-stream cancels the generation; the server keeps serving', async () => {
    delayMs = 150;
    try {
      const controller = new AbortController();
      const res = await post(
        { question: 'What causes the tides?' },
        { accept: 'text/event-stream' },
        controller.signal,
      );
      const seen: string[] = [];
      for await (const e of readSse(res.body!)) {
        seen.push(e.event);
        if (seen.length === 1) break;
      }
      expect(seen).toEqual(['token']);
      controller.abort();
      const signal = signals.at(-1)!;
      for (let i = 0; i < 100 && !signal.aborted; i++) await new Promise((r) => setTimeout(r, 20));
      expect(signal.aborted).toBe(true);
    } finally {
      delayMs = 0;
    }
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const again = await post({ question: 'What causes the tides?' });
    expect(again.status).toBe(200);
  });
});
