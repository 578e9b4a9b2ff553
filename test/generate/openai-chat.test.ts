/**
 * OpenAIChatGenerator against a real local node:http server speaking `/v1/chat/completions` (JSON and SSE), with no
 * mocked fetch: streaming and non-streaming answers, SSE framing, retries only before the first token, both
 * timeouts, cancellation that the server observes, error mapping without leaking the key, and option checks.
 * The SSE parser's own framing rules are unit-tested at the end.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuiverError } from '../../src/errors.js';
import type { GenerateEvent, GenerateRequest, Source } from '../../src/generate/generator.js';
import { OpenAIChatGenerator, type OpenAIChatGeneratorOptions } from '../../src/generate/openai-chat.js';
import { MAX_EVENT_CHARS, readSse, type SseEvent, SseParser } from '../../src/generate/sse.js';
import { expectCode, quiverErrorOf } from '../helpers/errors.js';
import { closedWithin, type FakeOpenAIServer, startFakeOpenAI } from '../helpers/fake-openai-server.js';

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAI();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.reset();
});

const sources: Source[] = [
  { n: 1, id: 'a#0', docId: 'a', source: 'docs/a.md', title: 'Alpha', text: 'Alpha partitions hold rows.' },
  { n: 2, id: 'b#3', docId: 'b', source: 'docs/b.md', title: 'Beta', text: 'Beta filters are typed.' },
];
const ask: GenerateRequest = { question: 'What holds rows?', sources };

const make = (extra: Partial<OpenAIChatGeneratorOptions> = {}): OpenAIChatGenerator =>
  new OpenAIChatGenerator({ baseUrl: server.baseUrl, model: 'fake-llm', initialDelayMs: 1, maxDelayMs: 20, ...extra });

/** Every event of a stream, or the error it rejected with together with the events before it. */
async function drain(
  iterable: AsyncIterable<GenerateEvent>,
): Promise<{ events: GenerateEvent[]; tokens: string[]; error?: QuiverError }> {
  const events: GenerateEvent[] = [];
  try {
    for await (const event of iterable) events.push(event);
  } catch (error) {
    return { events, tokens: tokensOf(events), error: error as QuiverError };
  }
  return { events, tokens: tokensOf(events) };
}

const tokensOf = (events: GenerateEvent[]): string[] => events.flatMap((e) => (e.type === 'token' ? [e.text] : []));

describe('OpenAIChatGenerator: answers', () => {
  it('streams tokens in order, then one done with the server-reported usage', async () => {
    const llm = make();
    expect(llm.modelId).toBe('openai:fake-llm');
    server.script({
      tokens: ['Rows', ' live', ' in', ' partitions', ' [1].'],
      usage: { prompt_tokens: 42, completion_tokens: 5 },
    });
    const { events, tokens, error } = await drain(llm.stream(ask));
    expect(error).toBeUndefined();
    expect(tokens).toEqual(['Rows', ' live', ' in', ' partitions', ' [1].']);
    expect(events.at(-1)).toEqual({
      type: 'done',
      usage: { promptTokens: 42, completionTokens: 5 },
      finishReason: 'stop',
    });
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('estimates usage when the stream reports none, and passes finish_reason through', async () => {
    server.script({ tokens: ['a'.repeat(40)], usage: null, finishReason: 'length' });
    const { events } = await drain(make().stream(ask));
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    if (done?.type !== 'done') return;
    expect(done.finishReason).toBe('length');
    expect(done.usage.completionTokens).toBeGreaterThan(0);
    expect(done.usage.promptTokens).toBeGreaterThan(0);
  });

  it('generates a whole answer with one non-streaming request', async () => {
    server.script({ tokens: ['Alpha', ' partitions [1].'], usage: { prompt_tokens: 30, completion_tokens: 4 } });
    const result = await make().generate(ask);
    expect(result).toEqual({
      text: 'Alpha partitions [1].',
      usage: { promptTokens: 30, completionTokens: 4 },
      finishReason: 'stop',
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.stream).toBe(false);
    expect(server.requests[0]!.body).not.toHaveProperty('stream_options');
  });

  it('sends model, system and user messages with numbered sources, the stream flag and temperature', async () => {
    await make().generate({ ...ask, temperature: 0.3, maxTokens: 64 });
    await drain(make().stream(ask));
    const [plain, streamed] = server.requests;
    expect(plain!.url).toBe('/v1/chat/completions');
    expect(plain!.headers['content-type']).toContain('application/json');
    expect(plain!.body).toMatchObject({ model: 'fake-llm', stream: false, temperature: 0.3, max_tokens: 64 });
    expect(streamed!.body).toMatchObject({ model: 'fake-llm', stream: true, temperature: 0 });
    expect(streamed!.body).not.toHaveProperty('max_tokens');
    const messages = plain!.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]!.content.length).toBeGreaterThan(0);
    const user = messages[1]!.content;
    expect(user).toContain('What holds rows?');
    expect(user).toContain('Alpha partitions hold rows.');
    expect(user).toContain('Beta filters are typed.');
    expect(user).toMatch(/\[1\]/);
    expect(user).toMatch(/\[2\]/);
    expect(user.indexOf('Alpha partitions')).toBeLessThan(user.indexOf('Beta filters'));
  });

  it('sends Authorization only when a key is given, from apiKey or the variable apiKeyEnv names', async () => {
    await make().generate(ask);
    await make({ apiKey: 'sk-direct', headers: { 'x-team': 'search' } }).generate(ask);
    process.env.QUIVER_TEST_CHAT_KEY = 'sk-from-env';
    try {
      await make({ apiKeyEnv: 'QUIVER_TEST_CHAT_KEY' }).generate(ask);
    } finally {
      delete process.env.QUIVER_TEST_CHAT_KEY;
    }
    const auth = server.requests.map((r) => r.headers.authorization);
    expect(auth).toEqual([undefined, 'Bearer sk-direct', 'Bearer sk-from-env']);
    expect(server.requests[1]!.headers['x-team']).toBe('search');
  });
});

describe('OpenAIChatGenerator: SSE framing', () => {
  const chunk = (content: string, finish: string | null = null): string =>
    `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}`;

  it('reassembles events split across network chunks, with CRLF line ends and comments', async () => {
    const body = [
      ': keep-alive comment\r\n\r\n',
      `${chunk('Hel')}\r\n\r\n`,
      `${chunk('lo ')}\r\n\r\n${chunk('wörld')}\r\n\r\n`,
      `${chunk('', 'stop')}\r\n\r\ndata: [DONE]\r\n\r\n`,
    ].join('');
    // Cut the bytes at awkward places: inside "data:", between CR and LF, inside the two bytes of "ö".
    const bytes = Buffer.from(body);
    const cuts = [
      3,
      body.indexOf('\r\n') + 1,
      Buffer.from(body.slice(0, body.indexOf('ö'))).length + 1,
      bytes.length - 9,
    ];
    const pieces = [0, ...cuts].map((at, i) => bytes.subarray(at, cuts[i] ?? bytes.length));
    server.script({ raw: pieces, tokenDelayMs: 15 });
    const { tokens, events, error } = await drain(make().stream(ask));
    expect(error).toBeUndefined();
    expect(tokens.join('')).toBe('Hello wörld');
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  });

  it('rejects a malformed chunk with UPSTREAM', async () => {
    server.script({ raw: [`${chunk('ok')}\n\n`, 'data: {"choices": [ oops\n\n'] });
    const { error, tokens } = await drain(make().stream(ask));
    expect(error?.code).toBe('UPSTREAM');
    expect(tokens).toEqual(['ok']);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects a stream that ends without a finish_reason or [DONE] with UPSTREAM', async () => {
    server.script({ tokens: ['half'], end: 'close' });
    const { error, tokens } = await drain(make().stream(ask));
    expect(error?.code).toBe('UPSTREAM');
    expect(tokens).toEqual(['half']);
  });

  it('rejects an error object inside the stream, and malformed JSON from generate, with UPSTREAM', async () => {
    server.script({ raw: ['data: {"error":{"message":"model crashed"}}\n\n'] });
    const streamed = await drain(make({ maxRetries: 0 }).stream(ask));
    expect(streamed.error?.code).toBe('UPSTREAM');
    expect(streamed.error?.message).toContain('model crashed');
    server.script({ json: '{"choices": [' });
    await expectCode(make().generate(ask), 'UPSTREAM');
    server.script({ json: '{"choices": []}' });
    await expectCode(make().generate(ask), 'UPSTREAM');
  });
});

describe('OpenAIChatGenerator: retries', () => {
  it('retries a 503 before the first token, then streams the answer', async () => {
    server.script({ status: 503, error: 'loading model' }, { status: 503 }, { tokens: ['fine'] });
    const { tokens, error } = await drain(make({ maxRetries: 2 }).stream(ask));
    expect(error).toBeUndefined();
    expect(tokens).toEqual(['fine']);
    expect(server.requests).toHaveLength(3);
  });

  it('retries 429 honouring Retry-After for generate, and gives up after maxRetries with UPSTREAM', async () => {
    server.script({ status: 429, headers: { 'retry-after': '0' } }, { tokens: ['ok'] });
    expect((await make().generate(ask)).text).toBe('ok');
    expect(server.requests).toHaveLength(2);
    server.reset();
    server.script({ status: 500 }, { status: 502 }, { status: 503 }, { status: 504 });
    const err = await expectCode(make({ maxRetries: 2 }).generate(ask), 'UPSTREAM');
    expect(err.details).toMatchObject({ status: 503, attempts: 3 });
    expect(server.requests).toHaveLength(3);
  });

  it('retries a connection dropped before the first token', async () => {
    server.script({ tokens: [], end: 'drop' }, { tokens: ['second try'] });
    const { tokens, error } = await drain(make().stream(ask));
    expect(error).toBeUndefined();
    expect(tokens).toEqual(['second try']);
    expect(server.requests).toHaveLength(2);
  });

  it('never retries once a token was yielded: a dropped connection mid-stream is UPSTREAM after one request', async () => {
    server.script({ tokens: ['partial', ' answer'], end: 'drop' }, { tokens: ['must not be requested'] });
    const { tokens, error } = await drain(make({ maxRetries: 5 }).stream(ask));
    expect(tokens).toEqual(['partial', ' answer']);
    expect(error?.code).toBe('UPSTREAM');
    expect(server.requests).toHaveLength(1);
  });

  it('retries refused connections, then fails with UPSTREAM', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const { port } = dead.address() as AddressInfo;
    await new Promise((resolve) => dead.close(resolve));
    const llm = make({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 1 });
    const err = await expectCode(llm.generate(ask), 'UPSTREAM');
    expect(err.details).toMatchObject({ reason: 'network', attempts: 2 });
  });

  it('does not retry a 400: INVALID_ARGUMENT with the server message', async () => {
    server.script({ status: 400, error: 'This model maximum context length is 2048 tokens' });
    const err = await expectCode(make().generate(ask), 'INVALID_ARGUMENT');
    expect(err.message).toContain('maximum context length is 2048');
    expect(err.details.status).toBe(400);
    expect(server.requests).toHaveLength(1);
  });
});

describe('OpenAIChatGenerator: errors and the API key', () => {
  it('turns 401 into UPSTREAM with a hint, never showing the key even when the server echoes it', async () => {
    const key = 'sk-secret-key-123456';
    server.script({ status: 401, error: `Incorrect API key provided: ${key}` }, { status: 403, error: key });
    const llm = make({ apiKey: key });
    const streamed = await drain(llm.stream(ask));
    expect(streamed.error?.code).toBe('UPSTREAM');
    expect(streamed.error?.message).toMatch(/API key/);
    const forbidden = await expectCode(llm.generate(ask), 'UPSTREAM');
    for (const err of [streamed.error!, forbidden]) {
      expect(err.message).not.toContain(key);
      expect(JSON.stringify(err.details)).not.toContain(key);
    }
    expect(server.requests).toHaveLength(2); // no retries
  });

  it('hints at a missing key on 401 and at baseUrl on 404', async () => {
    server.script({ status: 401, error: 'unauthorized' });
    expect((await expectCode(make().generate(ask), 'UPSTREAM')).message).toMatch(/no API key was sent/);
    const wrongPath = make({ baseUrl: server.baseUrl.replace(/\/v1$/, '') });
    expect((await expectCode(wrongPath.generate(ask), 'UPSTREAM')).message).toMatch(/\/v1/);
  });

  it('validates options', () => {
    const bad: [Partial<OpenAIChatGeneratorOptions>, string][] = [
      [{ baseUrl: 'localhost:11434' }, 'baseUrl'],
      [{ baseUrl: 'ftp://example.com/v1' }, 'baseUrl'],
      [{ model: '' }, 'model'],
      [{ timeoutMs: 0 }, 'timeoutMs'],
      [{ firstTokenTimeoutMs: -5 }, 'firstTokenTimeoutMs'],
      [{ maxRetries: 1.5 }, 'maxRetries'],
      [{ maxPromptTokens: 0 }, 'maxPromptTokens'],
      [{ apiKeyEnv: 'QUIVER_TEST_SURELY_UNSET_VARIABLE' }, 'apiKeyEnv'],
    ];
    for (const [options, field] of bad) {
      const err = quiverErrorOf(() => make(options));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.details.field).toBe(field);
    }
  });

  it('validates the request before sending anything', async () => {
    const llm = make();
    expect((await expectCode(llm.generate({ ...ask, question: ' ' }), 'INVALID_ARGUMENT')).details.field).toBe(
      'question',
    );
    expect((await drain(llm.stream({ ...ask, temperature: -1 }))).error?.details.field).toBe('temperature');
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenAIChatGenerator: timeouts and cancellation', () => {
  it('times out waiting for the first token with TIMEOUT, without retrying', async () => {
    server.script({ firstTokenDelayMs: 30_000, tokens: ['too late'] });
    const { error, tokens } = await drain(make({ firstTokenTimeoutMs: 200 }).stream(ask));
    expect(error?.code).toBe('TIMEOUT');
    expect(error?.details).toMatchObject({ firstTokenTimeoutMs: 200 });
    expect(tokens).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(await closedWithin(server.requests[0]!)).toBe('disconnected');
  });

  it('times out the whole call even after tokens have arrived, and cancels the request', async () => {
    server.script({ tokens: ['started'], end: 'hang' });
    const { error, tokens } = await drain(make({ timeoutMs: 300, firstTokenTimeoutMs: 250 }).stream(ask));
    expect(tokens).toEqual(['started']);
    expect(error?.code).toBe('TIMEOUT');
    expect(error?.details).toMatchObject({ timeoutMs: 300 });
    expect(await closedWithin(server.requests[0]!)).toBe('disconnected');
  });

  it('times out generate when the server never answers', async () => {
    server.script({ hang: true });
    const err = await expectCode(make({ timeoutMs: 200 }).generate(ask), 'TIMEOUT');
    expect(err.details.timeoutMs).toBe(200);
    expect(await closedWithin(server.requests[0]!)).toBe('disconnected');
  });

  it('aborts a stream through the signal: ABORTED, and the server sees the disconnect', async () => {
    server.script({ tokens: ['one', 'two', 'three'], tokenDelayMs: 30_000 });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const event of make().stream({ ...ask, signal: controller.signal })) {
        if (event.type === 'token') {
          seen.push(event.text);
          controller.abort();
        }
      }
    })();
    await expectCode(run, 'ABORTED');
    expect(seen).toEqual(['one']);
    expect(await closedWithin(server.requests[0]!)).toBe('disconnected');
  });

  it('aborts generate while waiting, and rejects at once for an already-aborted signal', async () => {
    server.script({ hang: true });
    const controller = new AbortController();
    const pending = make().generate({ ...ask, signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expectCode(pending, 'ABORTED');
    expect(await closedWithin(server.requests[0]!)).toBe('disconnected');
    server.reset();
    await expectCode(make().generate({ ...ask, signal: AbortSignal.abort() }), 'ABORTED');
    expect((await drain(make().stream({ ...ask, signal: AbortSignal.abort() }))).error?.code).toBe('ABORTED');
    expect(server.requests).toHaveLength(0);
  });

  it('aborts during the backoff between retries', async () => {
    server.script({ status: 503, headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    const pending = make({ maxDelayMs: 60_000 }).generate({ ...ask, signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    setTimeout(() => controller.abort(), 50);
    await expectCode(pending, 'ABORTED');
    expect(server.requests).toHaveLength(1);
  });

  it('cancels the upstream request when the consumer breaks out early', async () => {
    server.script({ tokens: ['first', 'second', 'third'], tokenDelayMs: 30_000 });
    const seen: string[] = [];
    for await (const event of make().stream(ask)) {
      if (event.type === 'token') seen.push(event.text);
      break;
    }
    expect(seen).toEqual(['first']);
    expect(await closedWithin(server.requests[0]!)).toBe('disconnected');
  });
});

describe('SseParser', () => {
  const feed = (pieces: string[]): SseEvent[] => {
    const parser = new SseParser();
    return pieces.flatMap((p) => parser.push(p));
  };
  const stream =
    ': hello\n\ndata: {"a":1}\n\nevent: ping\ndata: x\n\ndata:first\ndata: second\r\n\r\nid: 7\ndata: [DONE]\r\r';
  const expected: SseEvent[] = [
    { event: 'message', data: '{"a":1}' },
    { event: 'ping', data: 'x' },
    { event: 'message', data: 'first\nsecond' },
    { event: 'message', data: '[DONE]', id: '7' },
  ];

  it('parses data, event and id fields, comments, multi-line data and LF / CRLF / CR line ends', () => {
    expect(feed([stream])).toEqual(expected);
  });

  it('gives the same events however the text is split', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (const j of [i, Math.min(stream.length, i + 1), Math.min(stream.length, i + 7)]) {
        expect(feed([stream.slice(0, i), stream.slice(i, j), stream.slice(j)])).toEqual(expected);
      }
    }
    expect(feed([...stream])).toEqual(expected);
  });

  it('drops an event cut off before its blank line, and ignores retry and unknown fields', () => {
    expect(feed(['retry: 10\nfoo: bar\ndata: a\n\n', 'data: cut off\n'])).toEqual([{ event: 'message', data: 'a' }]);
    expect(feed(['event: lonely\n\n'])).toEqual([]);
  });

  it('refuses an event that grows without bound', () => {
    const parser = new SseParser();
    const big = 'x'.repeat(1024 * 1024);
    const err = quiverErrorOf(() => {
      for (let i = 0; i <= MAX_EVENT_CHARS / big.length; i++) parser.push(`data: ${big}\n`);
    });
    expect(err.code).toBe('UPSTREAM');
  });

  it('decodes UTF-8 split across chunks and rejects invalid bytes', async () => {
    const bytes = (chunks: Uint8Array[]): ReadableStream<Uint8Array> =>
      new ReadableStream({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
          controller.close();
        },
      });
    const text = Buffer.from('data: ü\n\n');
    const events: SseEvent[] = [];
    for await (const e of readSse(bytes([text.subarray(0, 7), text.subarray(7)]))) events.push(e);
    expect(events).toEqual([{ event: 'message', data: 'ü' }]);
    const bad = async () => {
      for await (const _ of readSse(bytes([Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a])]))) {
        // drain
      }
    };
    await expectCode(bad, 'UPSTREAM');
  });
});
