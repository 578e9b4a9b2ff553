/**
 * What a loader produces: one document's full text plus where it came from. Everything downstream (chunkers,
 * the ingestion ledger, citations) keys off these fields, so loaders fill every one of them.
 */

export type DocumentType = 'markdown' | 'text' | 'html' | 'pdf' | 'json' | 'csv';

/** A page of a paged document: the characters `[start, end)` of `text` came from page `page` (1-based). */
export interface PageSpan {
  page: number;
  start: number;
  end: number;
}

export interface LoadedDocument {
  /**
   * Stable identity used for incremental ingestion and chunk ids: the source path relative to the ingest root
   * for one-document files, or `${path}#${recordId}` for records of a JSON/JSONL/CSV file.
   */
  id: string;
  /** The file it was read from, relative to the ingest root (forward slashes). */
  source: string;
  title: string;
  type: DocumentType;
  /** The file's modification time, ms since the epoch. */
  mtime: number;
  /** sha256 (hex) of the document's text and metadata: equal hashes mean nothing to re-ingest. */
  hash: string;
  /** The full text chunkers split. Chunk offsets index into this string. */
  text: string;
  /** Present for paged formats (PDF); spans are in order, cover `text`, and do not overlap. */
  pages?: PageSpan[];
  /** Extra scalar fields from the source (mapped JSON/CSV columns, front matter); stored with every chunk. */
  metadata: Record<string, string | number | boolean>;
}
