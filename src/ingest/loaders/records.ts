/**
 * Turning mapped records (JSON objects, CSV rows) into documents, shared by the JSON and CSV loaders: record
 * ids and their fallback, joining text fields, scalar metadata, skipping records with no text, and refusing
 * duplicate ids within a file (they would collide as document ids and break incremental ingestion).
 */

import { QuiverError } from '../../errors.js';
import type { DocumentType, LoadedDocument } from '../document.js';
import { asScalar, buildDocument, type Metadata } from './build.js';
import type { SourceFile } from './loader.js';

/** One record's raw mapped values, before conversion. */
export interface RecordFields {
  id: unknown;
  title: unknown;
  /** Values joined with a blank line; empty ones are skipped. */
  text: readonly unknown[];
  /** `[name, value]` pairs; only scalar values are kept. */
  metadata: ReadonlyArray<readonly [string, unknown]>;
}

export interface RecordPlace {
  /** Used as the record id when the record has none. */
  fallbackId: string;
  /** Human-readable location for errors: `line 7`, `row 3`. */
  where: string;
  /** Builds the title when the record has none. */
  fallbackTitle: (recordId: string) => string;
}

export class RecordMapper {
  private readonly docs: LoadedDocument[] = [];
  private readonly seen = new Map<string, string>();
  /** Whether any record had a value (possibly empty) in one of its text fields. */
  sawTextField = false;

  constructor(
    private readonly file: SourceFile,
    private readonly type: DocumentType,
  ) {}

  add(fields: RecordFields, place: RecordPlace): void {
    const rawId = asScalar(fields.id);
    const recordId = rawId === undefined || String(rawId).trim() === '' ? place.fallbackId : String(rawId).trim();
    const earlier = this.seen.get(recordId);
    if (earlier !== undefined) {
      throw new QuiverError(
        'DUPLICATE_KEY',
        `${this.file.relPath}: record id "${recordId}" appears twice (${earlier} and ${place.where}); ids must be unique within a file`,
        { file: this.file.relPath, field: 'id', received: recordId },
      );
    }
    this.seen.set(recordId, place.where);
    if (fields.text.some((v) => v !== undefined && v !== null)) this.sawTextField = true;
    const text = fields.text
      .map(textOf)
      .filter((t) => t.trim() !== '')
      .join('\n\n');
    if (text.trim() === '') return;
    const metadata: Metadata = {};
    for (const [name, value] of fields.metadata) {
      const scalar = asScalar(value);
      if (scalar !== undefined) metadata[name] = scalar;
    }
    const rawTitle = asScalar(fields.title);
    const title = (rawTitle === undefined ? '' : String(rawTitle).trim()) || place.fallbackTitle(recordId);
    this.docs.push(
      buildDocument(this.file, this.type, { id: `${this.file.relPath}#${recordId}`, title, text, metadata }),
    );
  }

  get documents(): LoadedDocument[] {
    return this.docs;
  }

  get recordCount(): number {
    return this.seen.size;
  }
}

/** Text of a field value: strings as is, scalars printed, lists one item per line, objects as JSON. */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value))
    return value
      .map(textOf)
      .filter((t) => t !== '')
      .join('\n');
  return JSON.stringify(value);
}
