/**
 * Hostile and broken requests against the whole server, with API keys on: bad JSON, wrong types, missing and
 * unknown fields, huge bodies, bad filters, wrong or missing keys, a read key on write routes, path traversal in
 * /ingest, wrong content types, bad vectors. Every one must get a 4xx JSON error with a code, and afterwards the
 * server still answers and the data is exactly as before.
 */

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = 'Bearer admin-secret';
const READER = 'Bearer reader-secret';

let server: TestServer;
/** The one folder /ingest may read; OUTSIDE holds a file it must not, reachable from ROOT only through links. */
let dir: string;
let root: string;
let outside: string;
/** The collection's vector dimension (the test model's). */
let dim: number;
let snapshot: () => Promise<unknown>;
let before: unknown;
let searchBefore: unknown;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-malformed-'));
  root = join(dir, 'allowed');
  outside = join(dir, 'outside');
  await mkdir(join(root, 'links'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'ok.txt'), 'fine');
  await writeFile(join(outside, 'secret.txt'), 'the secret must never be ingested');
  await symlink(join(outside, 'secret.txt'), join(root, 'links', 'secret-link.txt'));
  await symlink(outside, join(root, 'outside-dir'));
  // A folder whose path starts with the root's: a prefix test that forgets the separator would let it in.
  await mkdir(`${root}-evil`);
  await writeFile(join(`${root}-evil`, 'x.txt'), 'not inside the root');
  server = await startTestServer({
    bodyLimit: 64 * 1024,
    uploadLimit: 16 * 1024,
    ingestRoots: [root],
    apiKeys: [
      { key: 'admin-secret', scopes: ['read', 'write'] },
      { key: 'reader-secret', scopes: ['read'] },
    ],
  });
  snapshot = async () => {
    const c = server.corpus.collection;
    const rows = await c.query({ outputFields: ['doc_id', 'doc_hash', 'chunk_index', 'text'] });
    return { collections: await server.corpus.db.listCollections(), count: await c.count(), rows };
  };
  before = await snapshot();
  dim = server.corpus.collection.describe().fields.find((f) => f.type === 'vector')!.dim!;
  searchBefore = await searchTides();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
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
  /** Fields the error's details must have. */
  details?: Record<string, unknown>;
  /** For the Milvus API, which answers in its own envelope: Milvus's error number (`code` is then unchecked). */
  milvusCode?: number;
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
    milvusCode: 1401,
  },
  {
    name: 'read key: Milvus delete',
    path: '/v2/vectordb/entities/delete',
    auth: READER,
    body: json({ collectionName: 'chunks', filter: 'chunk_index >= 0' }),
    status: 403,
    code: 'FORBIDDEN',
    milvusCode: 1401,
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
    name: 'an XML body',
    path: '/search',
    contentType: 'application/xml',
    body: '<query>q</query>',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'JSON in a charset other than UTF-8',
    path: '/search',
    contentType: 'application/json; charset=latin1',
    body: json({ query: 'q' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form body labelled as JSON',
    path: '/search',
    body: 'query=q&k=1',
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'deeply nested JSON over the limit',
    path: '/search',
    body: '['.repeat(200_000),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
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
  { name: 'k is NaN', path: '/search', body: '{"query": "q", "k": NaN}', status: 400, code: 'INVALID_ARGUMENT' },
  {
    name: 'k overflows to Infinity',
    path: '/search',
    body: '{"query": "q", "k": 1e999}',
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'k is huge',
    path: '/search',
    body: json({ query: 'q', k: 10_000_000 }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'query is too long',
    path: '/search',
    body: json({ query: 'q'.repeat(5000) }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'a negative query limit',
    path: '/collections/chunks/query',
    body: json({ filter: 'chunk_index > 1', limit: -1 }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'ids not an array',
    path: '/collections/chunks/get',
    body: json({ ids: 'x' }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'rows not an array',
    path: '/collections/chunks/upsert',
    body: json({ rows: 'x' }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'an unknown output field',
    path: '/collections/chunks/query',
    body: json({ filter: 'chunk_index > 1', outputFields: ['nope'] }),
    status: 400,
    code: 'FIELD_NOT_FOUND',
  },
  // Filters
  {
    name: 'a filter syntax error',
    path: '/search',
    body: json({ query: 'q', filter: 'source ==' }),
    status: 400,
    code: 'FILTER_SYNTAX',
    details: { position: 9 },
  },
  {
    name: 'an unclosed parenthesis in an ask filter',
    path: '/ask',
    body: json({ question: 'q', filter: 'chunk_index > 1 and (' }),
    status: 400,
    code: 'FILTER_SYNTAX',
    details: { position: 21 },
  },
  {
    name: 'an object as a filter param',
    path: '/search',
    body: json({ query: 'q', filter: 'chunk_index == {a}', params: { a: { b: [1, 2] } } }),
    status: 400,
    code: 'FILTER_PARAM',
    details: { position: 15 },
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
    name: 'a vector with an infinity',
    path: '/collections/chunks/search',
    body: '{"vector": [1e999VECTOR_TAIL]}',
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'a vector with "NaN"',
    path: '/collections/chunks/search',
    body: '{"vector": ["NaN"VECTOR_TAIL]}',
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'an all-zero vector under cosine',
    path: '/collections/chunks/search',
    body: '{"vector": [0VECTOR_ZEROS]}',
    status: 400,
    code: 'INVALID_VECTOR',
  },
  {
    name: 'a row with a vector of the wrong dimension',
    path: '/collections/chunks/insert',
    body: json({
      rows: [
        {
          id: 'bad-dim',
          embedding: [1, 2, 3],
          text: 't',
          doc_id: 'd',
          doc_hash: 'h',
          source: 's',
          title: 't',
          type: 'txt',
          chunk_index: 0,
          chunk_count: 1,
          start: 0,
          end: 1,
          mtime: 0,
        },
      ],
    }),
    status: 400,
    code: 'DIMENSION_MISMATCH',
    details: { field: 'embedding', received: 3 },
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
    name: 'a collection that exists',
    path: '/collections',
    body: json({
      name: 'chunks',
      schema: {
        fields: [
          { name: 'id', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
        ],
      },
    }),
    status: 409,
    code: 'COLLECTION_EXISTS',
  },
  {
    name: 'a negative vector dimension',
    path: '/collections',
    body: json({
      name: 'dimless',
      schema: {
        fields: [
          { name: 'id', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: -2, metric: 'l2' },
        ],
      },
    }),
    status: 400,
    code: 'SCHEMA_INVALID',
  },
  {
    name: 'drop an unknown collection',
    method: 'DELETE',
    path: '/collections/ghost',
    status: 404,
    code: 'COLLECTION_NOT_FOUND',
  },
  {
    name: 'search a collection named ../x',
    path: '/search',
    body: json({ query: 'q', collection: '../x' }),
    status: 404,
    code: 'COLLECTION_NOT_FOUND',
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
    name: 'ingest with a NUL in a path that leaves the root',
    path: '/ingest',
    body: json({ paths: ['ROOT/../outside/secret.txt\u0000.md'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest with a NUL in a path inside the root',
    path: '/ingest',
    body: json({ paths: ['ROOT/ok.txt\u0000.md'] }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'ingest a symlink to a file outside the root',
    path: '/ingest',
    body: json({ paths: ['ROOT/links/secret-link.txt'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest a symlinked folder that leaves the root',
    path: '/ingest',
    body: json({ paths: ['ROOT/outside-dir'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest a file through a symlinked folder',
    path: '/ingest',
    body: json({ paths: ['ROOT/outside-dir/secret.txt'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest the root while a link in it escapes',
    path: '/ingest',
    body: json({ paths: ['ROOT'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest a sibling whose name extends the root',
    path: '/ingest',
    body: json({ paths: ['ROOT-evil/x.txt'] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'ingest a missing file inside the root',
    path: '/ingest',
    body: json({ paths: ['ROOT/missing.txt'] }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'ingest an empty path list',
    path: '/ingest',
    body: json({ paths: [] }),
    status: 400,
    code: 'INVALID_ARGUMENT',
  },
  {
    name: 'ingest into a collection named ../../x',
    path: '/ingest',
    body: json({ paths: ['ROOT/ok.txt'], collection: '../../x' }),
    status: 400,
    code: 'INVALID_ARGUMENT',
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
    name: 'PUT on a POST route',
    method: 'PUT',
    path: '/search',
    body: json({ query: 'q' }),
    status: 404,
    code: 'ROUTE_NOT_FOUND',
  },
  {
    name: 'an unknown Milvus operation',
    path: '/v2/vectordb/entities/explode',
    body: json({ collectionName: 'chunks' }),
    status: 404,
    code: 'ROUTE_NOT_FOUND',
    milvusCode: 10,
  },
];

/** A fixed search, compared before and after the onslaught. */
async function searchTides(): Promise<unknown> {
  const res = await fetch(`${server.url}/search`, {
    method: 'POST',
    headers: { authorization: READER, 'content-type': 'application/json' },
    body: json({ query: 'What causes the tides?', k: 5 }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

async function send(c: Case): Promise<Response> {
  const headers: Record<string, string> = {};
  const auth = c.auth === undefined ? ADMIN : c.auth;
  if (auth !== null) headers.authorization = auth;
  const contentType = c.contentType === undefined ? 'application/json' : c.contentType;
  if (contentType !== null && !(c.body instanceof FormData)) headers['content-type'] = contentType;
  const body =
    typeof c.body === 'string'
      ? c.body
          .replaceAll('ROOT', root)
          .replace('VECTOR_TAIL', ',0.1'.repeat(dim - 1))
          .replace('VECTOR_ZEROS', ',0'.repeat(dim - 1))
      : c.body;
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
      code?: number;
    };
    if (c.milvusCode !== undefined) {
      // The Milvus routes answer in Milvus's envelope: its error number and a message.
      expect(body.code).toBe(c.milvusCode);
      expect((body as { message?: string }).message).toBeTruthy();
      return;
    }
    expect(body.error?.code).toBe(c.code);
    expect(body.error?.message).toBeTruthy();
    if (c.details) expect((body.error as { details?: unknown } | undefined)?.details).toMatchObject(c.details);
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
    expect(await searchTides()).toEqual(searchBefore);
    expect(await snapshot()).toEqual(before);
  });
});
