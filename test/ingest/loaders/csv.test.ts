/**
 * The CSV/TSV loader on real files: quoted fields holding delimiters, quotes and newlines; the default
 * `header: value` text; explicit mappings; unknown columns; malformed files naming the line.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFile } from '../../../src/ingest/loaders/registry.js';
import { catchQuiverError, expectWellFormed, type Fixtures, makeFixtures } from './fixtures.js';

const PEOPLE = [
  'id,name,bio,city',
  'p1,"Lovelace, Ada","Wrote the first program.\nLiked ""poetical science"".",London',
  '',
  'p2,Grace Hopper,"Found a moth, literally",',
  'p3,,,',
  '',
].join('\r\n');

describe('csvLoader', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
  });
  afterEach(() => fx.remove());

  it('default mapping: every non-empty column as a `header: value` line, row numbers as ids', async () => {
    const file = await fx.write('people.csv', PEOPLE);
    const docs = await loadFile(file);
    expect(docs.map((d) => d.id)).toEqual(['people.csv#1', 'people.csv#2', 'people.csv#3']);
    expect(docs.map((d) => d.title)).toEqual(['people row 1', 'people row 2', 'people row 3']);
    expect(docs[0]!.text).toBe(
      'id: p1\nname: Lovelace, Ada\nbio: Wrote the first program.\nLiked "poetical science".\ncity: London',
    );
    expect(docs[1]!.text).toBe('id: p2\nname: Grace Hopper\nbio: Found a moth, literally');
    expect(docs[2]!.text).toBe('id: p3');
    for (const doc of docs) {
      expectWellFormed(doc, file, 'csv');
      expect(doc.metadata).toEqual({});
    }
  });

  it('explicit mapping: id, title, joined text columns, string metadata; empty rows skipped', async () => {
    const file = await fx.write('tables/people.csv', PEOPLE);
    const docs = await loadFile(file, { csv: { id: 'id', title: 'name', text: ['name', 'bio'], metadata: ['city'] } });
    expect(docs.map((d) => d.id)).toEqual(['tables/people.csv#p1', 'tables/people.csv#p2']);
    expect(docs[0]).toMatchObject({
      title: 'Lovelace, Ada',
      text: 'Lovelace, Ada\n\nWrote the first program.\nLiked "poetical science".',
      metadata: { city: 'London' },
    });
    expect(docs[1]!.metadata).toEqual({ city: '' });
    for (const doc of docs) expectWellFormed(doc, file, 'csv');
  });

  it('an unknown column → FIELD_NOT_FOUND listing the columns', async () => {
    const file = await fx.write('people.csv', PEOPLE);
    const err = await catchQuiverError(() => loadFile(file, { csv: { text: 'biography' } }));
    expect(err.code).toBe('FIELD_NOT_FOUND');
    expect(err.message).toContain('people.csv');
    expect(err.message).toContain('"biography"');
    expect(err.message).toContain('id, name, bio, city');
    expect(err.details.field).toBe('biography');
  });

  it('.tsv splits on tabs, keeps commas, and tolerates stray quotes', async () => {
    const source = 'title\tbody\tyear\nCommas, fine\tHe said "hi" there\t1999\n"Quoted\ttab"\tx\t2000\n';
    const file = await fx.write('data/notes.TSV', source);
    const docs = await loadFile(file, { csv: { title: 'title', text: 'body', metadata: ['year'] } });
    expect(docs).toHaveLength(2);
    expect(docs[0]).toMatchObject({ title: 'Commas, fine', text: 'He said "hi" there', metadata: { year: '1999' } });
    expect(docs[1]).toMatchObject({ id: 'data/notes.TSV#2', title: 'Quoted\ttab', text: 'x' });
    for (const doc of docs) expectWellFormed(doc, file, 'csv');
  });

  it('a custom delimiter in the mapping', async () => {
    const file = await fx.write('semi.csv', 'k;v\n1;"a;b"\n');
    const docs = await loadFile(file, { csv: { id: 'k', text: 'v', delimiter: ';' } });
    expect(docs).toMatchObject([{ id: 'semi.csv#1', text: 'a;b' }]);
  });

  it('only a header, or an empty file, gives no documents', async () => {
    expect(await loadFile(await fx.write('header.csv', 'a,b\n'))).toEqual([]);
    expect(await loadFile(await fx.write('empty.csv', ''))).toEqual([]);
  });

  it('an unclosed quote or a short row → MALFORMED_FILE naming the file and line', async () => {
    const unclosed = await fx.write('unclosed.csv', 'a,b\n1,2\n3,"never closed\n4,5\n');
    const err = await catchQuiverError(() => loadFile(unclosed));
    expect(err.code).toBe('MALFORMED_FILE');
    expect(err.message).toContain('unclosed.csv');
    expect(typeof err.details.line).toBe('number');

    const ragged = await fx.write('ragged.csv', 'a,b\n1,2\n3\n');
    const short = await catchQuiverError(() => loadFile(ragged));
    expect(short.code).toBe('MALFORMED_FILE');
    expect(short.message).toContain('ragged.csv');
    expect(short.details.line).toBe(3);
  });

  it('duplicate ids in the id column → DUPLICATE_KEY', async () => {
    const file = await fx.write('dup.csv', 'id,t\nx,1\nx,2\n');
    const err = await catchQuiverError(() => loadFile(file, { csv: { id: 'id', text: 't' } }));
    expect(err.code).toBe('DUPLICATE_KEY');
    expect(err.message).toContain('row 1 (line 2) and row 2 (line 3)');
  });
});
