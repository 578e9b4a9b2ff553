/**
 * API keys and scopes over the whole app: a missing, malformed or unknown key is 401 with `WWW-Authenticate:
 * Bearer`; a read key reads but gets 403 on writes (ingest, collection create, inserts, Milvus writes) and
 * changes nothing; the operational routes and the page need no key; with no keys configured everything is open.
 * `quiver serve` resolves keys from the variables the pipeline names and refuses to start when one is unset.
 */

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveApiKeys } from '../../src/cli/serve-command.js';
import { QuiverError } from '../../src/errors.js';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const READ = { authorization: 'Bearer reader-key' };
const WRITE_ONLY = { authorization: 'Bearer writer-key' };
const ADMIN = { authorization: 'Bearer admin-key' };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    apiKeys: [
      { key: 'reader-key', scopes: ['read'] },
      { key: 'writer-key', scopes: ['write'] },
      { key: 'admin-key', scopes: ['read', 'write'] },
    ],
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const search = (headers: Record<string, string>) => post('/search', { query: 'What causes the tides?' }, headers);
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('keys', () => {
  const refused: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['an unknown key', { authorization: 'Bearer wrong-key' }],
    ['a known key with one character changed', { authorization: 'Bearer reader-kez' }],
    ['a prefix of a known key', { authorization: 'Bearer reader' }],
    ['a very long key', { authorization: `Bearer ${'k'.repeat(8000)}` }],
    ['the key without the Bearer scheme', { authorization: 'reader-key' }],
    ['Basic credentials', { authorization: `Basic ${Buffer.from('x:reader-key').toString('base64')}` }],
    ['an empty Bearer', { authorization: 'Bearer ' }],
  ];
  test.each(refused)('%s: 401 UNAUTHORIZED with WWW-Authenticate: Bearer', async (_name, headers) => {
    const res = await search(headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    const error = await errorOf(res);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).not.toContain('reader-key');
  });

  test('a known key is accepted, whatever the case of the scheme', async () => {
    const res = await search(READ);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { hits: unknown[] }).hits.length).toBeGreaterThan(0);
    expect((await search({ authorization: 'bearer reader-key' })).status).toBe(200);
  });

  test('an unknown route without a key is 401, so routes cannot be probed without one', async () => {
    const res = await fetch(`${server.url}/admin/secrets`);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('UNAUTHORIZED');
  });
});

describe('scopes', () => {
  test('a read key gets 403 FORBIDDEN on every write route, and nothing changes', async () => {
    const before = await server.corpus.collection.count();
    const collectionsBefore = await server.corpus.db.listCollections();
    const form = new FormData();
    form.append('file', new Blob(['Rye bread is dense.']), 'rye.txt');
    const writes: Response[] = [
      await fetch(`${server.url}/ingest`, { method: 'POST', headers: READ, body: form }),
      await post('/ingest', { paths: ['/tmp'] }, READ),
      await post(
        '/collections',
        { name: 'made', schema: { fields: [{ name: 'id', type: 'int', primary: true }] } },
        READ,
      ),
      await fetch(`${server.url}/collections/chunks`, { method: 'DELETE', headers: READ }),
      await post('/collections/chunks/delete', { filter: 'chunk_index >= 0' }, READ),
      await post('/v2/vectordb/collections/drop', { collectionName: 'chunks' }, READ),
    ];
    for (const res of writes) {
      expect(res.status, res.url).toBe(403);
      const body = (await res.json()) as { error?: { code: string }; code?: number };
      // The Milvus API answers in Milvus's envelope, with its "privilege not permitted" number.
      if (res.url.includes('/v2/vectordb/')) expect(body.code, res.url).toBe(1401);
      else expect(body.error?.code, res.url).toBe('FORBIDDEN');
    }
    expect(await server.corpus.collection.count()).toBe(before);
    expect(await server.corpus.db.listCollections()).toEqual(collectionsBefore);
  });

  test('a write-only key cannot read: 403 on /search naming the scope', async () => {
    const res = await search(WRITE_ONLY);
    expect(res.status).toBe(403);
    const error = await errorOf(res);
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('"read"');
  });

  test('a key with both scopes reads and writes', async () => {
    expect((await search(ADMIN)).status).toBe(200);
    const schema = {
      fields: [
        { name: 'id', type: 'int', primary: true },
        { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
      ],
    };
    expect((await post('/collections', { name: 'scratch', schema }, ADMIN)).status).toBe(201);
    const dropped = await fetch(`${server.url}/collections/scratch`, { method: 'DELETE', headers: ADMIN });
    expect(dropped.status).toBe(200);
  });
});

describe('public routes', () => {
  test('health, metrics, OpenAPI, the page and its assets need no key', async () => {
    for (const path of ['/health', '/metrics', '/openapi.json', '/', '/app.js', '/style.css']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
  });
});

describe('no keys configured', () => {
  test('every route is open', async () => {
    const open = await startTestServer();
    try {
      const res = await fetch(`${open.url}/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'sourdough' }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('www-authenticate')).toBeNull();
    } finally {
      await open.stop();
    }
  }, 60_000);
});

describe('keys from the pipeline', () => {
  const server = (apiKeys: unknown) => pipelineSchema.parse({ server: { apiKeys } }).server;

  test('each keyEnv is read from the environment', () => {
    process.env.QUIVER_TEST_READ_KEY = 'r-123';
    process.env.QUIVER_TEST_ADMIN_KEY = 'a-456';
    try {
      const keys = resolveApiKeys(
        server([
          { keyEnv: 'QUIVER_TEST_READ_KEY', scopes: ['read'] },
          { keyEnv: 'QUIVER_TEST_ADMIN_KEY', scopes: ['read', 'write'] },
        ]),
      );
      expect(keys).toEqual([
        { key: 'r-123', scopes: ['read'] },
        { key: 'a-456', scopes: ['read', 'write'] },
      ]);
    } finally {
      delete process.env.QUIVER_TEST_READ_KEY;
      delete process.env.QUIVER_TEST_ADMIN_KEY;
    }
  });

  test('an unset or empty variable is CONFIG_INVALID naming it', () => {
    delete process.env.QUIVER_TEST_MISSING_KEY;
    process.env.QUIVER_TEST_EMPTY_KEY = '';
    try {
      for (const name of ['QUIVER_TEST_MISSING_KEY', 'QUIVER_TEST_EMPTY_KEY']) {
        let thrown: unknown;
        try {
          resolveApiKeys(server([{ keyEnv: name, scopes: ['read'] }]));
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(QuiverError);
        expect((thrown as QuiverError).code).toBe('CONFIG_INVALID');
        expect((thrown as QuiverError).message).toContain(name);
      }
    } finally {
      delete process.env.QUIVER_TEST_EMPTY_KEY;
    }
  });

  test('no keys in the pipeline: none resolved, the server is open', () => {
    expect(resolveApiKeys(pipelineSchema.parse({}).server)).toEqual([]);
  });
});
