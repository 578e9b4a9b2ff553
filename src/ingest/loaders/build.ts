/**
 * Small helpers every loader shares: file-name titles, extensions, and `buildDocument`, which fills the fields
 * all documents carry (source, type, mtime, hash) in one place so no loader can forget one.
 */

import type { DocumentType, LoadedDocument, PageSpan } from '../document.js';
import { documentHash } from './hash.js';
import type { SourceFile } from './loader.js';

export type Metadata = Record<string, string | number | boolean>;

export interface DocumentFields {
  /** Defaults to the file's relPath (one-document files); record loaders pass `${relPath}#${recordId}`. */
  id?: string;
  title: string;
  text: string;
  metadata?: Metadata;
  pages?: PageSpan[];
}

export function buildDocument(file: SourceFile, type: DocumentType, fields: DocumentFields): LoadedDocument {
  const metadata = fields.metadata ?? {};
  const doc: LoadedDocument = {
    id: fields.id ?? file.relPath,
    source: file.relPath,
    title: fields.title,
    type,
    mtime: file.mtime,
    hash: documentHash({ title: fields.title, text: fields.text, metadata }),
    text: fields.text,
    metadata,
  };
  if (fields.pages) doc.pages = fields.pages;
  return doc;
}

/** The last path segment: `docs/a.b.md` → `a.b.md`. */
export function fileName(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1);
}

/** Lower-case extension with the dot (`.md`), or '' when the name has none. A leading dot is not one. */
export function extensionOf(relPath: string): string {
  const name = fileName(relPath);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** The title a document falls back to: its file name without the extension (`docs/intro.md` → `intro`). */
export function fileTitle(relPath: string): string {
  const name = fileName(relPath);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A metadata-compatible scalar, or undefined for null, objects, arrays and non-finite numbers. */
export function asScalar(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}
