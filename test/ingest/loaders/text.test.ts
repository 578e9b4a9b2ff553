/** The plain-text loader on real .txt/.log/.rst files: whole file as text, LF line endings, file-name title. */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFile } from '../../../src/ingest/loaders/registry.js';
import { textLoader } from '../../../src/ingest/loaders/text.js';
import { expectWellFormed, type Fixtures, makeFixtures } from './fixtures.js';

describe('textLoader', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
  });
  afterEach(() => fx.remove());

  it('loads a .txt file as one document titled by its file name', async () => {
    const file = await fx.write('notes/release.notes.txt', 'First line\r\nSecond line\r\n\r\nThird\n');
    const docs = await loadFile(file);
    expect(docs).toHaveLength(1);
    const [doc] = docs;
    expectWellFormed(doc!, file, 'text');
    expect(doc!.id).toBe('notes/release.notes.txt');
    expect(doc!.title).toBe('release.notes');
    expect(doc!.text).toBe('First line\nSecond line\n\nThird\n');
    expect(doc!.metadata).toEqual({});
    expect(doc!.pages).toBeUndefined();
  });

  it('strips a UTF-8 BOM and keeps non-ASCII text', async () => {
    const file = await fx.write(
      'bom.txt',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Grüße – 東京')]),
    );
    const [doc] = await loadFile(file);
    expect(doc!.text).toBe('Grüße – 東京');
  });

  it('handles .log and .rst, case-insensitively', async () => {
    expect(textLoader.extensions).toEqual(expect.arrayContaining(['.txt', '.text', '.log', '.rst']));
    const log = await fx.write('app.LOG', 'boot ok');
    const rst = await fx.write('guide.rst', 'Title\n=====\n\nBody');
    expect((await loadFile(log))[0]!.title).toBe('app');
    const [doc] = await loadFile(rst);
    expectWellFormed(doc!, rst, 'text');
    expect(doc!.text).toBe('Title\n=====\n\nBody');
  });

  it('an empty file is still one (empty) document, so the pipeline sees the file', async () => {
    const file = await fx.write('empty.txt', '');
    const docs = await loadFile(file);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.text).toBe('');
  });
});
