/**
 * Token length functions: `tokenLength`'s cached word-by-word sum against a fake tokenizer (equal to it for
 * any text and any range, each distinct word counted once, bounded cache), `approxTokenLength`, and the real
 * default model: chunks that fit its exact token count, and the time to chunk all of SciFact.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransformersEmbedder } from '../../../src/embed/index.js';
import { approxTokenLength, splitMarkdown, splitRecursive, tokenLength } from '../../../src/ingest/chunk/index.js';
import { testEmbedder } from '../../helpers/model.js';

/** A fake tokenizer that splits only where tokenLength's words allow: letter/digit runs, other characters, blank lines. */
const fakeTokens = (t: string): number => (t.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]|\n\n/gu) ?? []).length;

const anyText = fc
  .array(
    fc.oneof(
      fc.stringMatching(/^[a-z]{1,8}$/),
      fc.constantFrom(' ', '  ', '\n', '\n\n', '\r\n', '\t', '. ', '😀', '中文', '\u00a0', '(x)'),
      fc.string({ unit: 'binary', maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((p) => p.join(''));

describe('tokenLength with a fake tokenizer', () => {
  it('equals the tokenizer on any text and on any range of an indexed text', () => {
    const length = tokenLength(fakeTokens);
    fc.assert(
      fc.property(anyText, fc.nat(), fc.nat(), (text, x, y) => {
        expect(length(text)).toBe(fakeTokens(text));
        const measure = length.forText(text);
        const a = x % (text.length + 1);
        const b = y % (text.length + 1);
        const [start, end] = a <= b ? [a, b] : [b, a];
        expect(measure(start, end)).toBe(fakeTokens(text.slice(start, end)));
        expect(measure(0, text.length)).toBe(fakeTokens(text));
      }),
      { numRuns: 500 },
    );
  });

  it('indexes texts of many short words (growing its arrays) exactly', () => {
    const text = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(' ');
    const measure = tokenLength(fakeTokens).forText(text);
    expect(measure(0, text.length)).toBe(3000);
    expect(measure(1, text.length - 1)).toBe(2998);
    expect(measure(2001, 4001)).toBe(fakeTokens(text.slice(2001, 4001)));
  });

  it('counts each distinct word once', () => {
    const seen: string[] = [];
    const length = tokenLength((t) => {
      seen.push(t);
      return fakeTokens(t);
    });
    expect(length('the cat and the hat')).toBe(5);
    expect(length('the hat and the cat')).toBe(5);
    // Words keep their leading whitespace: "the" opens the text, " the" follows a space.
    expect(seen).toEqual(['the', ' cat', ' and', ' the', ' hat']);
  });

  it('stays correct when the cache is tiny or words are too long to cache', () => {
    const calls = { n: 0 };
    const counter = (t: string) => {
      calls.n++;
      return fakeTokens(t);
    };
    const tiny = tokenLength(counter, { maxCacheEntries: 2 });
    const text = 'one two three four five six one two three';
    for (let i = 0; i < 3; i++) expect(tiny(text)).toBe(fakeTokens(text));
    const long = tokenLength(counter, { maxCachedWordLength: 4 });
    calls.n = 0;
    expect(long('abcdefgh abcdefgh')).toBe(2);
    expect(long('abcdefgh abcdefgh')).toBe(2);
    expect(calls.n).toBe(4);
  });

  it('approxTokenLength counts one token per four characters, rounded up', () => {
    expect(approxTokenLength('')).toBe(0);
    expect(approxTokenLength('abcd')).toBe(1);
    expect(approxTokenLength('abcde')).toBe(2);
    const chunks = splitRecursive('word '.repeat(100), { chunkSize: 10, length: approxTokenLength });
    for (const c of chunks) expect(approxTokenLength(c.text)).toBeLessThanOrEqual(10);
  });
});

const _run = promisify(execFile);
const corpus = fileURLToPath(new URL('../../../../shared/data/scifact/corpus.jsonl', import.meta.url));

async function readCorpus(limit = Number.POSITIVE_INFINITY): Promise<string[]> {
  const lines = (await readFile(corpus, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, limit).map((line) => {
    const { title, text } = JSON.parse(line) as { title: string; text: string };
    return `${title}\n\n${text}`;
  });
}

describe('tokenLength with the default model', () => {
  let embedder: TransformersEmbedder;
  const count = (t: string): number => embedder.countTokens(t);

  beforeAll(async () => {
    embedder = await testEmbedder();
  }, 180_000);

  afterAll(async () => {
    await embedder?.dispose();
  });

  it('equals countTokens on whole texts', () => {
    const length = tokenLength(count);
    const texts = [
      "Hello, World! Microstructural cat's e-mail.",
      'Ünïcödé 中文字符, emoji 🧪🧬 and tabs\tand CRLF\r\nlines.\n\nNew paragraph (with [brackets]).',
      '   leading and trailing   ',
      '',
    ];
    for (const t of texts) expect(length(t)).toBe(count(t));
  });

  it('gives chunks whose exact token count fits chunkSize', () => {
    const length = tokenLength(count);
    const text = Array.from(
      { length: 60 },
      (_, i) =>
        `Sentence ${i} talks about proteins, genes (and cells); e.g. TP53-mediated apoptosis.${i % 5 === 4 ? '\n\n' : ' '}`,
    ).join('');
    for (const split of [splitRecursive, splitMarkdown]) {
      const chunks = split(text, { chunkSize: 40, chunkOverlap: 8, length });
      expect(chunks.length).toBeGreaterThan(10);
      for (const c of chunks) expect(count(c.text)).toBeLessThanOrEqual(40);
      // Chunks are filled: most hold more than half of chunkSize.
      expect(chunks.filter((c) => count(c.text) > 20).length).toBeGreaterThan(chunks.length / 2);
    }
  });

  it.skipIf(!existsSync(corpus))('gives SciFact chunks that fit 256 exact tokens', async () => {
    const docs = await readCorpus();
    expect(docs).toHaveLength(5183);
    const length = tokenLength(count);
    const chunks = docs.flatMap((d) => splitRecursive(d, { chunkSize: 256, length }));
    expect(chunks.length).toBeGreaterThan(docs.length);
    for (const c of chunks) expect(count(c.text)).toBeLessThanOrEqual(256);
    // The sum of word counts is exact for this tokenizer (whitespace only ever separates its tokens).
    for (const d of docs.slice(0, 500)) expect(length(d)).toBe(count(d));
  });
});
