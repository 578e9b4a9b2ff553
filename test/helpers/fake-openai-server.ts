/**
 * A real local node:http server speaking `POST /v1/chat/completions` in both wire formats (one JSON answer, or
 * `stream: true` Server-Sent Events), scripted per test: each request takes the next queued `FakeReply` (tokens,
 * delays, an HTTP error, raw SSE bytes, hanging, dropping the connection). It records every request and
 * whether the client disconnected before the answer was complete, which is how tests see cancellation.
 */

import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  /** Answer with this HTTP error status and an OpenAI-style `{ error: { message } }` body. */
  status?: number;
  /** The error message for `status` (default "fake error"). */
  error?: string;
  /** Extra response headers (e.g. `retry-after`). */
  headers?: Record<string, string>;
  /** Content deltas, one SSE chunk each; joined for a JSON answer. Default `['Hello', ' world']`. */
  tokens?: string[];
  finishReason?: string;
  /** Reported usage; `null` sends none. Default `{ prompt_tokens: 11, completion_tokens: tokens.length }`. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** Wait before the response headers. */
  delayMs?: number;
  /** Wait after the headers, before the first token. */
  firstTokenDelayMs?: number;
  /** Wait between chunks. */
  tokenDelayMs?: number;
  /**
   * What happens after the tokens: `done` (finish chunk, usage chunk, `[DONE]`), `hang` (send nothing more and
   * never end), `drop` (destroy the socket), `close` (end the response cleanly with no finish chunk or `[DONE]`).
   */
  end?: 'done' | 'hang' | 'drop' | 'close';
  /** Never answer at all, not even headers. */
  hang?: boolean;
  /** Write these strings verbatim as the SSE body (after 200 headers), pausing `tokenDelayMs` between writes. */
  raw?: (string | Buffer)[];
  /** A verbatim JSON answer body for non-streaming requests. */
  json?: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** Resolves when the exchange is over: `finished` if the server completed the answer, else `disconnected`. */
  closed: Promise<'finished' | 'disconnected'>;
}

export interface FakeOpenAIServer {
  /** `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Queue replies for the next requests; once the queue is empty every request gets the default reply. */
  script(...replies: FakeReply[]): void;
  /** Forget recorded requests and queued replies. */
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to how `request` ended, or rejects if it has not ended within `ms` (so tests fail clearly). */
export function closedWithin(request: RecordedRequest, ms = 5000): Promise<'finished' | 'disconnected'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`request still open after ${ms} ms`)), ms);
  });
  return Promise.race([request.closed, timeout]).finally(() => clearTimeout(timer));
}

export async function startFakeOpenAI(): Promise<FakeOpenAIServer> {
  let queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      let settle: (how: 'finished' | 'disconnected') => void = () => {};
      const closed = new Promise<'finished' | 'disconnected'>((resolve) => {
        settle = resolve;
      });
      res.on('close', () => settle(res.writableFinished ? 'finished' : 'disconnected'));
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        return sendError(res, { status: 404, error: `no route ${req.method} ${req.url}` });
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return sendError(res, { status: 400, error: 'request body is not JSON' });
      }
      requests.push({ method: req.method, url: req.url, headers: req.headers, body, closed });
      void answer(req, res, body, queue.shift() ?? {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...replies) => {
      queue.push(...replies);
    },
    reset: () => {
      queue = [];
      requests.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function sendError(res: ServerResponse, reply: FakeReply): void {
  res.writeHead(reply.status ?? 500, { 'content-type': 'application/json', ...reply.headers });
  res.end(JSON.stringify({ error: { message: reply.error ?? 'fake error', type: 'fake' } }));
}

async function answer(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, reply: FakeReply) {
  if (reply.hang) return;
  if (reply.delayMs) await sleep(reply.delayMs);
  if (res.destroyed) return;
  if (reply.status !== undefined) return sendError(res, reply);
  const tokens = reply.tokens ?? ['Hello', ' world'];
  const usage =
    reply.usage === undefined ? { prompt_tokens: 11, completion_tokens: tokens.length } : (reply.usage ?? undefined);
  const finishReason = reply.finishReason ?? 'stop';
  const model = String(body.model);
  const end = reply.end ?? 'done';

  if (body.stream !== true) {
    if (end === 'hang') return;
    if (end === 'drop') return req.socket.destroy();
    const message = { role: 'assistant', content: tokens.join('') };
    const json =
      reply.json ??
      JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        model,
        choices: [{ index: 0, message, finish_reason: finishReason }],
        ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
      });
    res.writeHead(200, { 'content-type': 'application/json', ...reply.headers });
    return void res.end(json);
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
  res.flushHeaders();
  if (reply.firstTokenDelayMs) await sleep(reply.firstTokenDelayMs);
  const write = async (text: string | Buffer, pause: boolean): Promise<boolean> => {
    if (pause && reply.tokenDelayMs) await sleep(reply.tokenDelayMs);
    if (res.destroyed) return false;
    // Wait until the bytes reach the socket, so a `drop` right after cannot discard them.
    await new Promise<void>((resolve) => res.write(text, () => resolve()));
    return true;
  };

  if (reply.raw) {
    for (const [i, piece] of reply.raw.entries()) if (!(await write(piece, i > 0))) return;
    return void res.end();
  }

  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    })}\n\n`;
  if (!(await write(chunk({ role: 'assistant', content: '' }, null), false))) return;
  for (const [i, token] of tokens.entries()) if (!(await write(chunk({ content: token }, null), i > 0))) return;
  if (end === 'hang') return;
  if (end === 'drop') {
    // A pause first, so the client has surely read the tokens before the connection breaks (an errored body
    // stream may discard chunks not yet read).
    await sleep(100);
    return void req.socket.destroy();
  }
  if (end === 'close') return void res.end();
  if (!(await write(chunk({}, finishReason), true))) return;
  const wantsUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  if (usage && wantsUsage) {
    const last = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', model, choices: [], usage };
    if (!(await write(`data: ${JSON.stringify(last)}\n\n`, false))) return;
  }
  res.end('data: [DONE]\n\n');
}
