/**
 * The loader contract: a loader turns the bytes of one source file into `LoadedDocument`s. Single-document
 * formats (text, markdown, HTML, PDF) return exactly one document; record formats (JSON, JSONL, CSV) return one
 * per non-empty record. Loaders do no I/O of their own: `loadFile` in `registry.ts` reads the bytes and picks
 * the loader by extension, so each loader is a pure function of (file, bytes, options).
 */

import type { DocumentType, LoadedDocument } from '../document.js';
import type { CsvMapping } from './csv.js';
import type { JsonMapping } from './json.js';

/** One file found under an ingest root. */
export interface SourceFile {
  /** Absolute path on disk, used only to read the file. */
  absPath: string;
  /** Path relative to the ingest root, forward slashes: the document's `source` and the base of its id. */
  relPath: string;
  /** Modification time, ms since the epoch. */
  mtime: number;
  /** Size in bytes. */
  size: number;
}

/** Per-type options; a loader reads only its own entry and ignores the rest. */
export interface LoadOptions {
  /** Field mapping for .json/.jsonl/.ndjson records; without it the default mapping applies. */
  json?: JsonMapping;
  /** Column mapping for .csv/.tsv rows; without it every column becomes a `header: value` line. */
  csv?: CsvMapping;
}

export interface Loader {
  readonly type: DocumentType;
  /** Lower-case extensions with the dot, e.g. `['.md', '.markdown']`. */
  readonly extensions: readonly string[];
  load(file: SourceFile, bytes: Uint8Array, options: LoadOptions): Promise<LoadedDocument[]>;
}
