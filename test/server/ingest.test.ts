/**
 * `POST /ingest` over real HTTP with the real default model: uploads land under `uploads/<name>` and re-uploading
 * a name replaces instead of duplicating; server-side paths work inside `ingestRoots` and nowhere else (`..`,
 * absolute paths outside, symlinks out of a root); oversized and malformed uploads are refused with codes, and
 * nothing is written by a refused request.
 */

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext } from '../../src/server/context.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { Quiver } from '../../src/store/quiver.js';
import { testEmbedder } from '../helpers/model.js';

let dir: string;
let root: string;
let outside: string;
let db: Quiver;
let embedder: Embedder;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-ingest-api-'));
  root = join(dir, 'allowed');
  outside = join(dir, 'secret');
  await mkdir(join(root, 'notes'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'notes', 'tides.md'), '# Tides\n\nThe moon pulls the oceans into two bulges.\n');
  await writeFile(join(outside, 'secret.txt'), 'The launch code is 0000.');
  await symlink(outside, join(root, 'escape'));
  db = await Quiver.open({ path: join(dir, 'store') });
  embedder = await testEmbedder();
  const ctx = createServerContext({ db, config: pipelineSchema.parse({}), embedder, ingestRoots: [root] });
  server = await startServer({ ctx, port: 0, uploadLimit: 64 * 1024 });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await embedder?.dispose();
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function upload(files: [string, string | Uint8Array][], collection?: string) {
  const form = new FormData();
  for (const [name, content] of files) form.append('file', new Blob([content]), name);
  if (collection) form.append('collection', collection);
  const res = await fetch(`${server.url}/ingest`, { method: 'POST', body: form });
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

async function ingestPaths(body: unknown) {
  const res = await fetch(`${server.url}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

async function sources(collection = 'docs'): Promise<string[]> {
  if (!(await db.hasCollection(collection))) return [];
  const rows = await (await db.collection(collection)).query({ outputFields: ['source'] });
  return [...new Set(rows.map((r) => r.source as string))].sort();
}

describe('uploads', () => {
  test('files upload under uploads/<name>; the same name again replaces its chunks', async () => {
    const first = await upload([
      ['bread.txt', 'Sourdough rises because wild yeast ferments the dough.'],
      ['../../etc/guide.md', '# Guide\n\nHybrid search fuses BM25 and vectors.'],
    ]);
    expect(first.status).toBe(200);
    expect(first.json.collection).toBe('docs');
    expect(first.json.documents.written).toBe(2);
    expect(await sources()).toEqual(['uploads/bread.txt', 'uploads/guide.md']);

    const again = await upload([['bread.txt', 'Rye bread is dense because rye has little gluten.']]);
    expect(again.json.documents.written).toBe(1);
    const rows = await (await db.collection('docs')).query({
      filter: 'source == "uploads/bread.txt"',
      outputFields: ['text'],
    });
    expect(rows.map((r) => r.text)).toEqual(['Rye bread is dense because rye has little gluten.']);
    expect(await sources()).toEqual(['uploads/bread.txt', 'uploads/guide.md']);
  });

  test('into a named collection', async () => {
    const res = await upload([['a.txt', 'Alpha text about glaciers.']], 'other');
    expect(res.json.collection).toBe('other');
    expect(await sources('other')).toEqual(['uploads/a.txt']);
  });

  test.each([
    ['an oversized file', [['big.txt', 'x'.repeat(70 * 1024)]], 413, 'PAYLOAD_TOO_LARGE'],
    ['a binary file', [['blob.txt', new Uint8Array([0, 159, 146, 150, 0])]], 400, 'UNSUPPORTED_FILE'],
    ['an unsupported type', [['tool.exe', 'MZ']], 400, 'UNSUPPORTED_FILE'],
    [
      'two files with one name',
      [
        ['x.txt', 'one'],
        ['x.txt', 'two'],
      ],
      400,
      'INVALID_ARGUMENT',
    ],
    ['a name that is only dots', [['..', 'text']], 400, 'INVALID_ARGUMENT'],
  ] as [string, [string, string | Uint8Array][], number, string][])(
    '%s is refused (%i %s) and nothing changes',
    async (_name, files, status, code) => {
      const before = await sources();
      const res = await upload(files);
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(await sources()).toEqual(before);
    },
  );

  test('a multipart body with no file field', async () => {
    const form = new FormData();
    form.append('collection', 'docs');
    const res = await fetch(`${server.url}/ingest`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('server-side paths', () => {
  test('a folder inside a root is ingested under its path', async () => {
    const res = await ingestPaths({ paths: [join(root, 'notes')], collection: 'local' });
    expect(res.status).toBe(200);
    expect(res.json.documents.written).toBe(1);
    expect(await sources('local')).toEqual([join(root, 'notes', 'tides.md')]);
  });

  test.each([
    ['a relative path with ..', () => '../../etc/passwd', 403, 'FORBIDDEN'],
    ['.. out of the root', () => join(root, '..', 'secret', 'secret.txt'), 403, 'FORBIDDEN'],
    ['an absolute path outside', () => '/etc/passwd', 403, 'FORBIDDEN'],
    ['a symlink out of the root', () => join(root, 'escape', 'secret.txt'), 403, 'FORBIDDEN'],
    ['a missing file inside the root', () => join(root, 'nope.md'), 404, 'NOT_FOUND'],
    ['a missing file outside', () => join(outside, 'nope.md'), 403, 'FORBIDDEN'],
  ])('%s is refused (%i %s) before anything is read', async (_name, path, status, code) => {
    const res = await ingestPaths({ paths: [path()], collection: 'sneaky' });
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(await db.hasCollection('sneaky')).toBe(false);
  });

  test('with no roots configured, server-side paths are refused with how to allow them', async () => {
    const ctx = createServerContext({ db, config: pipelineSchema.parse({}), embedder });
    const closed = await startServer({ ctx, port: 0 });
    try {
      const res = await fetch(`${closed.url}/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ paths: [join(root, 'notes')] }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/server\.ingestRoots/);
    } finally {
      await closed.close();
    }
  });
});
