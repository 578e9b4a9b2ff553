/**
 * The JSON loader on real .json/.jsonl files: default and explicit mappings (BEIR included), dotted paths,
 * record ids and titles, skipped empty records, and errors that name the file and the line or record.
 */

import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BEIR_MAPPING, getPath } from '../../../src/ingest/loaders/json.js';
import { loadFile } from '../../../src/ingest/loaders/registry.js';
import { catchQuiverError, expectWellFormed, type Fixtures, makeFixtures } from './fixtures.js';

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');

describe('jsonLoader', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
  });
  afterEach(() => fx.remove());

  it('a .json array with the default mapping: id|_id, title, text|content|body', async () => {
    const records = [
      { id: 'a1', title: 'First', text: 'alpha text', extra: 1 },
      { _id: 7, content: 'beta content' },
      { body: 'gamma body', title: '' },
      { id: 'empty', text: '   ' },
    ];
    const file = await fx.write('data/items.json', JSON.stringify(records, null, 2));
    const docs = await loadFile(file);
    expect(docs.map((d) => d.id)).toEqual(['data/items.json#a1', 'data/items.json#7', 'data/items.json#2']);
    expect(docs.map((d) => d.title)).toEqual(['First', 'items #7', 'items #2']);
    expect(docs.map((d) => d.text)).toEqual(['alpha text', 'beta content', 'gamma body']);
    for (const doc of docs) {
      expectWellFormed(doc, file, 'json');
      expect(doc.metadata).toEqual({});
    }
  });

  it('a single .json object is one record', async () => {
    const file = await fx.write('one.json', '{"title": "Solo", "body": "only one"}');
    const docs = await loadFile(file);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ id: 'one.json#0', title: 'Solo', text: 'only one' });
  });

  it('.jsonl with the BEIR mapping: _id, title embedded with text, blank lines allowed', async () => {
    const source = [
      JSON.stringify({ _id: '4983', title: 'Microstructure', text: 'Alterations of the brain.', metadata: {} }),
      '',
      '   ',
      JSON.stringify({ _id: '5836', title: '', text: 'Untitled abstract.', metadata: {} }),
      JSON.stringify({ _id: '7912', title: 'Empty abstract', text: '', metadata: {} }),
      '',
    ].join('\r\n');
    const file = await fx.write('scifact/corpus.jsonl', source);
    const docs = await loadFile(file, { json: BEIR_MAPPING });
    expect(docs.map((d) => d.id)).toEqual([
      'scifact/corpus.jsonl#4983',
      'scifact/corpus.jsonl#5836',
      'scifact/corpus.jsonl#7912',
    ]);
    expect(docs.map((d) => d.text)).toEqual([
      'Microstructure\n\nAlterations of the brain.',
      'Untitled abstract.',
      'Empty abstract',
    ]);
    expect(docs.map((d) => d.title)).toEqual(['Microstructure', 'corpus #5836', 'Empty abstract']);
    for (const doc of docs) expectWellFormed(doc, file, 'json');
  });

  it('explicit mapping: dotted paths, several text fields, scalar metadata only', async () => {
    const rows = [
      {
        key: { id: 'x-1' },
        meta: { headline: 'Dotted' },
        parts: { lead: 'Lead para.', rest: ['line a', 'line b'] },
        'a.b': 'literal dotted key',
        year: 2021,
        open: true,
        tags: ['t'],
        author: { name: 'Ada' },
      },
      { key: { id: 'x-2' }, parts: { lead: '', rest: null }, year: 2022 },
      { parts: { lead: 'no id here' }, year: null },
    ];
    const file = await fx.write('nested.ndjson', jsonl(rows));
    const docs = await loadFile(file, {
      json: {
        id: 'key.id',
        title: 'meta.headline',
        text: ['parts.lead', 'parts.rest'],
        metadata: ['year', 'open', 'tags', 'author.name', 'a.b', 'missing'],
      },
    });
    expect(docs.map((d) => d.id)).toEqual(['nested.ndjson#x-1', 'nested.ndjson#2']);
    expect(docs[0]!.title).toBe('Dotted');
    expect(docs[0]!.text).toBe('Lead para.\n\nline a\nline b');
    expect(docs[0]!.metadata).toEqual({ year: 2021, open: true, 'author.name': 'Ada', 'a.b': 'literal dotted key' });
    expect(docs[1]!.metadata).toEqual({});
    expect(docs[1]!.title).toBe('nested #2');
  });

  it('getPath prefers a literal dotted key and returns undefined through scalars', () => {
    expect(getPath({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(getPath({ a: { b: 2 } }, 'a.b')).toBe(2);
    expect(getPath({ a: 'str' }, 'a.length')).toBeUndefined();
  });

  it('a broken JSONL line → MALFORMED_FILE naming the file and the line number', async () => {
    const source = [jsonl([{ text: 'ok' }]), '', '{"text": "broken",', jsonl([{ text: 'after' }])].join('\n');
    const file = await fx.write('logs/broken.jsonl', source);
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('MALFORMED_FILE');
    expect(err.message).toContain('logs/broken.jsonl');
    expect(err.message).toContain('line 3');
    expect(err.details).toMatchObject({ file: 'logs/broken.jsonl', line: 3 });
  });

  it('invalid .json → MALFORMED_FILE naming the file (V8 reports no position, so no line here)', async () => {
    const file = await fx.write('bad.json', '[\n  {"text": "a"},\n  {"text": }\n]');
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('MALFORMED_FILE');
    expect(err.message).toContain('bad.json');
    expect(err.message).toContain('invalid JSON');
    expect(err.details.file).toBe('bad.json');
  });

  it('invalid .json → the line of the error when V8 reports a position', async () => {
    const file = await fx.write('pos.json', '[\n  {"text": "a"},\n  {"text": "b",\n   oops: 1}\n]');
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('MALFORMED_FILE');
    expect(err.message).toContain('pos.json line 4');
    expect(err.details.line).toBe(4);
  });

  it('a record that is not an object → MALFORMED_FILE naming where', async () => {
    const file = await fx.write('mixed.jsonl', '{"text":"a"}\n[1,2]\n');
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('MALFORMED_FILE');
    expect(err.message).toContain('mixed.jsonl line 2');
    expect(err.message).toContain('array');
  });

  it('default mapping with no text field → FIELD_NOT_FOUND naming file and record', async () => {
    const file = await fx.write('notext.json', JSON.stringify([{ text: 'fine' }, { summary: 'oops', id: 3 }]));
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('FIELD_NOT_FOUND');
    expect(err.message).toContain('notext.json record 1');
    expect(err.message).toContain('summary');
  });

  it('a mapping whose text fields no record has → FIELD_NOT_FOUND (a typo, not empty data)', async () => {
    const file = await fx.write('typo.jsonl', jsonl([{ txt: 'a' }, { txt: 'b' }]));
    const err = await catchQuiverError(() => loadFile(file, { json: { text: 'text' } }));
    expect(err.code).toBe('FIELD_NOT_FOUND');
    expect(err.message).toContain('typo.jsonl');
  });

  it('duplicate record ids → DUPLICATE_KEY naming both places', async () => {
    const file = await fx.write(
      'dup.jsonl',
      jsonl([
        { id: 'a', text: 'x' },
        { id: 'b', text: 'y' },
        { id: 'a', text: 'z' },
      ]),
    );
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('DUPLICATE_KEY');
    expect(err.message).toContain('"a"');
    expect(err.message).toContain('line 1 and line 3');
  });

  const corpus = fileURLToPath(new URL('../../../../shared/data/scifact/corpus.jsonl', import.meta.url));
  it.skipIf(!existsSync(corpus))('loads the SciFact corpus with BEIR_MAPPING: 5183 docs, ids like #4983', async () => {
    const info = await stat(corpus);
    const file = { absPath: corpus, relPath: 'corpus.jsonl', mtime: info.mtimeMs, size: info.size };
    const started = performance.now();
    const docs = await loadFile(file, { json: BEIR_MAPPING });
    const ms = performance.now() - started;
    console.log(`scifact corpus.jsonl: ${docs.length} docs in ${ms.toFixed(0)} ms`);
    expect(docs).toHaveLength(5183);
    expect(docs[0]!.id).toBe('corpus.jsonl#4983');
    expect(docs[0]!.title).toMatch(/^Microstructural development of human newborn/);
    expect(docs[0]!.text.startsWith(`${docs[0]!.title}\n\nAlterations of the architecture`)).toBe(true);
    expect(new Set(docs.map((d) => d.id)).size).toBe(5183);
    for (const doc of docs) expectWellFormed(doc, file, 'json');
  });
});
