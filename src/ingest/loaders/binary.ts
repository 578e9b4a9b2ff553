/**
 * Text decoding for every text-based loader: refuses binary files and anything that is not valid UTF-8 with
 * an UNSUPPORTED_FILE error that names the file and says why, and strips a UTF-8 byte-order mark. Rejecting
 * early keeps garbage (a `.txt` that is really a zip, a Latin-1 export) out of the index instead of embedding
 * replacement characters.
 */

import { QuiverError } from '../../errors.js';
import type { SourceFile } from './loader.js';

/** How much of the file is scanned for a NUL byte, the same heuristic git and grep use. */
const BINARY_SNIFF_BYTES = 8192;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Asserts `bytes` are UTF-8 text and returns them decoded, without a leading BOM.
 * Throws UNSUPPORTED_FILE when a NUL byte occurs in the first 8 KiB or the bytes are not valid UTF-8.
 */
export function assertText(bytes: Uint8Array, file: SourceFile): string {
  const limit = Math.min(bytes.length, BINARY_SNIFF_BYTES);
  for (let i = 0; i < limit; i++) {
    if (bytes[i] === 0) {
      throw new QuiverError(
        'UNSUPPORTED_FILE',
        `${file.relPath} looks like a binary file (NUL byte at offset ${i}), not text`,
        { file: file.relPath, reason: 'binary', offset: i },
      );
    }
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (err) {
    throw new QuiverError(
      'UNSUPPORTED_FILE',
      `${file.relPath} is not valid UTF-8 text; re-save it as UTF-8 before ingesting`,
      { file: file.relPath, reason: 'encoding' },
      { cause: err },
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Turns CRLF and lone CR line endings into LF, so offsets and line-based parsing see one convention. */
export function normalizeNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
