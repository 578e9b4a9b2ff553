/**
 * The ingestion pipeline end to end, with the real default model and a real store folder: first run, no-op
 * re-run, changed, shrunk and deleted files, removed records, bad input that must leave the collection as it
 * was, and an aborted run that a re-run completes to exactly the uninterrupted result.
 */

import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import { assertChunkCollection, chunkCollectionSchema } from '../../src/ingest/chunk-rows.js';
import { type IngestOptions, ingest } from '../../src/ingest/ingest.js';
import { loadFile } from '../../src/ingest/loaders/registry.js';
import { walkSources } from '../../src/ingest/loaders/walk.js';
import type { Collection } from '../../src/store/collection/collection.js';
import { Quiver } from '../../src/store/quiver.js';
import { expectCode } from '../helpers/errors.js';
import { testEmbedder } from '../helpers/model.js';
import { FILES, paragraph, writeSources } from './fixtures.js';
import { buildPdf } from './loaders/pdf-fixtures.js';

let embedder: TransformersEmbedder;
let dir: string;
let src: string;
let db: Quiver;
let collection: Collection;

beforeAll(async () => {
  embedder = await testEmbedder();
});
afterAll(async () => {
  await embedder.dispose();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-ingest-'));
  src = join(dir, 'src');
  await writeSources(src);
  db = await Quiver.open({ path: join(dir, 'store') });
  collection = await db.createCollection('docs', schema());
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

function schema() {
  return chunkCollectionSchema({ dimension: embedder.dimension, modelId: embedder.modelId });
}

const run = (extra: Partial<IngestOptions> = {}, into: Collection = collection) =>
  ingest({ collection: into, embedder, paths: [src], batchSize: 16, ...extra });

async function rows(c: Collection = collection) {
  const out = [];
  for await (const batch of c.iterate({
    outputFields: [
      'text',
      'doc_id',
      'doc_hash',
      'source',
      'chunk_index',
      'chunk_count',
      'start',
      'end',
      'headings',
      'page',
    ],
  })) {
    out.push(...batch);
  }
  return out.sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

const ids = async (c: Collection = collection) => (await rows(c)).map((r) => r.id as string);

describe('first run', () => {
  test('writes every document as chunks whose text is the exact slice of the source', async () => {
    const summary = await run();
    expect(summary.files).toEqual({ seen: 5, changed: 5, unchanged: 0 });
    expect(summary.documents).toMatchObject({ seen: 7, written: 7, unchanged: 0 });
    const stored = await rows();
    expect(stored.length).toBe(summary.chunks.written);
    expect(stored.length).toBeGreaterThan(14);

    const texts = new Map<string, string>();
    for (const file of await walkSources([src])) {
      // Sources are named by the path given plus the path inside it.
      for (const doc of await loadFile(file, {})) texts.set(`${src}/${doc.id}`, doc.text);
    }
    for (const r of stored) {
      expect(texts.get(r.doc_id as string)!.slice(r.start as number, r.end as number)).toBe(r.text);
      expect(r.id).toBe(`${r.doc_id}:${r.chunk_index}`);
      expect(String(r.source).startsWith(`${src}/`)).toBe(true);
    }
    // Chunk indexes of each document are exactly 0..count-1.
    const byDoc = new Map<string, typeof stored>();
    for (const r of stored) byDoc.set(r.doc_id as string, [...(byDoc.get(r.doc_id as string) ?? []), r]);
    expect(byDoc.size).toBe(7);
    for (const chunks of byDoc.values()) {
      const count = chunks[0]!.chunk_count as number;
      expect(chunks.map((c) => c.chunk_index).sort((a, b) => Number(a) - Number(b))).toEqual([...Array(count).keys()]);
    }
    // Markdown chunks carry their heading path.
    const npm = stored.find((r) => String(r.source).endsWith('install.md') && String(r.text).includes('npm sentence'));
    expect(npm?.headings).toEqual(['Install', 'From npm']);
  });

  test('search finds the document a query is about', async () => {
    await run();
    const vector = await embedder.embedQuery('installation');
    const { hits } = await collection.search({ vector, k: 3, outputFields: ['doc_id', 'headings'] });
    expect(String(hits[0]!.fields.doc_id)).toMatch(/install\.md$/);
    expect(hits[0]!.fields.headings).toEqual(['Install']);
  });
});

describe('incremental runs', () => {
  test('a second run changes nothing and writes nothing', async () => {
    await run();
    const before = await rows();
    const again = await run();
    expect(again.files).toEqual({ seen: 5, changed: 0, unchanged: 5 });
    expect(again.chunks).toEqual({ written: 0, deleted: 0 });
    expect(await rows()).toEqual(before);
  });

  test('a changed file is rewritten; a shrunk one loses its old tail', async () => {
    await run();
    const before = await rows();
    await writeFile(join(src, 'guide/search.md'), `# Search\n\n${paragraph('search', 3)}\n`);
    const summary = await run();
    expect(summary.files.changed).toBe(1);
    expect(summary.documents.written).toBe(1);
    expect(summary.chunks.deleted).toBeGreaterThan(0);
    const after = await rows();
    const search = after.filter((r) => String(r.doc_id).endsWith('search.md'));
    expect(search.map((r) => r.chunk_index)).toEqual([...Array(search.length).keys()]);
    expect(search.every((r) => r.chunk_count === search.length)).toBe(true);
    // Everything else is untouched.
    const others = (list: typeof after) => list.filter((r) => !String(r.doc_id).endsWith('search.md'));
    expect(others(after)).toEqual(others(before));
  });

  test('a record removed from a JSONL file takes its chunks with it', async () => {
    await run();
    const kept = FILES['data/faq.jsonl']!.split('\n').filter((l) => !l.includes('"q2"'));
    await writeFile(join(src, 'data/faq.jsonl'), kept.join('\n'));
    const summary = await run();
    expect(summary.files.changed).toBe(1);
    expect(summary.documents.removed).toBe(1);
    expect((await ids()).some((id) => id.includes('faq.jsonl#q2'))).toBe(false);
    expect((await ids()).some((id) => id.includes('faq.jsonl#q1'))).toBe(true);
  });

  test('a deleted file is kept unless prune is on', async () => {
    await run();
    await unlink(join(src, 'notes.txt'));
    const kept = await run();
    expect(kept.orphaned).toBe(1);
    expect((await ids()).some((id) => id.includes('notes.txt'))).toBe(true);
    const pruned = await run({ prune: true });
    expect(pruned.documents.removed).toBe(1);
    expect(pruned.chunks.deleted).toBeGreaterThan(0);
    expect((await ids()).some((id) => id.includes('notes.txt'))).toBe(false);
  });
});

describe('named paths', () => {
  test('{ path, as } names sources by `as`: the same name from another place replaces, never duplicates', async () => {
    const first = join(dir, 'upload-1');
    const second = join(dir, 'upload-2');
    await writeSources(first, { 'notes.txt': paragraph('first', 12) });
    await writeSources(second, { 'notes.txt': paragraph('second', 5) });
    await run({ paths: [{ path: join(first, 'notes.txt'), as: 'uploads/notes.txt' }] });
    const before = await rows();
    expect(new Set(before.map((r) => r.source))).toEqual(new Set(['uploads/notes.txt']));
    expect(before.every((r) => (r.id as string).startsWith('uploads/notes.txt'))).toBe(true);

    const again = await run({ paths: [{ path: join(second, 'notes.txt'), as: 'uploads/notes.txt' }] });
    expect(again.documents.written).toBe(1);
    const after = await rows();
    expect(new Set(after.map((r) => r.source))).toEqual(new Set(['uploads/notes.txt']));
    expect(after.every((r) => (r.text as string).includes('second'))).toBe(true);
    expect(after.length).toBeLessThan(before.length);

    // A folder named by `as` prunes only under that name.
    await run({ paths: [{ path: second, as: 'uploads' }] });
    const pruned = await run({ paths: [{ path: join(dir, 'upload-1'), as: 'elsewhere' }], prune: true });
    expect(pruned.documents.removed).toBe(0);
  });
});

describe('bad input leaves the collection unchanged', () => {
  async function expectUnchanged(setup: () => Promise<void>, code: string) {
    await run();
    const before = await rows();
    // A pending legitimate change too: it must not be written either.
    await writeFile(join(src, 'notes.txt'), paragraph('changed', 5));
    await setup();
    await expectCode(run(), code);
    expect(await rows()).toEqual(before);
  }

  test('binary data', () =>
    expectUnchanged(() => writeFile(join(src, 'zz.txt'), Buffer.from([1, 0, 2, 0, 3])), 'UNSUPPORTED_FILE'));

  test('a broken PDF', () =>
    expectUnchanged(() => writeFile(join(src, 'zz.pdf'), '%PDF-1.4\nthis is not a pdf'), 'MALFORMED_FILE'));

  test('an encrypted PDF', () =>
    expectUnchanged(
      () => writeFile(join(src, 'zz.pdf'), buildPdf({ pages: [['secret text']], userPassword: 'pw' })),
      'ENCRYPTED_FILE',
    ));

  test('a PDF with a text layer on its pages is ingested with page numbers', async () => {
    await writeFile(join(src, 'paper.pdf'), buildPdf({ pages: [['first page words'], ['second page words']] }));
    await run();
    const pdf = (await rows()).filter((r) => String(r.source).endsWith('paper.pdf'));
    expect(pdf.length).toBeGreaterThan(0);
    expect(pdf.every((r) => r.page === 1 || r.page === 2)).toBe(true);
  });

  test('an unreadable file (a dangling link)', () =>
    expectUnchanged(() => symlink(join(dir, 'nowhere.txt'), join(src, 'zz.txt')), 'IO_ERROR'));

  test('a malformed JSONL line', () =>
    expectUnchanged(() => writeFile(join(src, 'zz.jsonl'), '{"id": "a", "text": "fine"}\n{"id": '), 'MALFORMED_FILE'));

  test('an empty folder, or a path that does not exist', async () => {
    await run();
    const before = await rows();
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expectCode(ingest({ collection, embedder, paths: [empty] }), 'NOT_FOUND');
    await expectCode(ingest({ collection, embedder, paths: [join(dir, 'missing')] }), 'NOT_FOUND');
    expect(await rows()).toEqual(before);
  });

  test('a collection made for another model is refused', async () => {
    const other = await db.createCollection('other', chunkCollectionSchema({ dimension: 8, modelId: 'other-model' }));
    expect(() => assertChunkCollection(other, { dimension: embedder.dimension, modelId: embedder.modelId })).toThrow(
      expect.objectContaining({ code: 'INCOMPATIBLE' }),
    );
  });
});

describe('interrupted runs', () => {
  test('an aborted run, run again, gives exactly the uninterrupted chunk set', async () => {
    const reference = await db.createCollection('reference', schema());
    await run({}, reference);

    const abort = new AbortController();
    let writes = 0;
    await expectCode(
      run({
        batchSize: 4,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.phase === 'write' && ++writes === 3) abort.abort();
        },
      }),
      'CLOSED',
    );
    const partial = await ids();
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan((await ids(reference)).length);

    const resumed = await run();
    expect(resumed.files.changed).toBeGreaterThan(0);
    const strip = (list: Awaited<ReturnType<typeof rows>>) =>
      list.map(({ id, text, doc_hash, chunk_count }) => ({ id, text, doc_hash, chunk_count }));
    expect(strip(await rows())).toEqual(strip(await rows(reference)));
  });
});
