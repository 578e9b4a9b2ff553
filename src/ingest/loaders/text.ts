/**
 * Plain-text loader: `.txt` and other text-like extensions (`.text`, `.log`, `.rst`). One document per file,
 * the whole file as its text (line endings normalised to LF), titled with the file name without extension.
 * reStructuredText is loaded as plain text on purpose: its markup reads fine to an embedding model.
 */

import type { LoadedDocument } from '../document.js';
import { assertText, normalizeNewlines } from './binary.js';
import { buildDocument, fileTitle } from './build.js';
import type { Loader, SourceFile } from './loader.js';

export const textLoader: Loader = {
  type: 'text',
  extensions: ['.txt', '.text', '.log', '.rst'],
  async load(file: SourceFile, bytes: Uint8Array): Promise<LoadedDocument[]> {
    const text = normalizeNewlines(assertText(bytes, file));
    return [buildDocument(file, 'text', { title: fileTitle(file.relPath), text })];
  },
};
