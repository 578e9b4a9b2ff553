/**
 * `POST /ingest` on a bare express app with the real offline model. Uploads are ingested as `uploads/<name>`
 * (sanitised), readable through the query route, and re-uploading a name replaces its chunks; the temporary
 * upload folder is gone afterwards. Server-side paths work inside `ingestRoots` and nowhere else (`..`, absolute
 * paths outside, symlinked folders and files leading out), and a refused request writes nothing. Ingests into
 * one collection do not interleave, metrics are observed, and a read-only key cannot ingest.
 */

import { mkdir, mkdtemp, readdir, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext, type ServerContext } from '../../src/server/context.js';
import { errorHandler } from '../../src/server/http-errors.js';
import { entityRoutes } from '../../src/server/routes/entities.js';
import { ingestRoutes, MAX_UPLOAD_FILES, safeFileName } from '../../src/server/routes/ingest.js';
import { Quiver } from '../../src/store/quiver.js';
import { testEmbedder } from '../helpers/model.js';

const UPLOAD_LIMIT = 64 * 1024;

let dir: string;
let root: string;
let realRoot: string;
let outside: string;
let uploadTmp: string;
let savedTmpdir: string | undefined;
let db: Quiver;
let embedder: Embedder;
let app: { url: string; close(): Promise<void> };
const ingested: { documents: number; chunks: number; seconds: number }[] = [];

/** A bare app: JSON bodies, a stand-in for auth that sets the key's scopes from a header, the routes, errors. */
async function startApp(ctx: ServerContext): Promise<{ url: string; close(): Promise<void> }> {
  const bare = express();
  bare.use(express.json({ limit: '10mb' }));
  bare.use((req, res, next) => {
    const scopes = req.get('x-test-scopes');
    if (scopes !== undefined) res.locals.scopes = scopes.split(',').filter(Boolean);
    next();
  });
  bare.use(entityRoutes(ctx));
  bare.use(ingestRoutes(ctx, { uploadLimit: UPLOAD_LIMIT }));
  bare.use(errorHandler(() => {}));
  const server: Server = bare.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-ingest-api-'));
  root = join(dir, 'allowed');
  outside = join(dir, 'secret');
  await mkdir(join(root, 'notes'), { recursive: true });
  await mkdir(join(root, 'linked'));
  await mkdir(join(root, 'shared'));
  await mkdir(join(root, 'prunable'));
  await mkdir(outside);
  await writeFile(join(root, 'notes', 'tides.md'), '# Tides\n\nThe moon pulls the oceans into two bulges.\n');
  await writeFile(join(root, 'linked', 'plain.md'), 'Nothing to see here.');
  await writeFile(join(root, 'prunable', 'one.md'), 'Glaciers carve valleys.');
  await writeFile(join(root, 'prunable', 'two.md'), 'Rivers carry silt.');
  await writeFile(join(outside, 'secret.txt'), 'The launch code is 0000.');
  // A folder link and a file link leading out of the root, and a file link that stays inside it.
  await symlink(outside, join(root, 'escape'));
  await symlink(join(outside, 'secret.txt'), join(root, 'linked', 'leak.txt'));
  await symlink(join(root, 'notes', 'tides.md'), join(root, 'shared', 'tides-link.md'));
  realRoot = await realpath(root);

  db = await Quiver.open({ path: join(dir, 'store') });
  embedder = await testEmbedder();
  // Uploads go under os.tmpdir(); a private one lets the tests see that nothing is left behind.
  uploadTmp = join(dir, 'tmp');
  await mkdir(uploadTmp);
  savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = uploadTmp;
  const metrics = {
    observeSearch() {},
    observeIngest: (documents: number, chunks: number, seconds: number) =>
      ingested.push({ documents, chunks, seconds }),
  };
  const ctx = createServerContext({ db, config: pipelineSchema.parse({}), embedder, ingestRoots: [root], metrics });
  app = await startApp(ctx);
}, 60_000);
afterAll(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await app?.close();
  await embedder?.dispose();
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field
type Json = any;

async function upload(
  files: [string, string | Uint8Array][],
  options: { collection?: string; scopes?: string } = {},
): Promise<{ status: number; json: Json }> {
  const form = new FormData();
  for (const [name, content] of files) form.append('file', new Blob([content]), name);
  if (options.collection) form.append('collection', options.collection);
  const headers: Record<string, string> = options.scopes === undefined ? {} : { 'x-test-scopes': options.scopes };
  const res = await fetch(`${app.url}/ingest`, { method: 'POST', body: form, headers });
  return { status: res.status, json: await res.json() };
}

async function postJson(url: string, path: string, body: unknown, scopes?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (scopes !== undefined) headers['x-test-scopes'] = scopes;
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Json };
}

const ingestPaths = (body: unknown, scopes?: string) => postJson(app.url, '/ingest', body, scopes);

/** The collection's chunks, read back through the HTTP query route. */
async function chunks(collection: string): Promise<Record<string, Json>[]> {
  if (!(await db.hasCollection(collection))) return [];
  const res = await postJson(app.url, `/collections/${collection}/query`, {
    outputFields: ['source', 'text', 'doc_id', 'doc_hash', 'chunk_count'],
  });
  expect(res.status).toBe(200);
  return res.json.rows;
}

async function sources(collection: string): Promise<string[]> {
  return [...new Set((await chunks(collection)).map((r) => r.source as string))].sort();
}

const leftovers = () => readdir(uploadTmp);

describe('uploads', () => {
  test('files are ingested as uploads/<sanitised name>, and the query route sees their chunks', async () => {
    const first = await upload([
      ['bread.txt', 'Sourdough rises because wild yeast ferments the dough.'],
      ['../../etc/guide.md', '# Guide\n\nHybrid search fuses BM25 and vectors.'],
    ]);
    expect(first.status).toBe(200);
    expect(first.json.collection).toBe('docs');
    expect(first.json.files.seen).toBe(2);
    expect(first.json.documents.written).toBe(2);
    expect(first.json.chunks.written).toBeGreaterThanOrEqual(2);
    expect(first.json.timings.ingestSeconds).toBeGreaterThan(0);
    expect(first.json.timings.queuedSeconds).toBeGreaterThanOrEqual(0);
    expect(await sources('docs')).toEqual(['uploads/bread.txt', 'uploads/guide.md']);
    const bread = (await chunks('docs')).find((r) => r.source === 'uploads/bread.txt');
    expect(bread?.text).toBe('Sourdough rises because wild yeast ferments the dough.');
    expect(ingested.at(-1)).toMatchObject({ documents: 2, chunks: first.json.chunks.written });
    expect(await leftovers()).toEqual([]);
  });

  test('the same name again replaces its chunks; the same content again changes nothing', async () => {
    const before = (await chunks('docs')).filter((r) => r.source === 'uploads/bread.txt');
    const same = await upload([['bread.txt', 'Sourdough rises because wild yeast ferments the dough.']]);
    expect(same.json.documents).toMatchObject({ unchanged: 1, written: 0 });
    expect(same.json.chunks.written).toBe(0);

    const changed = await upload([['bread.txt', 'Rye bread is dense because rye has little gluten.']]);
    expect(changed.status).toBe(200);
    expect(changed.json.documents.written).toBe(1);
    const after = (await chunks('docs')).filter((r) => r.source === 'uploads/bread.txt');
    expect(after.map((r) => r.text)).toEqual(['Rye bread is dense because rye has little gluten.']);
    expect(after.map((r) => r.doc_id)).toEqual(before.map((r) => r.doc_id));
    expect(await sources('docs')).toEqual(['uploads/bread.txt', 'uploads/guide.md']);
    expect(await leftovers()).toEqual([]);
  });

  test('into a named collection, with a UTF-8 file name kept as it is', async () => {
    const res = await upload([['café notes.txt', 'Alpha text about glaciers.']], { collection: 'other' });
    expect(res.status).toBe(200);
    expect(res.json.collection).toBe('other');
    expect(await sources('other')).toEqual(['uploads/café notes.txt']);
  });

  test.each([
    ['an oversized file', 413, 'PAYLOAD_TOO_LARGE', [['big.txt', 'x'.repeat(UPLOAD_LIMIT + 1024)]]],
    [
      `more than ${MAX_UPLOAD_FILES} files`,
      413,
      'PAYLOAD_TOO_LARGE',
      Array.from({ length: MAX_UPLOAD_FILES + 1 }, (_, i) => [`f${i}.txt`, 'tiny']),
    ],
    ['a binary file', 400, 'UNSUPPORTED_FILE', [['blob.txt', new Uint8Array([0, 159, 146, 150, 0])]]],
    ['an unsupported type', 400, 'UNSUPPORTED_FILE', [['tool.exe', 'MZ']]],
    [
      'two files with one name',
      400,
      'INVALID_ARGUMENT',
      [
        ['x.txt', 'one'],
        ['x.txt', 'two'],
      ],
    ],
    ['a name that is only dots', 400, 'INVALID_ARGUMENT', [['..', 'text']]],
  ] as [string, number, string, [string, string | Uint8Array][]][])(
    '%s is refused (%i %s); nothing is written or left behind',
    async (_name, status, code, files) => {
      const before = await chunks('docs');
      const res = await upload(files);
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(await chunks('docs')).toEqual(before);
      expect(await leftovers()).toEqual([]);
    },
  );

  test('a multipart body with no file field, or an unknown form field, is 400', async () => {
    const form = new FormData();
    form.append('collection', 'docs');
    const res = await fetch(`${app.url}/ingest`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.code).toBe('INVALID_ARGUMENT');
    const extra = new FormData();
    extra.append('file', new Blob(['text']), 'a.txt');
    extra.append('colection', 'typo');
    const typo = await fetch(`${app.url}/ingest`, { method: 'POST', body: extra });
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as Json).error.details.issues[0].path).toBe('form');
  });
});

describe('concurrency', () => {
  test('ingests into one collection run one after the other, so their writes cannot interleave', async () => {
    // A slow embedder makes two unserialised ingests overlap for certain; the spans show whether they did.
    const spans: { version: string; start: number; end: number }[] = [];
    const slow: Embedder = {
      dimension: embedder.dimension,
      modelId: embedder.modelId,
      maxTokens: embedder.maxTokens,
      countTokens: (text) => embedder.countTokens!(text),
      embedQuery: (text) => embedder.embedQuery(text),
      async embedDocuments(texts) {
        const start = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 150));
        const vectors = await embedder.embedDocuments(texts);
        spans.push({ version: texts[0]!.slice(0, 9), start, end: performance.now() });
        return vectors;
      },
      dispose: async () => {},
    };
    const ctx = createServerContext({ db, config: pipelineSchema.parse({}), embedder: slow });
    const raceApp = await startApp(ctx);
    const version = (name: string, paragraphs: number) =>
      Array.from({ length: paragraphs }, (_, i) =>
        Array.from({ length: 60 }, (_, j) => `${name} paragraph ${i} sentence ${j} is about tides.`).join(' '),
      ).join('\n\n');
    const send = async (text: string) => {
      const form = new FormData();
      form.append('file', new Blob([text]), 'race.txt');
      form.append('collection', 'race');
      const res = await fetch(`${raceApp.url}/ingest`, { method: 'POST', body: form });
      return { status: res.status, json: (await res.json()) as Json };
    };
    try {
      const results = await Promise.all([send(version('Version A', 12)), send(version('Version B', 4))]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect(results.map((r) => r.json.documents.written)).toEqual([1, 1]);
      const [a, b] = ['Version A', 'Version B'].map((v) => spans.filter((s) => s.version === v));
      expect(a!.length).toBeGreaterThan(0);
      expect(b!.length).toBeGreaterThan(0);
      const aSpan = { start: Math.min(...a!.map((s) => s.start)), end: Math.max(...a!.map((s) => s.end)) };
      const bSpan = { start: Math.min(...b!.map((s) => s.start)), end: Math.max(...b!.map((s) => s.end)) };
      expect(aSpan.end <= bSpan.start || bSpan.end <= aSpan.start).toBe(true);
      // Whichever ran last, the stored chunks are exactly one version of the document, all of its chunks.
      const rows = await chunks('race');
      expect(new Set(rows.map((r) => r.doc_hash)).size).toBe(1);
      expect(rows.length).toBe(rows[0]!.chunk_count);
      expect(results.some((r) => r.json.timings.queuedSeconds > 0.1)).toBe(true);
    } finally {
      await raceApp.close();
    }
  });
});

describe('safeFileName', () => {
  test.each([
    ['notes.md', 'notes.md'],
    ['../../etc/passwd', 'passwd'],
    ['/abs/path/report.pdf', 'report.pdf'],
    ['C:\\Users\\me\\draft.txt', 'draft.txt'],
    ['a\u0000b\u001f.txt', 'ab.txt'],
    ['  spaced.md  ', 'spaced.md'],
  ])('%j becomes %j', (given, expected) => {
    expect(safeFileName(given)).toBe(expected);
  });

  test.each(['', '.', '..', 'dir/..', '\u0000', `${'é'.repeat(128)}.md`])('%j is refused', (given) => {
    expect(() => safeFileName(given)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('server-side paths', () => {
  test('a folder inside a root is ingested under its path, through links that stay inside', async () => {
    const res = await ingestPaths({ paths: [join(root, 'notes'), join(root, 'shared')], collection: 'local' });
    expect(res.status).toBe(200);
    expect(res.json.documents.written).toBe(2);
    expect(await sources('local')).toEqual([
      join(realRoot, 'notes', 'tides.md'),
      join(realRoot, 'shared', 'tides-link.md'),
    ]);
  });

  test('prune removes the chunks of files that are gone', async () => {
    const first = await ingestPaths({ paths: [join(root, 'prunable')], collection: 'pruned' });
    expect(first.json.documents.written).toBe(2);
    await unlink(join(root, 'prunable', 'two.md'));
    const kept = await ingestPaths({ paths: [join(root, 'prunable')], collection: 'pruned' });
    expect(kept.json.orphaned).toBe(1);
    expect(await sources('pruned')).toHaveLength(2);
    const pruned = await ingestPaths({ paths: [join(root, 'prunable')], collection: 'pruned', prune: true });
    expect(pruned.status).toBe(200);
    expect(pruned.json.documents.removed).toBe(1);
    expect(await sources('pruned')).toEqual([join(realRoot, 'prunable', 'one.md')]);
  });

  test.each([
    ['a relative path with ..', 403, 'FORBIDDEN', () => '../../etc/passwd'],
    ['a relative path inside the root', 403, 'FORBIDDEN', () => 'notes/tides.md'],
    ['.. out of the root', 403, 'FORBIDDEN', () => join(root, '..', 'secret', 'secret.txt')],
    ['an absolute path outside', 403, 'FORBIDDEN', () => '/etc/passwd'],
    ['a symlinked folder out of the root', 403, 'FORBIDDEN', () => join(root, 'escape', 'secret.txt')],
    ['a symlinked file out of the root', 403, 'FORBIDDEN', () => join(root, 'linked', 'leak.txt')],
    ['a folder holding a link out of the root', 403, 'FORBIDDEN', () => join(root, 'linked')],
    ['a missing file inside the root', 404, 'NOT_FOUND', () => join(root, 'nope.md')],
    ['a missing file outside', 403, 'FORBIDDEN', () => join(outside, 'nope.md')],
  ])('%s is refused (%i %s) and nothing is ingested', async (name, status, code, path) => {
    const collection = `sneaky_${name.replace(/[^A-Za-z0-9]+/g, '_')}`;
    const res = await ingestPaths({ paths: [join(root, 'notes'), path()], collection });
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message).not.toMatch(/launch code/);
    expect(await db.hasCollection(collection)).toBe(false);
  });

  test('a body without paths is 400', async () => {
    const res = await ingestPaths({ paths: [] });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('INVALID_ARGUMENT');
  });

  test('with no roots configured, server-side paths are refused with how to allow them', async () => {
    const ctx = createServerContext({ db, config: pipelineSchema.parse({}), embedder });
    const closed = await startApp(ctx);
    try {
      const res = await postJson(closed.url, '/ingest', { paths: [join(root, 'notes')], collection: 'unrooted' });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('FORBIDDEN');
      expect(res.json.error.message).toMatch(/server\.ingestRoots/);
      expect(await db.hasCollection('unrooted')).toBe(false);
    } finally {
      await closed.close();
    }
  });
});

describe('scopes', () => {
  test('a read-only key cannot ingest in either form', async () => {
    const up = await upload([['scoped.txt', 'Should never be stored.']], { collection: 'scoped', scopes: 'read' });
    expect(up.status).toBe(403);
    expect(up.json.error.code).toBe('FORBIDDEN');
    const local = await ingestPaths({ paths: [join(root, 'notes')], collection: 'scoped' }, 'read');
    expect(local.status).toBe(403);
    expect(local.json.error.code).toBe('FORBIDDEN');
    expect(await db.hasCollection('scoped')).toBe(false);
    expect(await leftovers()).toEqual([]);
    const allowed = await upload([['scoped.txt', 'Stored with a write key.']], {
      collection: 'scoped',
      scopes: 'read,write',
    });
    expect(allowed.status).toBe(200);
  });
});
