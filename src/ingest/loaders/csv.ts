/**
 * CSV/TSV loader (`.csv`, `.tsv`) on csv-parse: a header row is required, and each data row becomes one
 * document with id `${relPath}#${recordId}`. With a mapping, named columns give id, title, text and metadata
 * (a column the header lacks is an error listing the columns); without one, the text is every non-empty
 * column as a `header: value` line, the id the 1-based data row number, the title `<file> row N`.
 * Quoted fields may hold delimiters and newlines; a stray quote inside an unquoted field is kept as text.
 */

import { parse } from 'csv-parse/sync';
import { QuiverError } from '../../errors.js';
import type { LoadedDocument } from '../document.js';
import { assertText } from './binary.js';
import { extensionOf, fileTitle } from './build.js';
import type { Loader, LoadOptions, SourceFile } from './loader.js';
import { type RecordFields, RecordMapper } from './records.js';

/** Which columns hold what, by header name. Metadata values are kept as strings. */
export interface CsvMapping {
  id?: string;
  title?: string;
  /** One column, or several joined with a blank line (empty ones skipped). */
  text: string | string[];
  metadata?: string[];
  /** Defaults to `,` for .csv and a tab for .tsv. */
  delimiter?: string;
}

interface ParsedRow {
  record: string[];
  info: { lines: number };
}

export const csvLoader: Loader = {
  type: 'csv',
  extensions: ['.csv', '.tsv'],
  async load(file: SourceFile, bytes: Uint8Array, options: LoadOptions): Promise<LoadedDocument[]> {
    const mapping = options.csv;
    const delimiter = mapping?.delimiter ?? (extensionOf(file.relPath) === '.tsv' ? '\t' : ',');
    const rows = parseRows(assertText(bytes, file), delimiter, file);
    const [headerRow, ...dataRows] = rows;
    if (!headerRow) return [];
    const header = headerRow.record.map((h) => h.trim());
    const column = columnLookup(header, mapping, file);
    const base = fileTitle(file.relPath);
    const mapper = new RecordMapper(file, 'csv');
    for (const [i, { record, info }] of dataRows.entries()) {
      const row = String(i + 1);
      mapper.add(mapping ? mapped(record, mapping, column) : unmapped(record, header), {
        fallbackId: row,
        where: `row ${row} (line ${info.lines})`,
        fallbackTitle: () => `${base} row ${row}`,
      });
    }
    return mapper.documents;
  },
};

function parseRows(source: string, delimiter: string, file: SourceFile): ParsedRow[] {
  try {
    return parse(source, {
      delimiter,
      relax_quotes: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as ParsedRow[];
  } catch (err) {
    const line = (err as { lines?: unknown }).lines;
    throw new QuiverError(
      'MALFORMED_FILE',
      `${file.relPath}: invalid ${delimiter === '\t' ? 'TSV' : 'CSV'}: ${(err as Error).message}`,
      { file: file.relPath, ...(typeof line === 'number' ? { line } : {}) },
      { cause: err },
    );
  }
}

/** Index of each mapped column; throws FIELD_NOT_FOUND naming the missing one and listing those present. */
function columnLookup(header: string[], mapping: CsvMapping | undefined, file: SourceFile): Map<string, number> {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  if (!mapping) return index;
  const wanted = [mapping.id, mapping.title, ...([] as string[]).concat(mapping.text), ...(mapping.metadata ?? [])];
  for (const name of wanted) {
    if (name !== undefined && !index.has(name)) {
      throw new QuiverError(
        'FIELD_NOT_FOUND',
        `${file.relPath} has no column "${name}"; its columns are: ${header.join(', ')}`,
        { file: file.relPath, field: name, expected: header },
      );
    }
  }
  return index;
}

function mapped(record: string[], mapping: CsvMapping, column: Map<string, number>): RecordFields {
  const cell = (name: string | undefined) => (name === undefined ? undefined : record[column.get(name)!]);
  return {
    id: cell(mapping.id),
    title: cell(mapping.title),
    text: ([] as string[]).concat(mapping.text).map(cell),
    metadata: (mapping.metadata ?? []).map((name) => [name, cell(name)] as const),
  };
}

function unmapped(record: string[], header: string[]): RecordFields {
  const lines = header.flatMap((name, i) => {
    const value = record[i]?.trim() ?? '';
    return value === '' ? [] : [`${name}: ${value}`];
  });
  return { id: undefined, title: undefined, text: [lines.join('\n')], metadata: [] };
}
