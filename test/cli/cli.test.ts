/**
 * The `quiver` CLI in-process: commands over a real store folder, JSON output, exit codes per error class,
 * and the models commands against a temporary model cache.
 */

import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { Quiver } from '../../src/index.js';
import { DOCS_SCHEMA, doc, tempFolder } from '../helpers/store.js';

let folder: ReturnType<typeof tempFolder>;
let printed: string[];

beforeEach(() => {
  folder = tempFolder();
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => printed.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => printed.push(a.join(' ')));
});
afterEach(() => {
  vi.restoreAllMocks();
  folder.remove();
});

const run = (...args: string[]) => main(['node', 'quiver', '--path', `${folder.path}/store`, ...args]);

test('collections, stats and verify over a store', async () => {
  const db = await Quiver.open({ path: `${folder.path}/store` });
  await (await db.createCollection('docs', DOCS_SCHEMA)).insert([doc(1), doc(2)]);
  await db.close();
  expect(await run('collections')).toBe(0);
  expect(printed.join('\n')).toContain('docs\t2 rows');
  printed.length = 0;
  expect(await run('--json', 'stats', 'docs')).toBe(0);
  expect(JSON.parse(printed.join('\n'))).toMatchObject({ rows: 2, lastLsn: 1 });
  printed.length = 0;
  expect(await run('verify')).toBe(0);
  expect(printed.join('\n')).toMatch(/docs: 0 segments, 0 tombstone files, 1 WAL records: ok/);
});

test('errors exit with a code per class and say what went wrong', async () => {
  expect(await run('stats', 'missing')).toBe(3);
  expect(printed.join('\n')).toMatch(/COLLECTION_NOT_FOUND/);
  const holder = await Quiver.open({ path: `${folder.path}/store` });
  try {
    // The same process holds the folder: LOCKED, exit 4.
    expect(await run('collections')).toBe(4);
    expect(printed.join('\n')).toMatch(/LOCKED/);
  } finally {
    await holder.close();
  }
});

test('models build, list and verify use the cache', async () => {
  const cache = `${folder.path}/models`;
  expect(await run('models', '--cache-dir', cache, 'list')).toBe(0);
  expect(printed.pop()).toMatch(/no models built yet/);
  expect(await run('models', '--cache-dir', cache, 'build')).toBe(0);
  expect(printed.pop()).toMatch(/quiver-use-lite-512@1 built in/);
  expect(await run('models', '--cache-dir', cache, 'build')).toBe(0);
  expect(printed.pop()).toMatch(/already built/);
  expect(await run('models', '--cache-dir', cache, 'verify')).toBe(0);
  expect(printed.pop()).toMatch(/quiver-use-lite-512@1: 4 files verified/);
  expect(await run('models', '--cache-dir', cache, 'build', '--model', 'glove-sif')).toBe(0);
  expect(printed.pop()).toMatch(/quiver-glove-sif-100d@1 built in/);
  expect(await run('models', '--cache-dir', cache, 'verify', '--model', 'glove-sif')).toBe(0);
  expect(printed.pop()).toMatch(/quiver-glove-sif-100d@1: 4 files verified/);
  expect(await run('models', '--cache-dir', cache, 'list')).toBe(0);
  expect(printed.pop()).toMatch(/quiver-glove-sif-100d@1\t100-d[\s\S]*quiver-use-lite-512@1\t512-d/);
  expect(await run('models', '--cache-dir', cache, 'build', '--model', 'minilm')).not.toBe(0);
  expect(printed.join('\n')).toMatch(/unknown offline model 'minilm'/);
}, 120_000);
