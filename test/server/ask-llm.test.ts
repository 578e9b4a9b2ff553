/**
 * `/ask` with the OpenAI-compatible generator, end to end over two real HTTP hops: a client asks Quiver, Quiver
 * streams from a local server speaking the chat-completions wire format. The model's tokens reach the client as
 * SSE `token` events with their citations checked, and a client that disconnects mid-answer makes Quiver cancel
 * its request to the model server.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OpenAIChatGenerator } from '../../src/generate/openai-chat.js';
import { closedWithin, type FakeOpenAIServer, startFakeOpenAI } from '../helpers/fake-openai-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { parseSse, readSse } from '../helpers/sse.js';

let llm: FakeOpenAIServer;
let server: TestServer;

beforeAll(async () => {
  llm = await startFakeOpenAI();
  server = await startTestServer({
    generator: () => new OpenAIChatGenerator({ baseUrl: llm.baseUrl, model: 'fake-model', maxRetries: 0 }),
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await llm?.close();
});

const ask = (signal?: AbortSignal) =>
  fetch(`${server.url}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question: 'What causes the tides?' }),
    signal,
  });

describe('/ask over an OpenAI-compatible model server', () => {
  test("the model's tokens stream through; a citation to a source it was not given is removed", async () => {
    llm.script({ tokens: ['The Moon', "'s pull [1]", ' and the Sun [9].'] });
    const events = parseSse(await (await ask()).text());
    expect(events.map((e) => e.event)).toEqual(['token', 'token', 'token', 'citations', 'done']);
    const done = events.at(-1)!.data as { answer: string; invalidCitations: number[]; citations: { n: number }[] };
    expect(done.answer).toBe("The Moon's pull [1] and the Sun.");
    expect(done.invalidCitations).toEqual([9]);
    expect(done.citations.map((c) => c.n)).toEqual([1]);
    const sent = llm.requests.at(-1)!.body as { model: string; messages: { role: string; content: string }[] };
    expect(sent.model).toBe('fake-model');
    expect(sent.messages[1]!.content).toMatch(/\[1\][^\n]*tides\.txt/);
  });

  test('a client that disconnects mid-answer cancels the request to the model server', async () => {
    llm.reset();
    llm.script({ tokens: ['one', ' two', ' three'], tokenDelayMs: 30_000 });
    const client = new AbortController();
    const res = await ask(client.signal);
    for await (const e of readSse(res.body!)) {
      expect(e.event).toBe('token');
      break;
    }
    client.abort();
    expect(await closedWithin(llm.requests[0]!)).toBe('disconnected');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  test('a model server error before any token is a JSON error event with its code', async () => {
    llm.reset();
    llm.script({ status: 500, error: 'model crashed' });
    const events = parseSse(await (await ask()).text());
    expect(events.map((e) => e.event)).toEqual(['error']);
    expect(events[0]!.data).toMatchObject({ code: 'UPSTREAM' });
    expect((events[0]!.data as { message: string }).message).toContain('model crashed');
  });
});
