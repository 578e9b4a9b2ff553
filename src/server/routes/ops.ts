/**
 * The operational endpoints, open without an API key: `GET /health` (503 while the server drains for shutdown, so a
 * load balancer stops sending), `GET /metrics` in Prometheus text format, and `GET /openapi.json`.
 */

import { Router } from 'express';
import type { ServerContext } from '../context.js';
import type { PrometheusMetrics } from '../metrics.js';
import { documentRoute, openApiDocument } from '../openapi.js';

export interface ServerState {
  /** Set when shutdown begins. */
  draining: boolean;
  startedAt: number;
}

documentRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness and readiness: 200 while serving, 503 while draining for shutdown',
  tag: 'operations',
  response: {
    type: 'object',
    properties: {
      status: { enum: ['ok', 'shutting_down'] },
      collections: { type: 'integer' },
      uptimeSeconds: { type: 'integer' },
    },
  },
});
documentRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness for orchestrators: 200 while the process serves HTTP, whatever its store does',
  tag: 'operations',
});
documentRoute({
  method: 'get',
  path: '/readyz',
  summary:
    'Readiness: 200 when the store answers (in cluster mode: etcd is reachable) within 2 s; 503 otherwise or while draining',
  tag: 'operations',
});
documentRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (text exposition format)',
  tag: 'operations',
  produces: 'text/plain',
  response: { type: 'string' },
});
documentRoute({ method: 'get', path: '/openapi.json', summary: 'This document', tag: 'operations' });
// The page itself is served by the web routes; it is listed here with the other routes that need no key.
documentRoute({
  method: 'get',
  path: '/',
  summary: 'The web page: ask questions and open the cited sources (its scripts and styles sit beside it)',
  tag: 'web',
  produces: 'text/html',
  response: { type: 'string' },
});

export function opsRoutes(ctx: ServerContext, metrics: PrometheusMetrics, state: ServerState): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    if (state.draining) {
      res.status(503).json({ status: 'shutting_down' });
      return;
    }
    res.json({
      status: 'ok',
      collections: (await ctx.db.listCollections()).length,
      uptimeSeconds: Math.round((Date.now() - state.startedAt) / 1000),
    });
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (state.draining) {
      res.status(503).json({ ready: false, reason: 'shutting_down' });
      return;
    }
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer in 2 s')), 2000).unref(),
    );
    try {
      await Promise.race([ctx.db.listCollections(), timeout]);
      res.json({ ready: true });
    } catch (err) {
      res.status(503).json({ ready: false, reason: (err as Error).message });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  return router;
}
