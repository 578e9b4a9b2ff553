/**
 * `POST /ask`: the RAG loop over HTTP. JSON by default (the answer object); with `Accept: text/event-stream`, an SSE
 * stream of `token` events, then one `citations`, then one `done` carrying the answer object, or an `error` event
 * if something fails once the stream has begun. A bad request fails before the stream starts, with a JSON 4xx.
 * When the client goes away, the question is cancelled, which also cancels an upstream LLM request.
 */

import { Router } from 'express';
import { z } from 'zod';
import { type AskOptions, ask, askStream } from '../../ask/ask.js';
import { QuiverError } from '../../errors.js';
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

export function askRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.post(
    '/ask',
    requireScope('read'),
    ctx.inFlight.track(async (req, res) => {
      const { question, collection, ...given } = parseRequest(askBody, req.body);
      const rag = await ctx.rag(collection);
      const controller = new AbortController();
      // 'close' on the response fires when the client disconnects before the answer is complete.
      res.once('close', () => {
        if (!res.writableFinished) controller.abort(new QuiverError('ABORTED', 'the client disconnected'));
      });
      const options: AskOptions = { ...rag.defaults, ...given, signal: controller.signal };
      const began = performance.now();

      if (req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream') {
        // Validate the filter before the stream starts, so a bad one is a plain 400 and not an error event.
        if (options.filter !== undefined)
          await rag.collection.count({ filter: options.filter, params: options.params });
        const sse = new SseWriter(res);
        try {
          for await (const event of askStream(rag.components, question, options)) {
            if (sse.closed) break;
            if (event.type === 'token') await sse.send('token', { text: event.text });
            else if (event.type === 'citations') await sse.send('citations', { citations: event.citations });
            else await sse.send('done', event.answer);
          }
          ctx.metrics.observeSearch('ask', (performance.now() - began) / 1000);
        } catch (err) {
          const { body } = toErrorResponse(err);
          if (!sse.closed) await sse.send('error', body.error);
        } finally {
          sse.end();
        }
        return;
      }

      const answer = await ask(rag.components, question, options);
      ctx.metrics.observeSearch('ask', (performance.now() - began) / 1000);
      res.json(answer);
    }),
  );
  return router;
}
