/**
 * `quiver ask` in-process, over a real folder ingested with the real default model: the streamed answer and its
 * numbered sources, the `--json` answer object (whose quotes must slice out of the original files at their
 * offsets), flags over the pipeline's retrieve settings, and the exit code and hint for each kind of bad input.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Answer } from '../../src/ask/ask.js';
import { main } from '../../src/cli/main.js';
import { TEST_MODEL_DIR, testEmbedder } from '../helpers/model.js';
import { writeSources } from '../ingest/fixtures.js';

const FILES = {
  'lighthouse.txt':
    'The old lighthouse stands on the northern cape. The lighthouse was built in 1858 by the harbour board. ' +
    'Its lamp burned whale oil until 1901, when a kerosene burner replaced it.',
  'guide/tides.md':
    '# Tides\n\nTides are driven mostly by the gravity of the moon. Spring tides happen at new and full moon, ' +
    'when the sun and moon pull together.\n\n## Safety\n\nCheck the tide table before you walk across the bay.\n',
};

let dir: string;
let printed: string[];
let written: string[];
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
  dir = await mkdtemp(join(tmpdir(), 'quiver-cli-ask-'));
  await writeSources(join(dir, 'src'), FILES);
  printed = [];
  written = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => printed.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => printed.push(a.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => main(['node', 'quiver', '--path', join(dir, 'store'), ...args]);
const output = () => printed.join('\n');

async function ingested(): Promise<void> {
  expect(await run('ingest', join(dir, 'src')), output()).toBe(0);
  printed.length = 0;
}

describe('quiver ask', () => {
  test('streams the answer, then numbered sources with file, heading or range, and a snippet', async () => {
    await ingested();
    expect(await run('ask', 'When was the lighthouse built?'), output()).toBe(0);
    const answer = written.join('');
    expect(answer).toContain('The lighthouse was built in 1858 by the harbour board. [1]');
    expect(output()).toMatch(/^Sources:$/m);
    const source = output().match(/^\[1\] (.*)$/m)?.[1];
    expect(source).toContain(join(dir, 'src', 'lighthouse.txt'));
    expect(source).toMatch(/\[\d+–\d+\]$/);
    expect(source).not.toContain('›'); // plain text: no page, no headings, title is the file name
    expect(output()).toMatch(/^ {4}The lighthouse was built in 1858 by the harbour board\.$/m);
  });

  test('--json prints the answer object; every quote slices out of its file at its offsets', async () => {
    await ingested();
    expect(await run('--json', 'ask', 'What drives the tides?')).toBe(0);
    const answer = JSON.parse(output()) as Answer;
    expect(answer.answer).toMatch(/gravity of the moon\. \[1\]/);
    expect(answer.invalidCitations).toEqual([]);
    expect(answer.citations.length).toBeGreaterThan(0);
    for (const c of answer.citations) {
      const file = await readFile(c.source, 'utf8');
      if (c.start !== null && c.end !== null) expect(file.slice(c.start, c.end)).toBe(c.text);
      for (const q of c.quotes ?? []) {
        expect(q.start).not.toBeNull();
        expect(file.slice(q.start!, q.end!)).toBe(q.text);
      }
    }
    expect(answer.citations[0]!.source).toBe(join(dir, 'src', 'guide', 'tides.md'));
    expect(answer.citations[0]!.headings).toEqual(['Tides']);
    expect(answer.timings.totalMs).toBeGreaterThan(0);
  });

  test('flags narrow retrieval: a filter that excludes the answer leaves it out', async () => {
    await ingested();
    expect(await run('--json', 'ask', 'When was the lighthouse built?', '--filter', 'source like "%tides.md"')).toBe(0);
    const answer = JSON.parse(output()) as Answer;
    expect(answer.answer).not.toContain('1858');
    for (const c of answer.citations) expect(c.source).toMatch(/tides\.md$/);
  });

  test('a pipeline file with generator and retrieve sections is honoured', async () => {
    await ingested();
    const pipeline = join(dir, 'p.yaml');
    await writeFile(
      pipeline,
      'retrieve:\n  k: 1\n  mode: bm25\ngenerator:\n  provider: extractive\n  maxSentences: 1\n',
    );
    expect(await run('--json', 'ask', 'When was the lighthouse built?', '--pipeline', pipeline)).toBe(0);
    const answer = JSON.parse(output()) as Answer;
    expect(answer.answer).toBe('The lighthouse was built in 1858 by the harbour board. [1]');
    expect(answer.citations).toHaveLength(1);
  });

  test('nothing ingested: exit 3 with the command that fixes it', async () => {
    expect(await run('ask', 'anything?')).toBe(3);
    expect(output()).toMatch(/error COLLECTION_NOT_FOUND: .*run quiver ingest/);
  });

  test('bad input: empty question, bad -k, bad mode, bad filter with its position', async () => {
    await ingested();
    expect(await run('ask', '  ')).toBe(2);
    expect(output()).toContain('error INVALID_ARGUMENT: the question is empty');
    expect(await run('ask', 'tides?', '-k', '0')).toBe(2);
    expect(await run('ask', 'tides?', '--mode', 'fuzzy')).toBe(2);
    printed.length = 0;
    expect(await run('ask', 'tides?', '--filter', 'source ==')).toBe(2);
    expect(output()).toMatch(/error FILTER_SYNTAX/);
  });

  test('a llama-cpp generator: a missing model file is NOT_FOUND; without node-llama-cpp installed, CONFIG_INVALID', async () => {
    await ingested();
    const pipeline = join(dir, 'p.yaml');
    const model = join(dir, 'model.gguf');
    await writeFile(pipeline, `generator:\n  provider: llama-cpp\n  modelPath: ${model}\n`);
    expect(await run('ask', 'tides?', '--pipeline', pipeline)).toBe(3);
    expect(output()).toContain(`error NOT_FOUND`);
    expect(output()).toContain(model);
    printed.length = 0;
    await writeFile(model, 'not really a model');
    expect(await run('ask', 'tides?', '--pipeline', pipeline)).toBe(2);
    expect(output()).toMatch(/error CONFIG_INVALID: .*npm install node-llama-cpp/);
  });

  test('an openai generator whose key variable is unset fails before any request, naming the variable', async () => {
    await ingested();
    const pipeline = join(dir, 'p.yaml');
    await writeFile(
      pipeline,
      'generator:\n  provider: openai\n  baseUrl: http://127.0.0.1:9/v1\n  model: m\n  apiKeyEnv: QUIVER_TEST_UNSET_KEY\n',
    );
    delete process.env.QUIVER_TEST_UNSET_KEY;
    expect(await run('ask', 'tides?', '--pipeline', pipeline)).toBe(2);
    expect(output()).toContain('QUIVER_TEST_UNSET_KEY');
  });
});
