/**
 * `POST /search`: a text query through the Retriever (hybrid dense + BM25 by default), over the pipeline's
 * collection or the one named. Answers `{ hits }`, each a chunk with its source, offsets and per-method scores.
 */

import { Router } from 'express';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { documentRoute } from '../openapi.js';
import { requireScope } from '../scopes.js';
import { parseRequest } from '../validate.js';

export const searchBody = z.strictObject({
  query: z.string().trim().min(1).max(4096),
  collection: z.string().min(1).max(255).optional(),
  k: z.int().min(1).max(1000).default(10),
  filter: z.string().max(65_536).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  partitions: z.array(z.string().min(1)).max(1024).optional(),
  mode: z.enum(['hybrid', 'dense', 'bm25']).default('hybrid'),
  maxChunksPerDocument: z.int().min(1).optional(),
  mmr: z.strictObject({ lambda: z.number().min(0).max(1).optional(), fetchK: z.int().min(1).optional() }).optional(),
});

documentRoute({
  method: 'post',
  path: '/search',
  summary: 'Retrieve the chunks that best match a text query (hybrid dense + BM25 by default)',
  tag: 'rag',
  scope: 'read',
  body: searchBody,
  response: {
    type: 'object',
    properties: {
      hits: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            text: { type: 'string' },
            docId: { type: 'string' },
            source: { type: 'string' },
            title: { type: 'string' },
            chunkIndex: { type: 'integer' },
            score: { type: 'number' },
            scores: { type: 'object', properties: { dense: { type: 'number' }, bm25: { type: 'number' } } },
            fields: { type: 'object', description: 'start, end, page, headings, metadata, ...' },
          },
        },
      },
    },
  },
});

export function searchRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.post(
    '/search',
    requireScope('read'),
    ctx.inFlight.track(async (req, res) => {
      const { query, collection, ...options } = parseRequest(searchBody, req.body);
      const began = performance.now();
      const rag = await ctx.rag(collection);
      const hits = await rag.components.retriever.retrieve(query, options);
      ctx.metrics.observeSearch('search', (performance.now() - began) / 1000);
      res.json({ hits });
    }),
  );
  return router;
}
