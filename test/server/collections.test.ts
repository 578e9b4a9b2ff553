/**
 * The collection routes on a bare express app over a real store: create (201, or 200 with ifNotExists), list
 * with row counts, describe with stats, drop; bad schemas and names refused with codes; and the scopes: a
 * read-only key can list and describe but not create or drop, a write-only key cannot read.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext } from '../../src/server/context.js';
import { errorHandler } from '../../src/server/http-errors.js';
import { collectionRoutes } from '../../src/server/routes/collections.js';
import { Quiver } from '../../src/store/quiver.js';

let dir: string;
let db: Quiver;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-collections-api-'));
  db = await Quiver.open({ path: join(dir, 'store') });
  const ctx = createServerContext({ db, config: pipelineSchema.parse({}) });
  const app = express();
  app.use(express.json({ limit: '10mb' }));
  // Stands in for the auth middleware: the scopes of the caller's key, when the test names them.
  app.use((req, res, next) => {
    const scopes = req.get('x-test-scopes');
    if (scopes !== undefined) res.locals.scopes = scopes.split(',').filter(Boolean);
    next();
  });
  app.use(collectionRoutes(ctx));
  app.use(errorHandler(() => {}));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
type Json = any;

async function call(
  method: string,
  path: string,
  body?: unknown,
  scopes?: string,
): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (scopes !== undefined) headers['x-test-scopes'] = scopes;
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const schema = {
  fields: [
    { name: 'id', type: 'string', primary: true },
    { name: 'vec', type: 'vector', dim: 2, metric: 'l2' },
    { name: 'year', type: 'int' },
  ],
  properties: { owner: 'tests' },
};

describe('create, list, describe, drop', () => {
  test('a created collection is listed with its row count and described with its stats', async () => {
    const created = await call('POST', '/collections', { name: 'books', schema });
    expect(created.status).toBe(201);
    expect(created.json.created).toBe(true);
    expect(created.json.name).toBe('books');
    expect(created.json.fields.map((f: { name: string }) => f.name)).toEqual(['id', 'vec', 'year']);
    expect(created.json.properties).toEqual({ owner: 'tests' });
    expect(await db.hasCollection('books')).toBe(true);

    await (await db.collection('books')).insert([
      { id: 'a', vec: [0, 1], year: 1990 },
      { id: 'b', vec: [1, 0], year: 2001 },
    ]);
    await call('POST', '/collections', { name: 'empty', schema });

    const list = await call('GET', '/collections');
    expect(list.status).toBe(200);
    const byName = Object.fromEntries(
      list.json.collections.map((c: { name: string; rows: number }) => [c.name, c.rows]),
    );
    expect(byName).toMatchObject({ books: 2, empty: 0 });

    const described = await call('GET', '/collections/books');
    expect(described.status).toBe(200);
    expect(described.json.name).toBe('books');
    expect(described.json.partitions).toEqual(['_default']);
    expect(described.json.rows).toBe(2);
    expect(described.json.stats.rows).toBe(2);
    expect(described.json.stats.segments.reduce((n: number, s: { rows: number }) => n + s.rows, 0)).toBe(2);
    expect(described.json.stats.backgroundError).toBeNull();
  });

  test('creating an existing name is 409 COLLECTION_EXISTS, or 200 with ifNotExists', async () => {
    await call('POST', '/collections', { name: 'twice', schema });
    const again = await call('POST', '/collections', { name: 'twice', schema });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('COLLECTION_EXISTS');
    const tolerated = await call('POST', '/collections', { name: 'twice', schema, ifNotExists: true });
    expect(tolerated.status).toBe(200);
    expect(tolerated.json.created).toBe(false);
  });

  test('drop removes the collection; dropping or describing it again is 404', async () => {
    await call('POST', '/collections', { name: 'scratch', schema });
    const dropped = await call('DELETE', '/collections/scratch');
    expect(dropped.status).toBe(200);
    expect(dropped.json).toEqual({ dropped: 'scratch' });
    expect(await db.hasCollection('scratch')).toBe(false);
    expect((await call('GET', '/collections')).json.collections.map((c: { name: string }) => c.name)).not.toContain(
      'scratch',
    );
    const described = await call('GET', '/collections/scratch');
    expect(described.status).toBe(404);
    expect(described.json.error.code).toBe('COLLECTION_NOT_FOUND');
    const again = await call('DELETE', '/collections/scratch');
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe('COLLECTION_NOT_FOUND');
  });
});

describe('bad requests', () => {
  test.each([
    [
      'a vector of dimension 0',
      { name: 'bad1', schema: { fields: [{ name: 'v', type: 'vector', dim: 0, metric: 'cosine' }] } },
      'SCHEMA_INVALID',
    ],
    [
      'no primary key',
      { name: 'bad2', schema: { fields: [{ name: 'v', type: 'vector', dim: 2, metric: 'l2' }] } },
      'SCHEMA_INVALID',
    ],
    ['a name with a slash', { name: '../x', schema }, 'INVALID_ARGUMENT'],
    ['no schema', { name: 'bad3' }, 'INVALID_ARGUMENT'],
    ['no fields', { name: 'bad4', schema: { fields: [] } }, 'INVALID_ARGUMENT'],
    ['an unknown top-level key', { name: 'bad5', schema, replicas: 3 }, 'INVALID_ARGUMENT'],
  ])('%s is 400 %s and creates nothing', async (_name, body, code) => {
    const res = await call('POST', '/collections', body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
    expect(typeof res.json.error.message).toBe('string');
    expect(await db.listCollections()).not.toContain(body.name);
  });

  test('a validation error names the offending part of the body', async () => {
    const res = await call('POST', '/collections', { name: '../x', schema });
    expect(res.json.error.details.issues[0].path).toBe('body.name');
  });
});

describe('scopes', () => {
  test('a read-only key can list and describe but not create or drop', async () => {
    await call('POST', '/collections', { name: 'guarded', schema });
    expect((await call('GET', '/collections', undefined, 'read')).status).toBe(200);
    expect((await call('GET', '/collections/guarded', undefined, 'read')).status).toBe(200);

    const create = await call('POST', '/collections', { name: 'sneaky', schema }, 'read');
    expect(create.status).toBe(403);
    expect(create.json.error.code).toBe('FORBIDDEN');
    expect(create.json.error.details).toEqual({ required: 'write' });
    expect(await db.hasCollection('sneaky')).toBe(false);

    const drop = await call('DELETE', '/collections/guarded', undefined, 'read');
    expect(drop.status).toBe(403);
    expect(drop.json.error.code).toBe('FORBIDDEN');
    expect(await db.hasCollection('guarded')).toBe(true);
  });

  test('a write-only key cannot read, and a key with both scopes can do everything', async () => {
    const list = await call('GET', '/collections', undefined, 'write');
    expect(list.status).toBe(403);
    expect(list.json.error.details).toEqual({ required: 'read' });
    expect((await call('POST', '/collections', { name: 'both', schema }, 'read,write')).status).toBe(201);
    expect((await call('DELETE', '/collections/both', undefined, 'read,write')).status).toBe(200);
  });
});
