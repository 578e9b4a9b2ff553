/**
 * `/metrics` after real traffic: requests counted and timed by method, route pattern (never the raw URL) and
 * status; searches timed by operation; uploads counted as documents and chunks; segments gauged per collection
 * and state at scrape time. Each server has its own registry, so two in one process count apart.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { slowTokens, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let other: TestServer;
beforeAll(async () => {
  [server, other] = await Promise.all([startTestServer(), startTestServer()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([server?.stop(), other?.stop()]);
});

const post = (s: TestServer, path: string, body: unknown) =>
  fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
const scrape = async (s: TestServer) => {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};
/** The value of one sample, by its exact name and label set; undefined when absent. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('/metrics', () => {
  beforeAll(async () => {
    expect(await post(server, '/search', { query: 'What causes the tides?' })).toBe(200);
    expect(await post(server, '/search', { query: 'sourdough', k: 2 })).toBe(200);
    expect(await post(server, '/search', { query: 'x', filter: 'chunk_index ==' })).toBe(400);
    expect(await post(server, '/collections/chunks/count', {})).toBe(200);
    expect(await post(server, '/collections/chunks/count', { filter: 'nope > 1' })).toBe(400);
    expect(await post(server, '/collections/ghost/count', {})).toBe(404);
    expect(await post(server, '/v2/vectordb/collections/list', {})).toBe(200);
    for (const path of ['/no/such/route/1', '/no/such/route/2', '/no/such/route/3']) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(404);
    }
  }, 60_000);

  test('requests are counted by method, route pattern and status', async () => {
    const text = await scrape(server);
    const count = (route: string, status: number, method = 'POST') =>
      sample(text, `quiver_http_requests_total{method="${method}",route="${route}",status="${status}"}`);
    expect(count('/search', 200)).toBe(2);
    expect(count('/search', 400)).toBe(1);
    expect(count('/collections/:name/count', 200)).toBe(1);
    expect(count('/collections/:name/count', 400)).toBe(1);
    expect(count('/collections/:name/count', 404)).toBe(1);
    expect(count('/v2/vectordb/collections/list', 200)).toBe(1);
    // Unknown URLs share one label, so a scan of random paths cannot blow up the series count.
    expect(count('unmatched', 404, 'GET')).toBe(3);
    expect(text).not.toContain('/no/such/route');
    expect(text).not.toContain('ghost');
    expect(text).not.toContain('chunks/count');
  });

  test('request latency is a histogram with the same labels', async () => {
    const text = await scrape(server);
    const labels = 'method="POST",route="/search",status="200"';
    expect(sample(text, `quiver_http_request_duration_seconds_count{${labels}}`)).toBe(2);
    expect(sample(text, `quiver_http_request_duration_seconds_bucket{le="+Inf",${labels}}`)).toBe(2);
    expect(sample(text, `quiver_http_request_duration_seconds_sum{${labels}}`)).toBeGreaterThan(0);
  });

  test('searches are timed by operation', async () => {
    const text = await scrape(server);
    // The failed search (a bad filter) is not a completed search.
    expect(sample(text, 'quiver_search_duration_seconds_count{operation="search"}')).toBe(2);
    expect(sample(text, 'quiver_search_duration_seconds_sum{operation="search"}')).toBeGreaterThan(0);
  });

  test('an upload adds its documents and chunks to the ingest counters', async () => {
    const before = await scrape(server);
    expect(sample(before, 'quiver_ingest_documents_total')).toBe(0);
    expect(sample(before, 'quiver_ingest_chunks_total')).toBe(0);
    const form = new FormData();
    form.append('file', new Blob(['Rye bread is dense because rye flour has little gluten.']), 'rye.txt');
    form.append('file', new Blob(['Baguettes are long and thin.']), 'baguette.txt');
    const res = await fetch(`${server.url}/ingest`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const summary = (await res.json()) as { documents: { written: number }; chunks: { written: number } };
    expect(summary.documents.written).toBe(2);
    const after = await scrape(server);
    expect(sample(after, 'quiver_ingest_documents_total')).toBe(2);
    expect(sample(after, 'quiver_ingest_chunks_total')).toBe(summary.chunks.written);
    expect(summary.chunks.written).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'quiver_ingest_seconds_total')).toBeGreaterThan(0);
  });

  test('segments are gauged per collection and state, read from the store at scrape time', async () => {
    const stats = server.corpus.collection.stats();
    const expected = new Map<string, number>();
    for (const s of stats.segments) expected.set(s.state, (expected.get(s.state) ?? 0) + 1);
    expect(expected.size).toBeGreaterThan(0);
    const text = await scrape(server);
    for (const [state, n] of expected) {
      expect(sample(text, `quiver_segments{collection="chunks",state="${state}"}`), state).toBe(n);
    }
  });

  test('process metrics are there, under the quiver_ prefix', async () => {
    const text = await scrape(server);
    expect(sample(text, 'quiver_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test('another server in the same process keeps its own counts', async () => {
    const text = await scrape(other);
    expect(sample(text, 'quiver_http_requests_total{method="POST",route="/search",status="200"}')).toBeUndefined();
    expect(sample(text, 'quiver_search_duration_seconds_count{operation="search"}')).toBeUndefined();
    expect(await post(other, '/search', { query: 'tides' })).toBe(200);
    const after = await scrape(other);
    expect(sample(after, 'quiver_http_requests_total{method="POST",route="/search",status="200"}')).toBe(1);
    expect(sample(await scrape(server), 'quiver_http_requests_total{method="POST",route="/search",status="200"}')).toBe(
      2,
    );
  });

  test('a client that leaves mid-stream is counted as 499, not as a success', async () => {
    const slow = await startTestServer({ generator: (g) => slowTokens(g, 200) });
    try {
      const client = new AbortController();
      const res = await fetch(`${slow.url}/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ question: 'What causes the tides?' }),
        signal: client.signal,
      });
      expect(res.status).toBe(200);
      // Leave once the stream has begun, well before the slow answer could end.
      await res.body!.getReader().read();
      client.abort();
      await expect
        .poll(async () =>
          sample(await scrape(slow), 'quiver_http_requests_total{method="POST",route="/ask",status="499"}'),
        )
        .toBe(1);
      const text = await scrape(slow);
      expect(sample(text, 'quiver_http_requests_total{method="POST",route="/ask",status="200"}')).toBeUndefined();
    } finally {
      await slow.stop();
    }
  }, 60_000);
});
