/**
 * The server's HTTP behaviour around the routes: API keys and scopes, CORS, body limits and content types, JSON
 * 404s, Prometheus metrics labelled by route pattern, and an OpenAPI document that lists every route.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext } from '../../src/server/context.js';
import { type RunningServer, type StartOptions, startServer } from '../../src/server/server.js';
import { Quiver } from '../../src/store/quiver.js';

let dir: string;
let db: Quiver;
const servers: RunningServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-app-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  await db.createCollection('things', {
    fields: [
      { name: 'id', type: 'string', primary: true },
      { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
    ],
  });
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function serve(options: Partial<StartOptions> = {}): Promise<RunningServer> {
  const ctx = createServerContext({ db, config: pipelineSchema.parse({}) });
  const server = await startServer({ port: 0, ...options, ctx });
  servers.push(server);
  return server;
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('API keys', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve({
      apiKeys: [
        { key: 'reader-key', scopes: ['read'] },
        { key: 'admin-key', scopes: ['read', 'write'] },
      ],
    });
  });
  const count = (headers: Record<string, string>) => fetch(`${server.url}/collections/things/count`, json({}, headers));
  const insert = (headers: Record<string, string>) =>
    fetch(`${server.url}/collections/things/insert`, json({ rows: [{ id: 'k', v: [0, 0] }] }, headers));

  test('no key or a wrong key: 401 UNAUTHORIZED with WWW-Authenticate', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: 'Basic cmVhZGVyLWtleQ==' },
    ];
    for (const headers of attempts) {
      const res = await count(headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await errorCode(res)).toBe('UNAUTHORIZED');
    }
  });

  test('a read key reads but cannot write (403 FORBIDDEN); a write key writes', async () => {
    expect((await count({ authorization: 'Bearer reader-key' })).status).toBe(200);
    const refused = await insert({ authorization: 'Bearer reader-key' });
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('FORBIDDEN');
    expect(await (await count({ authorization: 'Bearer reader-key' })).json()).toEqual({ count: 0 });
    expect((await insert({ authorization: 'Bearer admin-key' })).status).toBe(200);
    await fetch(`${server.url}/collections/things/delete`, json({ ids: ['k'] }, { authorization: 'Bearer admin-key' }));
  });

  test('health, metrics, OpenAPI and the page need no key', async () => {
    for (const path of ['/health', '/metrics', '/openapi.json', '/']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
  });
});

describe('CORS', () => {
  test('off by default: no CORS headers', async () => {
    const server = await serve();
    const res = await fetch(`${server.url}/health`, { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('an origin list allows exactly those origins and answers preflight', async () => {
    const server = await serve({ cors: ['https://app.example'] });
    const ok = await fetch(`${server.url}/health`, { headers: { origin: 'https://app.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('vary')).toMatch(/Origin/);
    const other = await fetch(`${server.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/search`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });

  test("'*' allows any origin", async () => {
    const server = await serve({ cors: '*' });
    const res = await fetch(`${server.url}/health`, { headers: { origin: 'https://any.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('requests', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve({ bodyLimit: 2048 });
  });

  test('a body over the limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await fetch(`${server.url}/collections/things/query`, json({ filter: `id == "${'x'.repeat(4096)}"` }));
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
  });

  test('invalid JSON: 400 INVALID_ARGUMENT; a non-JSON body: 415', async () => {
    const bad = await fetch(`${server.url}/collections/things/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"filter": ',
    });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('INVALID_ARGUMENT');
    const text = await fetch(`${server.url}/collections/things/query`, { method: 'POST', body: 'filter=id' });
    expect(text.status).toBe(415);
    expect(await errorCode(text)).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  test('an unknown route: 404 ROUTE_NOT_FOUND as JSON', async () => {
    const res = await fetch(`${server.url}/nothing/here`);
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('ROUTE_NOT_FOUND');
  });

  test('health reports ok and the collections', async () => {
    const body = (await (await fetch(`${server.url}/health`)).json()) as { status: string; collections: number };
    expect(body).toMatchObject({ status: 'ok', collections: 1 });
  });
});

describe('metrics and OpenAPI', () => {
  test('requests are counted by route pattern and status; segments are gauged per collection', async () => {
    const server = await serve();
    await fetch(`${server.url}/collections/things/count`, json({}));
    await fetch(`${server.url}/collections/things/count`, json({ filter: 'id ==' }));
    await fetch(`${server.url}/collections/things/search`, json({ vector: [0, 0], k: 1 }));
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(
      /quiver_http_requests_total\{method="POST",route="\/collections\/:name\/count",status="200"\} 1/,
    );
    expect(text).toMatch(
      /quiver_http_requests_total\{method="POST",route="\/collections\/:name\/count",status="400"\} 1/,
    );
    expect(text).toMatch(
      /quiver_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/collections\/:name\/count"\}/,
    );
    expect(text).toMatch(/quiver_search_duration_seconds_count\{operation="vector_search"\} 1/);
    expect(text).toMatch(/quiver_segments\{collection="things",state="growing"\} \d+/);
    expect(text).toMatch(/quiver_ingest_chunks_total 0/);
    expect(text).not.toMatch(/things\/count/); // never the raw URL
  });

  test('openapi.json lists every route with its request schema', async () => {
    const server = await serve();
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/ask', '/search', '/ingest', '/collections/{name}/query', '/health', '/metrics']) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    const ask = doc.paths['/ask']!.post!;
    expect(JSON.stringify(ask.requestBody)).toContain('"question"');
    expect(ask.security).toEqual([{ bearer: ['read'] }]);
    expect(doc.paths['/collections']!.post!.security).toEqual([{ bearer: ['write'] }]);
  });
});
