/**
 * `quiver ingest` and `quiver search` in-process, over real files, a real store folder and the real default
 * model: summaries, JSON output, incremental re-runs, and the exit code and hint for each kind of bad input.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { TEST_MODEL_DIR, testEmbedder } from '../helpers/model.js';
import { writeSources } from '../ingest/fixtures.js';

let dir: string;
let printed: string[];
const savedModelDir = process.env.QUIVER_MODEL_DIR;

beforeAll(async () => {
  await (await testEmbedder()).dispose();
  process.env.QUIVER_MODEL_DIR = TEST_MODEL_DIR;
});
afterAll(() => {
  if (savedModelDir === undefined) delete process.env.QUIVER_MODEL_DIR;
  else process.env.QUIVER_MODEL_DIR = savedModelDir;
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-cli-ingest-'));
  await writeSources(join(dir, 'src'));
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => printed.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => printed.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => main(['node', 'quiver', '--path', join(dir, 'store'), ...args]);
const output = () => printed.join('\n');

describe('ingest', () => {
  test('ingests a folder, then a re-run changes nothing', async () => {
    expect(await run('ingest', join(dir, 'src')), output()).toBe(0);
    expect(output()).toMatch(/5 files: 5 changed, 0 unchanged/);
    expect(output()).toMatch(/chunks written, 0 deleted, into "docs"/);
    printed.length = 0;
    expect(await run('--json', 'ingest', join(dir, 'src'))).toBe(0);
    const summary = JSON.parse(output());
    expect(summary.files).toEqual({ seen: 5, changed: 0, unchanged: 5 });
    expect(summary.chunks).toEqual({ written: 0, deleted: 0 });
  });

  test('--collection overrides the pipeline', async () => {
    expect(await run('ingest', join(dir, 'src', 'notes.txt'), '--collection', 'notes')).toBe(0);
    printed.length = 0;
    expect(await run('collections')).toBe(0);
    expect(output()).toMatch(/^notes\t\d+ rows$/m);
  });

  test('an invalid pipeline file: exit 2, the key and line named, nothing created', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'chunker:\n  chunkSzie: 10\n');
    expect(await run('ingest', join(dir, 'src'), '--pipeline', file)).toBe(2);
    expect(output()).toContain(`error CONFIG_INVALID`);
    expect(output()).toContain(`${file}:2:3: chunker.chunkSzie: unknown key`);
    expect(output()).toMatch(/hint: /);
  });

  test('binary data: exit 7, the file named, the collection unchanged', async () => {
    expect(await run('ingest', join(dir, 'src'))).toBe(0);
    printed.length = 0;
    await run('--json', 'stats', 'docs');
    const rows = JSON.parse(output()).rows;
    await writeFile(join(dir, 'src', 'blob.txt'), Buffer.from([0, 159, 146, 150, 0]));
    await writeFile(join(dir, 'src', 'notes.txt'), 'changed text that must not be written');
    printed.length = 0;
    expect(await run('ingest', join(dir, 'src'))).toBe(7);
    expect(output()).toMatch(/error UNSUPPORTED_FILE: .*blob\.txt/);
    printed.length = 0;
    await run('--json', 'stats', 'docs');
    expect(JSON.parse(output()).rows).toBe(rows);
  });

  test('an empty folder: exit 3 with a message that says what to check', async () => {
    const empty = join(dir, 'empty');
    await (await import('node:fs/promises')).mkdir(empty);
    expect(await run('ingest', empty)).toBe(3);
    expect(output()).toMatch(/no files to ingest under .*empty; check the paths and the include\/exclude globs/);
  });
});

describe('search', () => {
  test('prints hits with their sources, or JSON', async () => {
    await run('ingest', join(dir, 'src'));
    printed.length = 0;
    expect(await run('search', 'installation instructions', '-k', '2')).toBe(0);
    expect(output()).toMatch(/^1\. \d\.\d{3} {2}.*install\.md › Install/m);
    printed.length = 0;
    expect(await run('--json', 'search', 'installation', '-k', '3', '--filter', 'type == "markdown"')).toBe(0);
    const { hits, mode } = JSON.parse(output());
    expect(mode).toBe('hybrid');
    expect(hits).toHaveLength(3);
    expect(hits.every((h: { source: string }) => h.source.endsWith('.md'))).toBe(true);
    printed.length = 0;
    // BM25 alone ranks by the words: the one chunk that says "installation" comes first.
    expect(await run('--json', 'search', 'installation', '-k', '1', '--mode', 'bm25')).toBe(0);
    const bm25 = JSON.parse(output()).hits[0];
    expect(bm25.text.toLowerCase()).toContain('install');
    expect(Object.keys(bm25.scores)).toEqual(['bm25']);
  });

  test('a missing collection: exit 3 and a hint to ingest first', async () => {
    expect(await run('search', 'anything')).toBe(3);
    expect(output()).toMatch(/run quiver ingest <folder> first/);
  });

  test('bad -k and bad filters: exit 2', async () => {
    await run('ingest', join(dir, 'src'));
    expect(await run('search', 'installation', '-k', '0')).toBe(2);
    expect(await run('search', 'installation', '--mode', 'sparse')).toBe(2);
    expect(await run('search', 'installation', '--filter', 'type ==')).toBe(2);
    expect(output()).toMatch(/FILTER_SYNTAX/);
    printed.length = 0;
    expect(await run('search', 'installation', '--filter', 'text_match(source, "install")')).toBe(2);
    expect(output()).toMatch(
      /error FILTER_TYPE: text_match needs a full-text field; "source" was not declared with fullText at position 11/,
    );
    expect(output()).toMatch(/\n {11}\^/); // the caret under the field
    printed.length = 0;
    expect(await run('--json', 'search', 'installation', '--filter', 'text_match(text, "install")', '-k', '2')).toBe(0);
    const { hits } = JSON.parse(output());
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h: { text: string }) => /install/i.test(h.text))).toBe(true);
  });
});
