/**
 * The PDF loader on hand-built PDFs: per-page text and page spans, the Info title, empty and text-less pages,
 * broken files (MALFORMED_FILE naming the file) and a real RC4-encrypted file (ENCRYPTED_FILE).
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinPages, pdfLoader } from '../../../src/ingest/loaders/pdf.js';
import { loadFile } from '../../../src/ingest/loaders/registry.js';
import { catchQuiverError, expectPagesCover, expectWellFormed, type Fixtures, makeFixtures } from './fixtures.js';
import { buildPdf } from './pdf-fixtures.js';

describe('pdfLoader', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
  });
  afterEach(() => fx.remove());

  it('extracts each page, joins pages with a blank line, and maps spans to pages', async () => {
    const pdf = buildPdf({
      pages: [['Quiver manual (draft)', 'Chapter one text'], ['Second page here'], ['Third page', 'last line']],
      title: 'The Quiver Manual',
    });
    const file = await fx.write('manuals/quiver.pdf', pdf);
    const [doc, ...rest] = await loadFile(file);
    expect(rest).toHaveLength(0);
    expectWellFormed(doc!, file, 'pdf');
    expect(doc!.id).toBe('manuals/quiver.pdf');
    expect(doc!.title).toBe('The Quiver Manual');
    expect(doc!.metadata).toMatchObject({ pageCount: 3 });
    expect(doc!.text).toBe('Quiver manual (draft)\nChapter one text\n\nSecond page here\n\nThird page\nlast line');
    const pages = doc!.pages!;
    expect(pages.map((p) => p.page)).toEqual([1, 2, 3]);
    const pageText = pages.map((p) => doc!.text.slice(p.start, p.end).trimEnd());
    expect(pageText).toEqual(['Quiver manual (draft)\nChapter one text', 'Second page here', 'Third page\nlast line']);
    expectPagesCover(doc!);
  });

  it('falls back to the file name without a Title, and gives empty pages zero-length spans', async () => {
    const file = await fx.write('Scan 01.PDF', buildPdf({ pages: [['alpha'], [], ['gamma']] }));
    const [doc] = await loadFile(file);
    expectWellFormed(doc!, file, 'pdf');
    expect(doc!.title).toBe('Scan 01');
    expect(doc!.text).toBe('alpha\n\ngamma');
    expect(doc!.pages).toEqual([
      { page: 1, start: 0, end: 7 },
      { page: 2, start: 7, end: 7 },
      { page: 3, start: 7, end: 12 },
    ]);
  });

  it('a PDF without a text layer loads as empty text with non-negative spans', async () => {
    const file = await fx.write('scanned.pdf', buildPdf({ pages: [[], []], title: '  ' }));
    const [doc] = await loadFile(file);
    expectWellFormed(doc!, file, 'pdf');
    expect(doc!.title).toBe('scanned');
    expect(doc!.text).toBe('');
    expect(doc!.pages).toEqual([
      { page: 1, start: 0, end: 0 },
      { page: 2, start: 0, end: 0 },
    ]);
  });

  it('garbage and truncated files → MALFORMED_FILE naming the file', async () => {
    const garbage = await fx.write('junk.pdf', 'this is not a pdf at all');
    const err = await catchQuiverError(() => loadFile(garbage));
    expect(err.code).toBe('MALFORMED_FILE');
    expect(err.message).toContain('junk.pdf');
    expect(err.details.file).toBe('junk.pdf');

    const whole = buildPdf({ pages: [['hello']] });
    const truncated = await fx.write('cut/truncated.pdf', whole.subarray(0, 40));
    const cut = await catchQuiverError(() => loadFile(truncated));
    expect(cut.code).toBe('MALFORMED_FILE');
    expect(cut.message).toContain('cut/truncated.pdf');
  });

  it('an encrypted PDF (RC4, user password) → ENCRYPTED_FILE telling the user to decrypt it', async () => {
    const pdf = buildPdf({ pages: [['top secret']], title: 'Secret', userPassword: 'hunter2' });
    const file = await fx.write('locked.pdf', pdf);
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('ENCRYPTED_FILE');
    expect(err.message).toContain('locked.pdf');
    expect(err.message).toMatch(/encrypted.*decrypt it first/);
  });

  it('leaves the caller’s bytes intact (pdfjs may transfer its input)', async () => {
    const bytes = buildPdf({ pages: [['x']] });
    const file = { absPath: '/nowhere/x.pdf', relPath: 'x.pdf', mtime: 1, size: bytes.length };
    await pdfLoader.load(file, bytes, {});
    expect(bytes.length).toBeGreaterThan(0);
    const [again] = await pdfLoader.load(file, bytes, {});
    expect(again!.text).toBe('x');
  });
});

describe('joinPages', () => {
  it('covers the text without gaps or overlaps, whatever pages are empty', () => {
    const cases = [[], [''], ['a'], ['', 'b'], ['a', ''], ['a', '', '', 'd'], ['', 'b', '', 'd', '']];
    for (const pageTexts of cases) {
      const { text, pages } = joinPages(pageTexts);
      expect(text).toBe(pageTexts.filter((t) => t !== '').join('\n\n'));
      expect(pages).toHaveLength(pageTexts.length);
      expectPagesCover({ text, pages, id: '', source: '', title: 't', type: 'pdf', mtime: 0, hash: '', metadata: {} });
      pages.forEach((span, i) => {
        expect(text.slice(span.start, span.end).trimEnd()).toBe(pageTexts[i]);
      });
    }
  });
});
