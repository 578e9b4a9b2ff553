/**
 * Prometheus metrics for the server, on a registry of its own (so two servers in one process never collide):
 * requests and their latency by method, route pattern and status; search latency by operation; documents and
 * chunks ingested; and, read from the store at scrape time, segments per collection and state.
 */

import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { Collection } from '../store/collection/collection.js';
import type { DatabaseApi } from '../store/collection/collection-api.js';
import type { ServerMetrics } from './context.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class PrometheusMetrics implements ServerMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'quiver_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: 'quiver_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #search = new Histogram({
    name: 'quiver_search_duration_seconds',
    help: 'Search-like operations (search, ask, hybrid_search, ...) and how long they took',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #documents = new Counter({
    name: 'quiver_ingest_documents_total',
    help: 'Documents written by ingest requests',
    registers: [this.registry],
  });
  readonly #chunks = new Counter({
    name: 'quiver_ingest_chunks_total',
    help: 'Chunks written by ingest requests',
    registers: [this.registry],
  });
  readonly #ingestSeconds = new Counter({
    name: 'quiver_ingest_seconds_total',
    help: 'Time spent in ingest requests; chunks_total over this is the ingest rate',
    registers: [this.registry],
  });

  constructor(db: DatabaseApi, options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'quiver_' });
    new Gauge({
      name: 'quiver_segments',
      help: 'Segments per collection and state (growing, sealed, ...), read at scrape time',
      labelNames: ['collection', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const name of await db.listCollections().catch(() => [] as string[])) {
          const collection = await db.collection(name).catch(() => undefined);
          if (!collection) continue; // dropped since it was listed
          if (!(collection instanceof Collection)) continue; // cluster segments are reported by the nodes
          const stats = collection.stats();
          const byState = new Map<string, number>();
          for (const s of stats.segments) byState.set(s.state, (byState.get(s.state) ?? 0) + 1);
          for (const [state, n] of byState) this.set({ collection: name, state }, n);
        }
      },
    });
  }

  observeSearch(operation: string, seconds: number): void {
    this.#search.observe({ operation }, seconds);
  }

  observeIngest(documents: number, chunks: number, seconds: number): void {
    this.#documents.inc(documents);
    this.#chunks.inc(chunks);
    this.#ingestSeconds.inc(seconds);
  }

  /** Counts and times every request, labelled by the route pattern that matched (never the raw URL). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const began = process.hrtime.bigint();
      // 'close' also fires when the client leaves mid-response (a dropped stream); that is counted as 499.
      res.once('close', () => {
        const path = req.route?.path;
        const route = typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
        const seconds = Number(process.hrtime.bigint() - began) / 1e9;
        const status = res.writableFinished ? String(res.statusCode) : '499';
        const labels = { method: req.method, route, status };
        this.#requests.inc(labels);
        this.#latency.observe(labels, seconds);
      });
      next();
    };
  }
}
