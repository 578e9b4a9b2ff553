/**
 * Properties both splitters must keep for any input: exact offsets, ascending starts, size limits (but for a
 * single oversized character), no whitespace-only or whitespace-edged chunk, every non-whitespace character
 * covered, no boundary inside a surrogate pair, and overlap within bounds. Inputs mix unicode, emoji, CRLF,
 * long unbroken words and Markdown syntax; lengths are characters, a cached word-token counter, and a
 * superadditive function that forces the merge step to re-measure and shrink chunks.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Chunk, LengthFunction } from '../../../src/ingest/chunk/chunk.js';
import { splitMarkdown, splitRecursive, tokenLength } from '../../../src/ingest/chunk/index.js';

const fragment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z]{1,10}$/) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(' ', ' ', '  ', '\n', '\n\n', '\r\n', '\r\n\r\n', '\t', '. ', ', ', '\u00a0', '\u3000'),
  },
  { weight: 2, arbitrary: fc.constantFrom('😀', '🧪🧬', '👨‍👩‍👧', 'é', 'e\u0301', '中文', 'ß', '\ud83d', '\udc00') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', 'é', '😀'), minLength: 20, maxLength: 70 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '\n# Title\n',
      '\n## Sub heading ##\n',
      '\n   ### Deep\n',
      '\nSetext\n===\n',
      '\nUnder\n---\n',
      '\n```js\n# not a heading\nconst x = 1;\n```\n',
      '\n~~~\ncode\n\nmore code\n~~~\n',
      '\n```\nunclosed fence\n',
      '\n- item\n',
      '\n> quote\n',
    ),
  },
);
const text = fc.array(fragment, { maxLength: 50 }).map((parts) => parts.join(''));
const sizes = fc
  .integer({ min: 1, max: 60 })
  .chain((chunkSize) =>
    fc.record({ chunkSize: fc.constant(chunkSize), chunkOverlap: fc.integer({ min: 0, max: chunkSize - 1 }) }),
  );

/** A fake tokenizer: letter/digit runs, single other characters, and blank lines each count one token. */
const fakeTokens = (t: string): number => (t.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]|\n\n/gu) ?? []).length;
/** Superadditive: a whole counts more than its parts, so summed estimates undercount and must be re-measured. */
const quadratic: LengthFunction = (t) => (t.length * t.length) / 8;

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const splitsPair = (s: string, i: number): boolean =>
  i > 0 && i < s.length && isHigh(s.charCodeAt(i - 1)) && isLow(s.charCodeAt(i));

function checkChunks(
  input: string,
  chunks: Chunk[],
  chunkSize: number,
  chunkOverlap: number,
  length: LengthFunction,
): void {
  const covered = new Uint8Array(input.length);
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(c.text).toBe(input.slice(c.start, c.end));
    if (i > 0) expect(c.start).toBeGreaterThan(chunks[i - 1]!.start);
    expect(c.text).toMatch(/\S/);
    expect(c.text).not.toMatch(/^\s|\s$/);
    expect(splitsPair(input, c.start) || splitsPair(input, c.end)).toBe(false);
    // The one allowed exception: a single code point that measures more than chunkSize on its own.
    if (length(c.text) > chunkSize) expect([...c.text]).toHaveLength(1);
    covered.fill(1, c.start, c.end);
  });
  for (let i = 0; i < input.length; i++) if (covered[i] === 0) expect(input[i]).toMatch(/\s/);
  for (let i = 1; i < chunks.length; i++) {
    const shared = chunks[i - 1]!.end - chunks[i]!.start;
    if (chunkOverlap === 0) expect(shared).toBeLessThanOrEqual(0);
    // In characters the overlap is exact: at most chunkOverlap of the previous chunk's tail.
    else if (length === charLength && shared > 0) expect(shared).toBeLessThanOrEqual(chunkOverlap);
  }
}

const charLength: LengthFunction = (t) => t.length;
const splitters = { splitRecursive, splitMarkdown } as const;

describe.each(Object.entries(splitters))('%s properties', (_, split) => {
  it('holds in characters', () => {
    fc.assert(
      fc.property(text, sizes, (input, { chunkSize, chunkOverlap }) => {
        const chunks = split(input, { chunkSize, chunkOverlap });
        checkChunks(input, chunks, chunkSize, chunkOverlap, charLength);
        if (split === splitMarkdown) for (const c of chunks) expect(Array.isArray(c.headings)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('holds with a cached token counter', () => {
    fc.assert(
      fc.property(text, sizes, (input, { chunkSize, chunkOverlap }) => {
        const length = tokenLength(fakeTokens);
        const chunks = split(input, { chunkSize, chunkOverlap, length });
        checkChunks(input, chunks, chunkSize, chunkOverlap, fakeTokens);
      }),
      { numRuns: 400 },
    );
  });

  it('holds with a superadditive length and custom separators', () => {
    fc.assert(
      fc.property(
        text,
        sizes,
        fc.constantFrom<string[] | undefined>(undefined, ['\n'], [' '], ['. ', ','], []),
        (input, { chunkSize, chunkOverlap }, separators) => {
          const chunks = split(input, { chunkSize, chunkOverlap, length: quadratic, separators });
          checkChunks(input, chunks, chunkSize, chunkOverlap, quadratic);
        },
      ),
      { numRuns: 300 },
    );
  });
});
