/**
 * Picks a loader by file extension (case-insensitive) and runs it: `loadFile` is the one place that reads a
 * source file's bytes, turning filesystem failures into NOT_FOUND / IO_ERROR naming the file and its errno.
 */

import { readFile } from 'node:fs/promises';
import { QuiverError } from '../../errors.js';
import type { LoadedDocument } from '../document.js';
import { extensionOf } from './build.js';
import { csvLoader } from './csv.js';
import { htmlLoader } from './html.js';
import { jsonLoader } from './json.js';
import type { Loader, LoadOptions, SourceFile } from './loader.js';
import { markdownLoader } from './markdown.js';
import { pdfLoader } from './pdf.js';
import { textLoader } from './text.js';

/** Every built-in loader. Extensions do not overlap. */
export const LOADERS: readonly Loader[] = [markdownLoader, textLoader, htmlLoader, pdfLoader, jsonLoader, csvLoader];

const byExtension = new Map<string, Loader>(LOADERS.flatMap((l) => l.extensions.map((ext) => [ext, l] as const)));

/** Every extension some loader handles, lower case with the dot, sorted. */
export function supportedExtensions(): string[] {
  return [...byExtension.keys()].sort();
}

/** The loader for a path's extension (`Notes.MD` → markdown), or undefined when none handles it. */
export function loaderFor(relPath: string): Loader | undefined {
  return byExtension.get(extensionOf(relPath));
}

/**
 * Reads `file` and loads it with the loader for its extension.
 *
 * @example
 *   for (const file of await walkSources(['docs'])) {
 *     const docs = await loadFile(file, { json: BEIR_MAPPING });
 *   }
 */
export async function loadFile(file: SourceFile, options: LoadOptions = {}): Promise<LoadedDocument[]> {
  const loader = loaderFor(file.relPath);
  if (!loader) {
    throw new QuiverError(
      'UNSUPPORTED_FILE',
      `${file.relPath}: no loader for ${extensionOf(file.relPath) || 'files without an extension'}; ` +
        `supported: ${supportedExtensions().join(' ')}`,
      { file: file.relPath, reason: 'extension' },
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file.absPath);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') {
      throw new QuiverError(
        'NOT_FOUND',
        `${file.relPath} no longer exists (${file.absPath})`,
        { file: file.relPath },
        {
          cause: err,
        },
      );
    }
    throw new QuiverError(
      'IO_ERROR',
      `cannot read ${file.relPath} (${file.absPath}): ${errno ?? (err as Error).message}`,
      { file: file.relPath, errno },
      { cause: err },
    );
  }
  return loader.load(file, bytes, options);
}
