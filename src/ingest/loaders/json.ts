/**
 * JSON loader: `.json` (an array of objects, or one object) and `.jsonl`/`.ndjson` (one object per line, blank
 * lines allowed). Each record becomes one document with id `${relPath}#${recordId}`, picked out by a field
 * mapping (`BEIR_MAPPING` for BEIR corpora). Parse errors name the file and, for JSONL, the line.
 */

import { QuiverError } from '../../errors.js';
import type { LoadedDocument } from '../document.js';
import { assertText } from './binary.js';
import { extensionOf, fileTitle } from './build.js';
import type { Loader, LoadOptions, SourceFile } from './loader.js';
import { type RecordFields, RecordMapper } from './records.js';

/** Which fields of a record hold what. Field names may be dotted paths into nested objects (`meta.author`). */
export interface JsonMapping {
  /** The record id; records without one are numbered by 0-based position. */
  id?: string;
  title?: string;
  /** One field, or several joined with a blank line (empty ones skipped). */
  text: string | string[];
  /** Fields copied into metadata (under the path as written) when their value is a string, number or boolean. */
  metadata?: string[];
}

/** BEIR corpus format: `{"_id", "title", "text", "metadata"}`; the title is also embedded with the text. */
export const BEIR_MAPPING: JsonMapping = { id: '_id', title: 'title', text: ['title', 'text'] };

const DEFAULT_ID_FIELDS = ['id', '_id'];
const DEFAULT_TEXT_FIELDS = ['text', 'content', 'body'];

interface JsonRecord {
  value: unknown;
  /** Human-readable location for errors: `line 7` or `record 3`. */
  where: string;
  line?: number;
}

export const jsonLoader: Loader = {
  type: 'json',
  extensions: ['.json', '.jsonl', '.ndjson'],
  async load(file: SourceFile, bytes: Uint8Array, options: LoadOptions): Promise<LoadedDocument[]> {
    const source = assertText(bytes, file);
    const records = extensionOf(file.relPath) === '.json' ? parseJson(source, file) : parseJsonLines(source, file);
    const mapper = new RecordMapper(file, 'json');
    const base = fileTitle(file.relPath);
    for (const [position, record] of records.entries()) {
      const obj = asObject(record, file);
      mapper.add(fieldsOf(obj, options.json, record, file), {
        fallbackId: String(position),
        where: record.where,
        fallbackTitle: (recordId) => `${base} #${recordId}`,
      });
    }
    if (options.json && mapper.recordCount > 0 && !mapper.sawTextField) {
      // Every record lacking every text field is a mapping typo, not a file of empty records.
      const fields = ([] as string[]).concat(options.json.text);
      throw new QuiverError(
        'FIELD_NOT_FOUND',
        `${file.relPath}: none of its ${mapper.recordCount} records has the mapped text field(s) ${fields.join(', ')}`,
        { file: file.relPath, field: fields.join(',') },
      );
    }
    return mapper.documents;
  },
};

function parseJson(source: string, file: SourceFile): JsonRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    const line = lineOfParseError(err, source);
    throw new QuiverError(
      'MALFORMED_FILE',
      `${file.relPath}${line ? ` line ${line}` : ''}: invalid JSON: ${(err as Error).message}`,
      { file: file.relPath, ...(line ? { line } : {}) },
      { cause: err },
    );
  }
  const values = Array.isArray(value) ? value : [value];
  return values.map((v, i) => ({ value: v, where: `record ${i}` }));
}

function parseJsonLines(source: string, file: SourceFile): JsonRecord[] {
  const records: JsonRecord[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() === '') continue;
    try {
      records.push({ value: JSON.parse(text), where: `line ${i + 1}`, line: i + 1 });
    } catch (err) {
      throw new QuiverError(
        'MALFORMED_FILE',
        `${file.relPath} line ${i + 1}: invalid JSON: ${(err as Error).message}`,
        { file: file.relPath, line: i + 1 },
        { cause: err },
      );
    }
  }
  return records;
}

function asObject(record: JsonRecord, file: SourceFile): Record<string, unknown> {
  const { value } = record;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  throw new QuiverError(
    'MALFORMED_FILE',
    `${file.relPath} ${record.where}: expected a JSON object per record, got ${kind}`,
    { file: file.relPath, ...(record.line ? { line: record.line } : {}) },
  );
}

/** Applies the mapping, or the default one: id `id`|`_id`, title `title`, text the first of `text`|`content`|`body`. */
function fieldsOf(
  obj: Record<string, unknown>,
  mapping: JsonMapping | undefined,
  record: JsonRecord,
  file: SourceFile,
): RecordFields {
  if (mapping) {
    const textPaths = ([] as string[]).concat(mapping.text);
    return {
      id: mapping.id === undefined ? undefined : getPath(obj, mapping.id),
      title: mapping.title === undefined ? undefined : getPath(obj, mapping.title),
      text: textPaths.map((path) => getPath(obj, path)),
      metadata: (mapping.metadata ?? []).map((path) => [path, getPath(obj, path)] as const),
    };
  }
  const textField = DEFAULT_TEXT_FIELDS.find((f) => obj[f] !== undefined && obj[f] !== null);
  if (textField === undefined) {
    throw new QuiverError(
      'FIELD_NOT_FOUND',
      `${file.relPath} ${record.where}: no text field (looked for ${DEFAULT_TEXT_FIELDS.join(', ')}); ` +
        `pass a JSON mapping naming the text field(s). Fields present: ${Object.keys(obj).join(', ') || 'none'}`,
      { file: file.relPath, field: 'text', ...(record.line ? { line: record.line } : {}) },
    );
  }
  const idField = DEFAULT_ID_FIELDS.find((f) => obj[f] !== undefined);
  return {
    id: idField === undefined ? undefined : obj[idField],
    title: obj.title,
    text: [obj[textField]],
    metadata: [],
  };
}

/** Reads `a.b.c`; a key that itself contains dots wins over the nested reading. */
export function getPath(obj: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(obj, path)) return obj[path];
  let current: unknown = obj;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** V8 reports `position N` (and newer versions `line L column C`); turn either into a 1-based line. */
function lineOfParseError(err: unknown, source: string): number | undefined {
  const message = (err as Error).message ?? '';
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const pos = /position (\d+)/.exec(message);
  if (!pos) return undefined;
  let n = 1;
  const end = Math.min(Number(pos[1]), source.length);
  for (let i = 0; i < end; i++) if (source.charCodeAt(i) === 10) n++;
  return n;
}
