/**
 * OpenAIEmbedder against a local node:http server speaking the `/v1/embeddings` wire format: batching and
 * order, dimension discovery, retries on 429/5xx, per-request timeouts, and 4xx errors as QuiverErrors.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from '../../src/embed/index.js';

type Handler = (req: IncomingMessage, body: { model: string; input: string[] | string }, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let requests: { body: { model: string; input: string[] | string }; auth: string | undefined }[];
let script: Handler[];

/** A deterministic 3-d "embedding" of a text. */
const fake = (t: string): number[] => [t.length, t.charCodeAt(0) || 0, 1];

const ok: Handler = (_req, body, res) => {
  const input = Array.isArray(body.input) ? body.input : [body.input];
  // Answer out of order, as the API allows: clients must use `index`.
  const data = input.map((t, index) => ({ object: 'embedding', index, embedding: fake(t) })).reverse();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
};
const status =
  (code: number, payload: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, _body, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(payload));
  };
const hang: Handler = () => {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings')
        return status(404, { error: 'not found' })(req, {} as never, res);
      const body = JSON.parse(raw) as { model: string; input: string[] };
      requests.push({ body, auth: req.headers.authorization });
      (script.shift() ?? ok)(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests = [];
  script = [];
});

const make = (extra: Partial<OpenAIEmbedderOptions> = {}): Promise<OpenAIEmbedder> =>
  OpenAIEmbedder.create({ baseUrl, model: 'test-embed', initialDelayMs: 5, maxDelayMs: 50, ...extra });

describe('OpenAIEmbedder', () => {
  it('discovers the dimension, batches, keeps input order and sends the API key', async () => {
    const e = await make({ apiKey: 'sk-test', batchSize: 2, queryPrefix: 'query: ' });
    expect(e.dimension).toBe(3);
    expect(e.modelId).toBe('test-embed');
    const texts = ['alpha', 'be', 'gamma ray', 'd', 'epsilon!'];
    const out = await e.embedDocuments(texts);
    expect(out.map((v) => Array.from(v))).toEqual(texts.map(fake));
    expect(requests).toHaveLength(1 + 3); // probe + ceil(5 / 2)
    expect(requests.every((r) => r.auth === 'Bearer sk-test' && r.body.model === 'test-embed')).toBe(true);
    expect(Array.from(await e.embedQuery('hi'))).toEqual(fake('query: hi'));
    expect(await e.embedDocuments([])).toEqual([]);
  });

  it('takes a given dimension without a probe, and rejects vectors of another length', async () => {
    const e = await make({ dimension: 4 });
    expect(requests).toHaveLength(0);
    await expect(e.embedDocuments(['x'])).rejects.toMatchObject({
      code: 'DIMENSION_MISMATCH',
      details: { expected: 4, received: 3 },
    });
  });

  it('retries a 429 (honouring Retry-After) and then succeeds', async () => {
    const e = await make({ dimension: 3 });
    script = [status(429, { error: { message: 'slow down' } }, { 'retry-after': '0' })];
    const [v] = await e.embedDocuments(['hello']);
    expect(Array.from(v!)).toEqual(fake('hello'));
    expect(requests).toHaveLength(2);
  });

  it('retries 5xx with backoff and gives up after maxRetries with IO_ERROR', async () => {
    const e = await make({ dimension: 3, maxRetries: 2 });
    script = [status(503, { error: 'busy' }), status(500, { error: 'oops' })];
    expect((await e.embedDocuments(['a']))[0]).toBeDefined();
    script = [status(502, { error: 'bad gateway' }), status(502, {}), status(502, {}), status(502, {})];
    requests = [];
    await expect(e.embedDocuments(['a'])).rejects.toMatchObject({
      code: 'IO_ERROR',
      details: { status: 502, attempts: 3 },
    });
    expect(requests).toHaveLength(3);
  });

  it('times out a request that never answers', async () => {
    const e = await make({ dimension: 3, timeoutMs: 100, maxRetries: 1 });
    script = [hang, hang];
    const started = Date.now();
    await expect(e.embedDocuments(['slow'])).rejects.toMatchObject({
      code: 'IO_ERROR',
      details: { reason: 'timeout', attempts: 2 },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    script = [hang];
    expect((await e.embedDocuments(['recovers']))[0]).toBeDefined(); // one timeout, then a good answer
  });

  it('turns a 400 into INVALID_ARGUMENT with the server message, without retrying', async () => {
    const e = await make({ dimension: 3 });
    script = [status(400, { error: { message: "model 'nope' not found", type: 'invalid_request_error' } })];
    const err = await e.embedDocuments(['x']).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'QuiverError', code: 'INVALID_ARGUMENT', details: { status: 400 } });
    expect((err as Error).message).toContain("model 'nope' not found");
    expect(requests).toHaveLength(1);
  });

  it('retries network errors, then fails with IO_ERROR', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    const e = await OpenAIEmbedder.create({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'm',
      dimension: 3,
      maxRetries: 1,
      initialDelayMs: 5,
    });
    await expect(e.embedDocuments(['x'])).rejects.toMatchObject({
      code: 'IO_ERROR',
      details: { reason: 'network', attempts: 2 },
    });
  });

  it('decodes base64 embeddings and validates its options', async () => {
    const e = await make({ dimension: 2 });
    const b64 = Buffer.from(new Float32Array([0.5, -2]).buffer).toString('base64');
    script = [status(200, { data: [{ index: 0, embedding: b64 }] })];
    expect(Array.from((await e.embedDocuments(['x']))[0]!)).toEqual([0.5, -2]);
    await expect(OpenAIEmbedder.create({ baseUrl: 'ftp://x', model: 'm' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(make({ batchSize: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await e.dispose();
    await expect(e.embedQuery('x')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
