/**
 * PDF loader: the text layer of every page, pages joined with a blank line, plus `pages` spans mapping text
 * offsets back to 1-based page numbers. The only file that imports pdfjs-dist, and only lazily on the first PDF,
 * so loading markdown never pays for it. pdfjs runs in-process with eval, system fonts, font faces and
 * fetching off; its warnings are silenced. Encrypted PDFs fail with ENCRYPTED_FILE, broken ones with MALFORMED_FILE.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { QuiverError } from '../../errors.js';
import type { LoadedDocument, PageSpan } from '../document.js';
import { asScalar, buildDocument, fileTitle, type Metadata } from './build.js';
import type { Loader, SourceFile } from './loader.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let pdfjsPromise: Promise<PdfJs> | undefined;
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsPromise;
}

/** Local folders of CMaps (CJK text) and standard-font metrics shipped with pdfjs-dist, as pdfjs wants them. */
function resourceDirs(): { cMapUrl?: string; standardFontDataUrl?: string } {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
    return { cMapUrl: join(root, 'cmaps') + '/', standardFontDataUrl: join(root, 'standard_fonts') + '/' };
  } catch {
    return {}; // Text of simple fonts still extracts without them.
  }
}

export interface PdfText {
  text: string;
  pages: PageSpan[];
}

/**
 * Joins page texts with "\n\n" (empty pages add nothing) and computes spans that cover `text` without gaps:
 * a page's span runs from the start of its text to the start of the next page's, so the separator belongs to
 * the page before it, and an empty page gets a zero-length span where it would have been.
 */
export function joinPages(pageTexts: readonly string[]): PdfText {
  let text = '';
  const starts: Array<number | undefined> = [];
  for (const pageText of pageTexts) {
    if (pageText === '') {
      starts.push(undefined);
      continue;
    }
    if (text !== '') text += '\n\n';
    starts.push(text.length);
    text += pageText;
  }
  // An empty page starts where the next non-empty page starts (or at the end when none follows).
  let next = text.length;
  for (let i = starts.length - 1; i >= 0; i--) {
    if (starts[i] === undefined) starts[i] = next;
    else next = starts[i]!;
  }
  const pages = starts.map((start, i) => ({ page: i + 1, start: start!, end: starts[i + 1] ?? text.length }));
  return { text, pages };
}

export const pdfLoader: Loader = {
  type: 'pdf',
  extensions: ['.pdf'],
  async load(file: SourceFile, bytes: Uint8Array): Promise<LoadedDocument[]> {
    const pdfjs = await loadPdfJs();
    const task = pdfjs.getDocument({
      // pdfjs may transfer (detach) the buffer it is given; hand it a copy so the caller's bytes survive.
      data: new Uint8Array(bytes),
      verbosity: pdfjs.VerbosityLevel.ERRORS, // 0: no warnings on the console; failures reach us as rejections.
      isEvalSupported: false,
      useSystemFonts: false,
      disableFontFace: true,
      useWorkerFetch: false,
      isOffscreenCanvasSupported: false,
      isImageDecoderSupported: false,
      enableXfa: false,
      stopAtErrors: false,
      ...resourceDirs(),
    });
    try {
      const doc = await task.promise;
      const pageTexts: string[] = [];
      for (let n = 1; n <= doc.numPages; n++) {
        const page = await doc.getPage(n);
        const content = await page.getTextContent();
        let pageText = '';
        for (const item of content.items) {
          if (!('str' in item)) continue; // marked-content markers carry no text
          pageText += item.str;
          if (item.hasEOL) pageText += '\n';
        }
        pageTexts.push(tidy(pageText));
        page.cleanup();
      }
      const { info } = await doc.getMetadata();
      const { text, pages } = joinPages(pageTexts);
      const metadata: Metadata = { pageCount: doc.numPages };
      const author = infoString(info, 'Author');
      if (author) metadata.author = author;
      const title = infoString(info, 'Title') || fileTitle(file.relPath);
      return [buildDocument(file, 'pdf', { title, text, pages, metadata })];
    } catch (err) {
      throw pdfError(err, file);
    } finally {
      await task.destroy();
    }
  },
};

/** Trailing spaces on lines and blank lines at the page's edges carry nothing. */
function tidy(pageText: string): string {
  return pageText.replace(/[ \t]+\n/g, '\n').trim();
}

function infoString(info: unknown, key: string): string {
  const value = asScalar((info as Record<string, unknown> | null)?.[key]);
  return typeof value === 'string' ? value.trim() : '';
}

function pdfError(err: unknown, file: SourceFile): QuiverError {
  if (err instanceof QuiverError) return err;
  const name = (err as { name?: string } | null)?.name;
  const message = (err as { message?: string } | null)?.message ?? String(err);
  if (name === 'PasswordException') {
    return new QuiverError(
      'ENCRYPTED_FILE',
      `${file.relPath} is encrypted (password-protected); decrypt it first, e.g. \`qpdf --decrypt --password=… in.pdf out.pdf\``,
      { file: file.relPath },
      { cause: err },
    );
  }
  return new QuiverError(
    'MALFORMED_FILE',
    `${file.relPath} could not be read as a PDF: ${message}`,
    { file: file.relPath, reason: name ?? 'unknown' },
    { cause: err },
  );
}
