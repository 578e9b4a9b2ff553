/**
 * The content hash every loader stamps on its documents. Equal hashes mean "nothing to re-ingest", so the
 * hash covers exactly what ends up in the index (title, text, metadata) and is independent of metadata key
 * order. Values keep their JSON type, so `1` and `"1"` hash differently.
 */

import { createHash } from 'node:crypto';

export interface HashedFields {
  title: string;
  text: string;
  metadata: Readonly<Record<string, string | number | boolean>>;
}

/** sha256 (hex) over title, text and metadata with keys sorted. */
export function documentHash(fields: HashedFields): string {
  const keys = Object.keys(fields.metadata).sort();
  const metadata = keys.map((key) => [key, fields.metadata[key]]);
  // A JSON array is an unambiguous framing: no separator inside a title or text can fake a field boundary.
  const canonical = JSON.stringify([fields.title, fields.text, metadata]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
