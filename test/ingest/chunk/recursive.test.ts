/**
 * `splitRecursive` by example: separator preference, offsets that skip whitespace instead of trimming text,
 * character fallback and surrogate pairs, overlap, custom lengths (including re-measuring when parts
 * undercount the whole), linear measuring cost, and argument validation.
 */

import { describe, expect, it } from 'vitest';
import { isQuiverError } from '../../../src/errors.js';
import type { LengthFunction, RangeLengthFunction } from '../../../src/ingest/chunk/chunk.js';
import { DEFAULT_SEPARATORS, splitRecursive } from '../../../src/ingest/chunk/index.js';

const texts = (chunks: { text: string }[]): string[] => chunks.map((c) => c.text);

function invalidField(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (isQuiverError(err, 'INVALID_ARGUMENT')) return err.details.field;
    throw err;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('splitRecursive', () => {
  it('returns nothing for empty or whitespace-only text', () => {
    expect(splitRecursive('', { chunkSize: 10 })).toEqual([]);
    expect(splitRecursive(' \n\r\n\t\u00a0 ', { chunkSize: 10 })).toEqual([]);
  });

  it('returns one chunk with offsets moved past surrounding whitespace', () => {
    expect(splitRecursive('  hello world \n', { chunkSize: 100 })).toEqual([
      { index: 0, text: 'hello world', start: 2, end: 13 },
    ]);
  });

  it('prefers paragraphs, then lines, then sentences, then words', () => {
    const text = 'First para one.\n\nSecond para two.';
    expect(texts(splitRecursive(text, { chunkSize: 20 }))).toEqual(['First para one.', 'Second para two.']);
    expect(texts(splitRecursive('line one\nline two\nline three', { chunkSize: 18 }))).toEqual([
      'line one\nline two',
      'line three',
    ]);
    // The full stop stays with its sentence; the space goes to the gap.
    expect(texts(splitRecursive('One two. Three four. Five.', { chunkSize: 12 }))).toEqual([
      'One two.',
      'Three four.',
      'Five.',
    ]);
    expect(texts(splitRecursive('alpha beta gamma delta', { chunkSize: 11 }))).toEqual(['alpha beta', 'gamma delta']);
    expect(DEFAULT_SEPARATORS).toEqual(['\n\n', '\n', '. ', ' ', '']);
  });

  it('merges small pieces greedily up to chunkSize', () => {
    const text = 'a b c d e f g h i j';
    const chunks = splitRecursive(text, { chunkSize: 5 });
    expect(texts(chunks)).toEqual(['a b c', 'd e f', 'g h i', 'j']);
    for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
  });

  it('splits a long unbroken word between characters, even when separators leave out ""', () => {
    const word = 'x'.repeat(25);
    expect(texts(splitRecursive(word, { chunkSize: 10 })).map((t) => t.length)).toEqual([10, 10, 5]);
    expect(texts(splitRecursive(word, { chunkSize: 10, separators: ['\n'] })).map((t) => t.length)).toEqual([
      10, 10, 5,
    ]);
  });

  it('never splits a surrogate pair; a single emoji may exceed chunkSize 1', () => {
    const emoji = '😀🧪🧬';
    const three = splitRecursive(emoji, { chunkSize: 3 });
    expect(texts(three)).toEqual(['😀', '🧪', '🧬']);
    expect(texts(splitRecursive(emoji, { chunkSize: 4 }))).toEqual(['😀🧪', '🧬']);
    // Each emoji is 2 UTF-16 units: the documented exception to length <= chunkSize.
    expect(texts(splitRecursive(emoji, { chunkSize: 1 }))).toEqual(['😀', '🧪', '🧬']);
  });

  it('keeps CRLF text intact and leaves line ends out of chunks', () => {
    const text = 'first line\r\nsecond line\r\n\r\nthird';
    const chunks = splitRecursive(text, { chunkSize: 12 });
    expect(texts(chunks)).toEqual(['first line', 'second line', 'third']);
    expect(chunks.map((c) => [c.start, c.end])).toEqual([
      [0, 10],
      [12, 23],
      [27, 32],
    ]);
  });

  it('starts each chunk with whole pieces of the previous tail, up to chunkOverlap', () => {
    const text = 'aaa bbb ccc ddd eee';
    expect(texts(splitRecursive(text, { chunkSize: 11, chunkOverlap: 3 }))).toEqual(['aaa bbb ccc', 'ccc ddd eee']);
    expect(texts(splitRecursive(text, { chunkSize: 11, chunkOverlap: 7 }))).toEqual([
      'aaa bbb ccc',
      'bbb ccc ddd',
      'ccc ddd eee',
    ]);
    // A 4-character overlap cannot hold "ccc" plus its gap; whole pieces only, so "ccc" alone.
    expect(texts(splitRecursive(text, { chunkSize: 11, chunkOverlap: 4 }))).toEqual(['aaa bbb ccc', 'ccc ddd eee']);
    expect(texts(splitRecursive(text, { chunkSize: 11 }))).toEqual(['aaa bbb ccc', 'ddd eee']);
  });

  it('drops overlap rather than exceed chunkSize with the next piece', () => {
    // "bb" would fit the overlap, but "bb" + " " + "cccccccc" is 11 > 10.
    expect(texts(splitRecursive('aaaaaa bb cccccccc', { chunkSize: 10, chunkOverlap: 3 }))).toEqual([
      'aaaaaa bb',
      'cccccccc',
    ]);
  });

  it('measures with a custom length function', () => {
    const words: LengthFunction = (t) => t.split(/\s+/).filter(Boolean).length;
    const text = 'one two three four five six seven';
    expect(texts(splitRecursive(text, { chunkSize: 3, length: words }))).toEqual([
      'one two three',
      'four five six',
      'seven',
    ]);
    expect(texts(splitRecursive(text, { chunkSize: 3, chunkOverlap: 1, length: words }))).toEqual([
      'one two three',
      'three four five',
      'five six seven',
    ]);
  });

  it('re-measures merged chunks and shrinks them when the whole counts more than its parts', () => {
    // Quadratic in length: summed parts undercount, so every merge must be confirmed by measuring.
    const quadratic: LengthFunction = (t) => t.length * t.length;
    const text = 'ab cd ef gh ij kl mn op';
    const chunks = splitRecursive(text, { chunkSize: 30, length: quadratic });
    for (const c of chunks) expect(quadratic(c.text)).toBeLessThanOrEqual(30);
    // 5 characters (25) fit, 8 (64) do not: every chunk is two words.
    expect(texts(chunks)).toEqual(['ab cd', 'ef gh', 'ij kl', 'mn op']);
  });

  it('measures each character a bounded number of times, never growing prefixes', () => {
    let measured = 0;
    const counting: LengthFunction = (t) => {
      measured += t.length;
      return t.split(' ').length;
    };
    const text = Array.from({ length: 4000 }, (_, i) => `w${i}${i % 10 === 9 ? '.' : ''}`).join(' ');
    const chunks = splitRecursive(text, { chunkSize: 50, chunkOverlap: 10, length: counting });
    expect(chunks.length).toBeGreaterThan(80);
    // Whole text, sentences, words, then one confirmation per chunk (chunks overlap by ~20%).
    expect(measured).toBeLessThan(6 * text.length);
  });

  it('indexes the text once through a RangeLengthFunction instead of slicing', () => {
    let indexed = 0;
    let plainCalls = 0;
    const ranged: RangeLengthFunction = Object.assign(
      (t: string) => {
        plainCalls++;
        return t.length;
      },
      {
        forText: (t: string) => {
          indexed++;
          return (start: number, end: number) => t.slice(start, end).length;
        },
      },
    );
    const chunks = splitRecursive('one two three four five six', { chunkSize: 9, length: ranged });
    expect(texts(chunks)).toEqual(['one two', 'three', 'four five', 'six']);
    expect(indexed).toBe(1);
    expect(plainCalls).toBe(0);
  });

  it('rejects invalid sizes, separators and length functions, naming the field', () => {
    expect(invalidField(() => splitRecursive('x', { chunkSize: 0 }))).toBe('chunkSize');
    expect(invalidField(() => splitRecursive('x', { chunkSize: 2.5 }))).toBe('chunkSize');
    expect(invalidField(() => splitRecursive('x', { chunkSize: Number.NaN }))).toBe('chunkSize');
    expect(invalidField(() => splitRecursive('x', { chunkSize: 10, chunkOverlap: 10 }))).toBe('chunkOverlap');
    expect(invalidField(() => splitRecursive('x', { chunkSize: 10, chunkOverlap: -1 }))).toBe('chunkOverlap');
    expect(invalidField(() => splitRecursive('x', { chunkSize: 10, chunkOverlap: 1.5 }))).toBe('chunkOverlap');
    expect(invalidField(() => splitRecursive('x', { chunkSize: 10, separators: 'x' as unknown as string[] }))).toBe(
      'separators',
    );
    expect(invalidField(() => splitRecursive('x', { chunkSize: 10, length: 4 as unknown as LengthFunction }))).toBe(
      'length',
    );
    expect(invalidField(() => splitRecursive('x y', { chunkSize: 10, length: () => Number.NaN }))).toBe('length');
    expect(invalidField(() => splitRecursive(42 as unknown as string, { chunkSize: 10 }))).toBe('text');
  });
});
