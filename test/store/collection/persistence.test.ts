import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Quiver, QuiverError } from '../../../src/index.js';
import { DOCS_SCHEMA, doc, tempFolder } from '../../helpers/store.js';

let folder: ReturnType<typeof tempFolder>;
const quiet = { onWarning: () => {} };

beforeEach(() => {
  folder = tempFolder();
});
afterEach(() => folder.remove());

function files(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (pattern.test(p)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function flip(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0x5a;
  writeFileSync(file, bytes);
}

async function openExpectingCorrupt(file: string): Promise<QuiverError> {
  try {
    const db = await Quiver.open({ path: folder.path, collection: quiet });
    try {
      const c = await db.collection('docs');
      await db.verify();
      await c.count();
    } finally {
      await db.close();
    }
  } catch (err) {
    expect(err).toBeInstanceOf(QuiverError);
    expect(['CORRUPT', 'UNSUPPORTED_FORMAT']).toContain((err as QuiverError).code);
    expect(`${(err as Error).message} ${JSON.stringify((err as QuiverError).details)}`).toContain(
      file
        .split('/')
        .pop()!
        .replace(/\.tmp.*$/, ''),
    );
    return err as QuiverError;
  }
  throw new Error(`no error after damaging ${file}`);
}

describe('reopening', () => {
  test('unsealed writes come back from the WAL', async () => {
    let db = await Quiver.open({ path: folder.path, collection: quiet });
    const c = await db.createCollection('docs', DOCS_SCHEMA);
    await c.insert([doc(1), doc(2), doc(3)]);
    await c.delete({ ids: ['d2'] });
    await c.upsert([doc(3, { title: 'changed' })]);
    await db.close();
    db = await Quiver.open({ path: folder.path, collection: quiet });
    const again = await db.collection('docs');
    expect((await again.query({})).map((r) => [r.id, r.title])).toEqual([
      ['d1', 'title 1'],
      ['d3', 'changed'],
    ]);
    expect(again.stats().open.replayedEntries).toBe(3);
    await db.close();
  });

  test('sealed segments, tombstones and compaction survive a reopen, and nothing is replayed after flush', async () => {
    let db = await Quiver.open({ path: folder.path, collection: { ...quiet, growingRows: 10, mergeFactor: 2 } });
    const c = await db.createCollection('docs', DOCS_SCHEMA);
    for (let b = 0; b < 6; b++) await c.insert(Array.from({ length: 10 }, (_, i) => doc(b * 10 + i)));
    await c.delete({ filter: 'year % 3 == 0' });
    await c.flush();
    await c.compact({ major: true });
    const before = await c.query({ outputFields: ['year'] });
    await db.close();
    db = await Quiver.open({ path: folder.path, collection: quiet });
    const again = await db.collection('docs');
    expect(again.stats().open.replayedEntries).toBe(0);
    expect(await again.query({ outputFields: ['year'] })).toEqual(before);
    expect(await again.count()).toBe(40);
    const { hits } = await again.search({ vector: [0, 0, 0, 0], k: 3 });
    // year = 2000 + i, so `year % 3 == 0` deleted d1, d4, d7, ...
    expect(hits.map((h) => h.id)).toEqual(['d0', 'd2', 'd3']);
    const report = await db.verify();
    expect(report.collections[0]!.segments).toBeGreaterThan(0);
    await db.close();
  });

  test('a second process cannot open the same folder', async () => {
    const db = await Quiver.open({ path: folder.path });
    await expect(Quiver.open({ path: folder.path })).rejects.toMatchObject({ code: 'LOCKED' });
    await db.close();
  });

  test('dropping a collection removes its files', async () => {
    const db = await Quiver.open({ path: folder.path, collection: { ...quiet, growingRows: 5 } });
    const c = await db.createCollection('docs', DOCS_SCHEMA);
    await c.insert(Array.from({ length: 12 }, (_, i) => doc(i)));
    await c.flush();
    expect(files(folder.path, /\.seg$/).length).toBeGreaterThan(0);
    await db.dropCollection('docs');
    expect(files(folder.path, /\.(seg|wal|del)$/)).toEqual([]);
    await db.close();
  });
});

describe('damage is detected and names the file', () => {
  async function populate(): Promise<void> {
    const db = await Quiver.open({ path: folder.path, collection: { ...quiet, growingRows: 10 } });
    const c = await db.createCollection('docs', DOCS_SCHEMA);
    await c.insert(Array.from({ length: 10 }, (_, i) => doc(i)));
    await c.flush();
    await c.delete({ ids: ['d1'] });
    await c.flush();
    await c.insert([doc(50), doc(51)]);
    await db.close();
  }

  test('a flipped byte anywhere in a segment file', async () => {
    await populate();
    const [segment] = files(folder.path, /\.seg$/);
    const size = statSync(segment!).size;
    for (const at of [0, 9, 20, Math.floor(size / 3), Math.floor(size / 2), size - 9, size - 1]) {
      const original = readFileSync(segment!);
      flip(segment!, at);
      await openExpectingCorrupt(segment!);
      writeFileSync(segment!, original);
    }
  });

  test('a flipped byte in the manifest', async () => {
    await populate();
    const meta = join(folder.path, 'meta.json');
    const size = statSync(meta).size;
    for (const at of [0, 5, Math.floor(size / 2), size - 2]) {
      const original = readFileSync(meta);
      flip(meta, at);
      await openExpectingCorrupt(meta);
      writeFileSync(meta, original);
    }
  });

  test('a flipped byte in a tombstone file', async () => {
    await populate();
    const [del] = files(folder.path, /\.del$/);
    flip(del!, Math.floor(statSync(del!).size / 2));
    await openExpectingCorrupt(del!);
  });

  test('a flipped byte in the WAL', async () => {
    await populate();
    const wal = files(folder.path, /\.wal$/).filter((f) => statSync(f).size > 0);
    expect(wal.length).toBeGreaterThan(0);
    const file = wal[wal.length - 1]!;
    const size = statSync(file).size;
    for (const at of [0, 4, 12, 20, Math.floor(size / 2), size - 1]) {
      const original = readFileSync(file);
      flip(file, at);
      await openExpectingCorrupt(file);
      writeFileSync(file, original);
    }
  });

  test('a torn final WAL record is truncated and reported, and earlier records kept', async () => {
    await populate();
    const wal = files(folder.path, /\.wal$/).filter((f) => statSync(f).size > 0);
    const file = wal[wal.length - 1]!;
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 7));
    const warnings: string[] = [];
    const db = await Quiver.open({ path: folder.path, collection: { onWarning: (m) => warnings.push(m) } });
    const c = await db.collection('docs');
    expect(c.stats().open.tornWal).toBeDefined();
    expect(warnings.join('\n')).toMatch(/torn/);
    expect(await c.count()).toBe(9); // the last insert (d50, d51) was torn, never acknowledged
    await c.insert([doc(60)]);
    await db.close();
    const db2 = await Quiver.open({ path: folder.path, collection: quiet });
    expect(await (await db2.collection('docs')).count()).toBe(10);
    await db2.close();
  });
});
