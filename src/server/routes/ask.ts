/**
 * `POST /ask`: the RAG loop over HTTP. JSON by default (the answer object); with `Accept: text/event-stream`, an SSE
 * stream of `token` events, then one `citations`, then one `done` carrying the answer object, or an `error` event
 * if something fails once the stream has begun. A bad request (body, collection, filter) fails before the stream
 * starts, with a JSON 4xx. When the client goes away the question is cancelled, which also cancels an upstream LLM
 * request.
 */

import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { type AskEvent, type AskOptions, ask, askStream } from '../../ask/ask.js';
import { QuiverError } from '../../errors.js';
import { compileFilter } from '../../store/index.js';
import type { ServerContext } from '../context.js';
import { toErrorResponse } from '../http-errors.js';
import { documentRoute } from '../openapi.js';
import { requireScope } from '../scopes.js';
import { SseWriter } from '../sse-writer.js';
import { parseRequest } from '../validate.js';

export const askBody = z.strictObject({
  question: z.string().trim().min(1).max(4096),
  collection: z.string().min(1).max(255).optional(),
  k: z.int().min(1).max(100).optional(),
  filter: z.string().max(65_536).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  mode: z.enum(['hybrid', 'dense', 'bm25']).optional(),
  maxChunksPerDocument: z.int().min(1).optional(),
  neighbours: z.int().min(0).max(5).optional(),
  maxContextTokens: z.int().min(50).max(1_000_000).optional(),
});

const citation = {
  type: 'object',
  properties: {
    n: { type: 'integer' },
    id: { type: 'string', description: 'primary key of the first chunk of the source' },
    docId: { type: 'string' },
    source: { type: 'string' },
    title: { type: 'string' },
    headings: { type: 'array', items: { type: 'string' } },
    page: { type: ['integer', 'null'] },
    start: { type: ['integer', 'null'], description: 'offset of text in the document' },
    end: { type: ['integer', 'null'] },
    score: { type: 'number' },
    text: { type: 'string' },
    quotes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          start: { type: ['integer', 'null'] },
          end: { type: ['integer', 'null'] },
          text: { type: 'string' },
        },
      },
    },
  },
};

documentRoute({
  method: 'post',
  path: '/ask',
  summary:
    'Answer a question with [n] citations. Send Accept: text/event-stream for SSE events token, citations, done, error',
  tag: 'rag',
  scope: 'read',
  body: askBody,
  sse: true,
  response: {
    type: 'object',
    properties: {
      answer: { type: 'string' },
      citations: { type: 'array', items: citation },
      usage: {
        type: 'object',
        properties: { promptTokens: { type: 'integer' }, completionTokens: { type: 'integer' } },
      },
      timings: {
        type: 'object',
        properties: { retrieveMs: { type: 'number' }, generateMs: { type: 'number' }, totalMs: { type: 'number' } },
      },
      invalidCitations: { type: 'array', items: { type: 'integer' } },
    },
  },
});

export interface AskRouteOptions {
  /** How often an idle stream sends a comment to keep proxies from closing it. Default 15 s. */
  heartbeatMs?: number;
  /** Where failures after a stream began are logged (5xx only, as the error handler does). Default console.error. */
  log?: (message: string, err: unknown) => void;
}

export function askRoutes(ctx: ServerContext, options: AskRouteOptions = {}): Router {
  const log = options.log ?? console.error;
  const router = Router();
  router.post(
    '/ask',
    requireScope('read'),
    ctx.inFlight.track(async (req, res) => {
      const { question, collection, ...given } = parseRequest(askBody, req.body);
      const rag = await ctx.rag(collection);
      if (given.filter !== undefined) {
        // Compiling checks syntax, fields, types and params without reading a row, so a bad filter is a plain 400
        // here rather than an error event once the stream has begun.
        const { fields, dynamic } = rag.collection.describe();
        compileFilter(given.filter, { fields, dynamic }, given.params);
      }
      const controller = new AbortController();
      // The response's 'close' (not the request's, which fires once the body is read) says the client went away.
      res.on('close', () => {
        if (!res.writableFinished) controller.abort(new QuiverError('ABORTED', 'the client disconnected'));
      });
      const askOptions: AskOptions = { ...rag.defaults, ...given, signal: controller.signal };
      const began = performance.now();
      const observe = () => ctx.metrics.observeSearch('ask', (performance.now() - began) / 1000);
      if (!wantsStream(req)) {
        const answer = await ask(rag.components, question, askOptions);
        observe();
        res.json(answer);
        return;
      }
      const events = askStream(rag.components, question, askOptions);
      await streamAnswer(res, events, observe, { heartbeatMs: options.heartbeatMs, log });
    }),
  );
  return router;
}

function wantsStream(req: Request): boolean {
  return req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream';
}

/** The events as SSE; a failure once the stream has begun becomes an `error` event, then the stream ends. */
async function streamAnswer(
  res: Response,
  events: AsyncGenerator<AskEvent, void, undefined>,
  observe: () => void,
  options: { heartbeatMs?: number; log: NonNullable<AskRouteOptions['log']> },
): Promise<void> {
  const sse = new SseWriter(res, { heartbeatMs: options.heartbeatMs });
  try {
    for (let next = await events.next(); !next.done && !sse.closed; next = await events.next()) {
      const event = next.value;
      if (event.type === 'token') await sse.send('token', { text: event.text });
      else if (event.type === 'citations') await sse.send('citations', { citations: event.citations });
      else {
        observe();
        await sse.send('done', event.answer);
      }
    }
  } catch (err) {
    // A client that left is the usual cause (ABORTED), and then there is no one to tell.
    if (!sse.closed) {
      const { status, body } = toErrorResponse(err);
      if (status >= 500)
        options.log(`${body.error.code} during an /ask stream: ${(err as Error)?.message ?? err}`, err);
      await sse.send('error', body.error);
    }
  } finally {
    // Ends the generator (and with it any upstream request) when the loop stopped early.
    await events.return();
    sse.end();
  }
}
