/**
 * The server's HTTP behaviour around the routes: CORS, request ids, body limits and content types, JSON 404s,
 * /health, and an OpenAPI document that lists every route the app mounts. API keys are in auth.test.ts and
 * metrics in metrics.test.ts.
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

describe('request ids', () => {
  test('every response carries an X-Request-Id, a fresh one per request', async () => {
    const server = await serve();
    const a = (await fetch(`${server.url}/health`)).headers.get('x-request-id');
    const b = (await fetch(`${server.url}/nothing`)).headers.get('x-request-id');
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  test("a caller's plain id is echoed; one with odd characters is replaced", async () => {
    const server = await serve();
    const kept = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'lb-7f3a.42:1' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.42:1');
    const odd = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const long = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'x'.repeat(500) } });
    expect(long.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a CORS response lets the page read the id; preflight needs no API key', async () => {
    const server = await serve({ cors: ['https://app.example'], apiKeys: [{ key: 'k', scopes: ['read'] }] });
    const res = await fetch(`${server.url}/health`, { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    const preflight = await fetch(`${server.url}/search`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });
});

describe('routing and health', () => {
  test('a known path with the wrong method is a JSON 404 too', async () => {
    const server = await serve();
    const res = await fetch(`${server.url}/search`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND', message: 'no route for GET /search' } });
  });

  test('health counts collections as they come and go, and reports uptime in seconds', async () => {
    const server = await serve();
    const health = async () =>
      (await (await fetch(`${server.url}/health`)).json()) as {
        status: string;
        collections: number;
        uptimeSeconds: number;
      };
    const before = await health();
    expect(before.status).toBe('ok');
    expect(Number.isInteger(before.uptimeSeconds)).toBe(true);
    expect(before.uptimeSeconds).toBeGreaterThanOrEqual(0);
    await db.createCollection('extra', {
      fields: [
        { name: 'id', type: 'int', primary: true },
        { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
      ],
    });
    try {
      expect((await health()).collections).toBe(before.collections + 1);
    } finally {
      await db.dropCollection('extra');
    }
    expect((await health()).collections).toBe(before.collections);
  });
});

interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: unknown;
        security?: unknown[];
        parameters?: { name: string; in: string }[];
        responses: Record<string, { content?: Record<string, unknown> }>;
      }
    >
  >;
}

/** Every `METHOD path` the app's routers mount, in OpenAPI's `{param}` spelling. */
function mountedRoutes(app: unknown): string[] {
  type Layer = {
    route?: { path: string; methods: Record<string, boolean> };
    slash?: boolean;
    handle?: { stack?: Layer[] };
  };
  const found: string[] = [];
  for (const layer of (app as { router: { stack: Layer[] } }).router.stack) {
    if (!layer.handle?.stack) continue;
    // The one router mounted under a prefix is the Milvus API (see createApp).
    const prefix = layer.slash ? '' : '/v2/vectordb';
    for (const inner of layer.handle.stack) {
      if (!inner.route) continue;
      for (const method of Object.keys(inner.route.methods)) {
        found.push(`${method} ${prefix}${inner.route.path.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
  }
  return found.sort();
}

describe('OpenAPI', () => {
  let server: RunningServer;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    server = await serve();
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = JSON.parse(await res.text()) as OpenApiDoc;
  });

  test('documents exactly the routes the app mounts, the Milvus operations and the page included', () => {
    expect(doc.openapi).toBe('3.1.0');
    const mounted = mountedRoutes(server.app);
    expect(mounted).toEqual(expect.arrayContaining(['post /search', 'post /v2/vectordb/entities/search']));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    // The page is served by static middleware rather than a route, so it is the one addition.
    expect(documented.sort()).toEqual([...mounted, 'get /'].sort());
  });

  test('request schemas, scopes, path parameters and the error body are described', () => {
    const ask = doc.paths['/ask']!.post!;
    expect(JSON.stringify(ask.requestBody)).toContain('"question"');
    expect(ask.security).toEqual([{ bearer: ['read'] }]);
    expect(Object.keys(ask.responses['200']!.content!)).toContain('text/event-stream');
    expect(JSON.stringify(doc.paths['/search']!.post!.requestBody)).toContain('"maxChunksPerDocument"');
    expect(doc.paths['/collections']!.post!.security).toEqual([{ bearer: ['write'] }]);
    expect(doc.paths['/ingest']!.post!.security).toEqual([{ bearer: ['write'] }]);
    expect(doc.paths['/health']!.get!.security).toEqual([]);
    expect(Object.keys(doc.paths['/metrics']!.get!.responses['200']!.content!)).toEqual(['text/plain']);
    for (const [path, ops] of Object.entries(doc.paths)) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect((op.parameters ?? []).map((p) => p.name).sort(), where).toEqual(params.sort());
        expect(JSON.stringify(op.responses['4XX']), where).toContain('"code"');
      }
    }
  });
});
