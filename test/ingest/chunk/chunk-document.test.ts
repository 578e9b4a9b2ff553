/**
 * `chunkDocument`: which splitter 'auto' picks, pages from `PageSpan`s, the token unit and its required
 * length function, the defaults, and validation of configuration values.
 */

import { describe, expect, it } from 'vitest';
import { isQuiverError } from '../../../src/errors.js';
import { type ChunkerOptions, chunkDocument, DEFAULT_CHUNKER, tokenLength } from '../../../src/ingest/chunk/index.js';
import type { LoadedDocument } from '../../../src/ingest/document.js';

function doc(text: string, extra: Partial<LoadedDocument> = {}): LoadedDocument {
  return {
    id: 'doc.md',
    source: 'doc.md',
    title: 'Doc',
    type: 'markdown',
    mtime: 0,
    hash: 'h',
    text,
    metadata: {},
    ...extra,
  };
}

const chars = (chunkSize: number, extra: Partial<ChunkerOptions> = {}): ChunkerOptions => ({
  splitter: 'auto',
  chunkSize,
  chunkOverlap: 0,
  unit: 'chars',
  ...extra,
});

const words = (t: string): number => t.split(/\s+/).filter(Boolean).length;

describe('chunkDocument', () => {
  const markdown = '# Title\n\nBody text here.';

  it("'auto' splits markdown documents by heading and other documents recursively", () => {
    const md = chunkDocument(doc(markdown), chars(100));
    expect(md).toEqual([{ index: 0, text: markdown, start: 0, end: markdown.length, headings: ['Title'] }]);
    const plain = chunkDocument(doc(markdown, { type: 'text' }), chars(100));
    expect(plain).toEqual([{ index: 0, text: markdown, start: 0, end: markdown.length }]);
  });

  it('an explicit splitter wins over the document type', () => {
    expect(chunkDocument(doc(markdown), chars(100, { splitter: 'recursive' }))[0]!.headings).toBeUndefined();
    expect(chunkDocument(doc(markdown, { type: 'html' }), chars(100, { splitter: 'markdown' }))[0]!.headings).toEqual([
      'Title',
    ]);
  });

  it('tags each chunk with the page holding its first character', () => {
    const text = 'Page one text.\n\nStill page one.\n\nPage two starts. And ends.\n\nPage three.';
    const two = text.indexOf('Page two');
    const three = text.indexOf('Page three');
    const pages = [
      { page: 1, start: 0, end: two },
      { page: 2, start: two, end: three },
      { page: 3, start: three, end: text.length },
    ];
    const chunks = chunkDocument(doc(text, { type: 'pdf', pages }), chars(20));
    expect(chunks.map((c) => [c.text, c.page])).toEqual([
      ['Page one text.', 1],
      ['Still page one.', 1],
      ['Page two starts.', 2],
      ['And ends.', 2],
      ['Page three.', 3],
    ]);
    // A chunk that runs over a page break keeps the page it starts on.
    const merged = chunkDocument(doc(text, { type: 'pdf', pages }), chars(50));
    expect(merged.map((c) => [c.text, c.page])).toEqual([
      ['Page one text.\n\nStill page one.', 1],
      ['Page two starts. And ends.\n\nPage three.', 2],
    ]);
    expect(chunkDocument(doc(text, { type: 'text' }), chars(20))[0]!.page).toBeUndefined();
  });

  it("measures in tokens with unit 'tokens', and requires a length function for it", () => {
    const text = 'one two three four five six seven eight';
    const options: ChunkerOptions = { splitter: 'recursive', chunkSize: 3, chunkOverlap: 1, unit: 'tokens' };
    const chunks = chunkDocument(doc(text, { type: 'text' }), options, tokenLength(words));
    expect(chunks.map((c) => c.text)).toEqual(['one two three', 'three four five', 'five six seven', 'seven eight']);
    try {
      chunkDocument(doc(text), options);
      expect.unreachable('tokens without a length function');
    } catch (err) {
      expect(isQuiverError(err, 'INVALID_ARGUMENT')).toBe(true);
      expect((err as { details: { field: string } }).details.field).toBe('length');
    }
    // With 'chars' a length function is ignored: 'one two three four' is 18 characters.
    expect(chunkDocument(doc(text, { type: 'text' }), chars(18), words)[0]!.text).toBe('one two three four');
  });

  it('passes separators through', () => {
    const chunks = chunkDocument(doc('a-b-c-d', { type: 'text' }), chars(4, { separators: ['-'] }));
    expect(chunks.map((c) => c.text)).toEqual(['a-b-', 'c-d']);
  });

  it('defaults to 200-token chunks with 30 tokens of overlap', () => {
    expect(DEFAULT_CHUNKER).toEqual({ splitter: 'auto', chunkSize: 200, chunkOverlap: 30, unit: 'tokens' });
    expect(Object.isFrozen(DEFAULT_CHUNKER)).toBe(true);
    const text = Array.from({ length: 500 }, (_, i) => `w${i}`).join(' ');
    const chunks = chunkDocument(doc(text, { type: 'text' }), DEFAULT_CHUNKER, tokenLength(words));
    for (const c of chunks) expect(words(c.text)).toBeLessThanOrEqual(200);
    expect(words(chunks[0]!.text)).toBe(200);
    expect(chunks[1]!.text.startsWith('w170 ')).toBe(true);
  });

  it('rejects unknown splitters and units, and bad sizes, naming the field', () => {
    const field = (options: ChunkerOptions): unknown => {
      try {
        chunkDocument(doc('text'), options, words);
      } catch (err) {
        return isQuiverError(err, 'INVALID_ARGUMENT') ? err.details.field : err;
      }
      return 'no error';
    };
    expect(field(chars(10, { splitter: 'semantic' as ChunkerOptions['splitter'] }))).toBe('splitter');
    expect(field(chars(10, { unit: 'lines' as ChunkerOptions['unit'] }))).toBe('unit');
    expect(field(chars(0))).toBe('chunkSize');
    expect(field(chars(10, { chunkOverlap: 10 }))).toBe('chunkOverlap');
  });
});
