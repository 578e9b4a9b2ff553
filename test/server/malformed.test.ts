/**
 * Hostile and broken requests against the whole server, with API keys on: bad JSON, wrong types, missing and
 * unknown fields, huge bodies, bad filters, wrong or missing keys, a read key on write routes, path traversal in
 * /ingest, wrong content types, bad vectors. Every one must get a 4xx JSON error with a code, and afterwards the
 * server still answers and the data is exactly as before.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = 'Bearer admin-secret';
const READER = 'Bearer reader-secret';

let server: TestServer;
let root: string;
let snapshot: () => Promise<unknown>;
let before: unknown;

beforeAll(async () => {
  server = await startTestServer({
    bodyLimit: 64 * 1024,
    uploadLimit: 16 * 1024,
    apiKeys: [
      { key: 'admin-secret', scopes: ['read', 'write'] },
      { key: 'reader-secret', scopes: ['read'] },
    ],
  });
  root = join(server.corpus.src, '..', 'allowed');
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'ok.txt'), 'fine');
  server.ctx.ingestRoots = [root];
  snapshot = async () => {
    const c = server.corpus.collection;
    const rows = await c.query({ outputFields: ['doc_id', 'doc_hash', 'chunk_index', 'text'] });
    return { collections: await server.corpus.db.listCollections(), count: await c.count(), rows };
  };
  before = await snapshot();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

interface Case {
  name: string;
  method?: string;
  path: string;
  auth?: string | null;
  contentType?: string | null;
  body?: string | FormData;
  status: number;
  code: string;
}

const json = (v: unknown) => JSON.stringify(v);
const big = (bytes: number) => json({ question: 'x'.repeat(bytes) });
const upload = (name: string, content: string | Uint8Array) => {
  const form = new FormData();
  form.append('file', new Blob([content]), name);
  return form;
};

const cases: Case[] = [
  // Authentication and scopes
  {
    name: 'no API key',
    path: '/ask',
    auth: null,
    body: json({ question: 'tides?' }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'a wrong API key',
    path: '/ask',
    auth: 'Bearer nope',
    body: json({ question: 'q' }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'a Basic header',
    path: '/search',
    auth: 'Basic YWRtaW46c2VjcmV0',
    body: json({ query: 'q' }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'an empty Bearer',
    path: '/search',
    auth: 'Bearer ',
    body: json({ query: 'q' }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'a key with extra words',
    path: '/search',
    auth: `${ADMIN} extra`,
    body: json({ query: 'q' }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'read key: insert',
    path: '/collections/chunks/insert',
    auth: READER,
    body: json({ rows: [{ id: 'x' }] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'read key: delete',
    path: '/collections/chunks/delete',
    auth: READER,
    body: json({ filter: 'chunk_index >= 0' }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'read key: drop',
    method: 'DELETE',
    path: '/collections/chunks',
    auth: READER,
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'read key: create',
    path: '/collections',
    auth: READER,
    body: json({ name: 'x', schema: { fields: [] } }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'read key: ingest',
    path: '/ingest',
    auth: READER,
    body: json({ paths: ['ROOT'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'read key: Milvus drop',
    path: '/v2/vectordb/collections/drop',
    auth: READER,
    body: json({ collectionName: 'chunks' }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'read key: Milvus delete',
    path: '/v2/vectordb/entities/delete',
    auth: READER,
    body: json({ collectionName: 'chunks', filter: 'chunk_index >= 0' }),
    status: 403,
    code: 'FORBIDDEN',
  },
  // Broken bodies
  { name: 'truncated JSON', path: '/ask', body: '{"question": "ti', status: 400, code: 'INVALID_ARGUMENT' },
  {
    name: 'JSON with a trailing comma',
    path: '/search',
    body: '{"query": "x",}',
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  { name: 'a JSON array body', path: '/ask', body: '["tides?"]', status: 400, code: 'INVALID_ARGUMENT' },
  { name: 'a JSON string body', path: '/search', body: '"tides"', status: 400, code: 'INVALID_ARGUMENT' },
  { name: 'an empty JSON body', path: '/ask', body: '', status: 400, code: 'INVALID_ARGUMENT' },
  { name: 'a body over the limit', path: '/ask', body: big(100 * 1024), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  {
    name: 'a huge upload',
    path: '/ingest',
    contentType: null,
    body: upload('big.txt', 'y'.repeat(32 * 1024)),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'a text/plain body',
    path: '/ask',
    contentType: 'text/plain',
    body: 'tides?',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form-encoded body',
    path: '/search',
    contentType: 'application/x-www-form-urlencoded',
    body: 'query=x',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'broken multipart',
    path: '/ingest',
    contentType: 'multipart/form-data; boundary=zzz',
    body: '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc',
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  // Wrong types and values
  { name: 'question is a number', path: '/ask', body: json({ question: 42 }), status: 400, code: 'INVALID_ARGUMENT' },
  { name: 'question is empty', path: '/ask', body: json({ question: '' }), status: 400, code: 'INVALID_ARGUMENT' },
  {
    name: 'question is too long',
    path: '/ask',
    body: json({ question: 'q'.repeat(5000) }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  { name: 'k is a string', path: '/search', body: json({ query: 'q', k: '5' }), status: 400, code: 'INVALID_ARGUMENT' },
  { name: 'k is negative', path: '/search', body: json({ query: 'q', k: -1 }), status: 400, code: 'INVALID_ARGUMENT' },
  {
    name: 'k is fractional',
    path: '/search',
    body: json({ query: 'q', k: 2.5 }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'an unknown mode',
    path: '/search',
    body: json({ query: 'q', mode: 'magic' }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'an unknown field',
    path: '/ask',
    body: json({ question: 'q', temperature: 2 }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'params not an object',
    path: '/search',
    body: json({ query: 'q', filter: 'page == {p}', params: [1] }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  // Filters
  {
    name: 'a filter syntax error',
    path: '/search',
    body: json({ query: 'q', filter: 'source ==' }),
    status: 400,
    code: 'FILTER_SYNTAX',
  },
  {
    name: 'a filter on an unknown field',
    path: '/collections/chunks/query',
    body: json({ filter: 'nope > 1' }),
    status: 400,
    code: 'FIELD_NOT_FOUND',
  },
  {
    name: 'a filter type error',
    path: '/collections/chunks/query',
    body: json({ filter: 'chunk_index like "a%"' }),
    status: 400,
    code: 'FILTER_TYPE',
  },
  {
    name: 'a missing filter param',
    path: '/ask',
    body: json({ question: 'q', filter: 'chunk_index > {n}' }),
    status: 400,
    code: 'FILTER_PARAM',
  },
  {
    name: 'an unclosed string in a filter',
    path: '/collections/chunks/count',
    body: json({ filter: 'source == "abc' }),
    status: 400,
    code: 'FILTER_SYNTAX',
  },
  // Data
  {
    name: 'a vector of the wrong dimension',
    path: '/collections/chunks/search',
    body: json({ vector: [1, 2, 3] }),
    status: 400,
    code: 'DIMENSION_MISMATCH',
  },
  {
    name: 'a vector with a string',
    path: '/collections/chunks/search',
    body: json({ vector: [1, 'a'] }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'rows that miss required fields',
    path: '/collections/chunks/insert',
    body: json({ rows: [{ id: 'x' }] }),
    status: 400,
    code: 'MISSING_FIELD',
  },
  {
    name: 'an unknown collection',
    path: '/collections/ghost/query',
    body: json({}),
    status: 404,
    code: 'COLLECTION_NOT_FOUND',
  },
  {
    name: 'ask an unknown collection',
    path: '/ask',
    body: json({ question: 'q', collection: 'ghost' }),
    status: 404,
    code: 'COLLECTION_NOT_FOUND',
  },
  {
    name: 'a bad collection name',
    path: '/collections',
    body: json({ name: '../../x', schema: { fields: [] } }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'an empty schema',
    path: '/collections',
    body: json({ name: 'empty', schema: { fields: [] } }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  // Ingest paths
  {
    name: 'ingest ../../etc/passwd',
    path: '/ingest',
    body: json({ paths: ['../../etc/passwd'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest /etc/passwd',
    path: '/ingest',
    body: json({ paths: ['/etc/passwd'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest .. out of the root',
    path: '/ingest',
    body: json({ paths: ['ROOT/../../../../etc/hostname'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest with a NUL in the path',
    path: '/ingest',
    body: json({ paths: ['ROOT/ok.txt\u0000.md'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest paths not an array',
    path: '/ingest',
    body: json({ paths: 'ROOT' }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'an upload named ..',
    path: '/ingest',
    contentType: null,
    body: upload('..', 'text'),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  // Routing
  { name: 'an unknown route', method: 'GET', path: '/admin', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'a wrong method', method: 'GET', path: '/ask', status: 404, code: 'ROUTE_NOT_FOUND' },
  {
    name: 'an unknown Milvus operation',
    path: '/v2/vectordb/entities/explode',
    body: json({ collectionName: 'chunks' }),
    status: 404,
    code: 'ROUTE_NOT_FOUND',
  },
];

async function send(c: Case): Promise<Response> {
  const headers: Record<string, string> = {};
  const auth = c.auth === undefined ? ADMIN : c.auth;
  if (auth !== null) headers.authorization = auth;
  const contentType = c.contentType === undefined ? 'application/json' : c.contentType;
  if (contentType !== null && !(c.body instanceof FormData)) headers['content-type'] = contentType;
  const body = typeof c.body === 'string' ? c.body.replaceAll('ROOT', root) : c.body;
  return fetch(`${server.url}${c.path}`, { method: c.method ?? 'POST', headers, body });
}

describe('malformed, oversized and unauthorized requests', () => {
  test('there are at least 40 of them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await send(c);
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as {
      error?: { code: string; message: string };
      quiverCode?: string;
      code?: number;
    };
    // The Milvus routes answer in their own envelope, with Quiver's code beside Milvus's number.
    const code = body.error?.code ?? body.quiverCode;
    expect(code).toBe(c.code);
    expect(body.error?.message ?? (body as { message?: string }).message).toBeTruthy();
  });

  test('afterwards the server still serves, and the data is unchanged', async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const answer = await fetch(`${server.url}/ask`, {
      method: 'POST',
      headers: { authorization: READER, 'content-type': 'application/json' },
      body: json({ question: 'What causes the tides?' }),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { answer: string }).answer).toContain('gravitational pull of the Moon');
    expect(await snapshot()).toEqual(before);
  });
});
