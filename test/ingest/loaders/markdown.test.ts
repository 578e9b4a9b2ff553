/**
 * The markdown loader on real files: front matter to metadata and title, body kept as raw markdown, title
 * fallbacks (first `# ` heading outside code fences, then the file name), and malformed front matter.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firstHeading } from '../../../src/ingest/loaders/markdown.js';
import { loadFile } from '../../../src/ingest/loaders/registry.js';
import { catchQuiverError, expectWellFormed, type Fixtures, makeFixtures } from './fixtures.js';

describe('markdownLoader', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
  });
  afterEach(() => fx.remove());

  it('moves scalar front matter into metadata, takes its title, and strips the block from text', async () => {
    const source = [
      '---',
      'title: "Install & Setup"',
      'author: Ada',
      'version: 3',
      'draft: false',
      'date: 2024-05-01',
      'tags: [a, b]',
      'nested: { x: 1 }',
      'empty:',
      '---',
      '# A heading that is not the title',
      '',
      'Body with **markdown**.',
      '',
      '## Sub',
      'More.',
    ].join('\n');
    const file = await fx.write('guide/install.md', source);
    const [doc] = await loadFile(file);
    expectWellFormed(doc!, file, 'markdown');
    expect(doc!.id).toBe('guide/install.md');
    expect(doc!.title).toBe('Install & Setup');
    expect(doc!.metadata).toEqual({
      title: 'Install & Setup',
      author: 'Ada',
      version: 3,
      draft: false,
      date: '2024-05-01',
    });
    expect(doc!.text).toBe('# A heading that is not the title\n\nBody with **markdown**.\n\n## Sub\nMore.');
  });

  it('without front matter: title from the first # heading, skipping code fences; text untouched', async () => {
    const source = [
      'Intro paragraph.',
      '',
      '```bash',
      '# install dependencies',
      'npm i',
      '```',
      '',
      '~~~~',
      '# still code',
      '~~~~',
      '',
      '## Level two comes first',
      '',
      '# Real Title #',
      '',
      'text',
    ].join('\n');
    const file = await fx.write('readme.markdown', source);
    const [doc] = await loadFile(file);
    expectWellFormed(doc!, file, 'markdown');
    expect(doc!.title).toBe('Real Title');
    expect(doc!.text).toBe(source);
    expect(doc!.metadata).toEqual({});
  });

  it('falls back to the file name, and handles CRLF front matter and .mdx', async () => {
    const file = await fx.write('pages/Getting-Started.mdx', '---\r\nauthor: Bo\r\n---\r\nNo headings here.\r\n');
    const [doc] = await loadFile(file);
    expectWellFormed(doc!, file, 'markdown');
    expect(doc!.title).toBe('Getting-Started');
    expect(doc!.metadata).toEqual({ author: 'Bo' });
    expect(doc!.text).toBe('No headings here.\n');
  });

  it('an empty front-matter block is removed', async () => {
    const file = await fx.write('e.md', '---\n---\n# T\n');
    const [doc] = await loadFile(file);
    expect(doc!.text).toBe('# T\n');
    expect(doc!.title).toBe('T');
  });

  it('a leading --- block that is not a YAML mapping is a thematic break, not front matter', async () => {
    const source = '---\nJust a sentence between rules.\n---\n\nBody';
    const file = await fx.write('rule.md', source);
    const [doc] = await loadFile(file);
    expect(doc!.text).toBe(source);
    expect(doc!.metadata).toEqual({});
  });

  it('invalid YAML front matter → MALFORMED_FILE naming the file and line', async () => {
    const file = await fx.write('bad.md', '---\ntitle: ok\nkey: [unclosed\n---\nbody\n');
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('MALFORMED_FILE');
    expect(err.message).toContain('bad.md');
    expect(err.message).toContain('front matter');
    expect(err.details.file).toBe('bad.md');
    expect(typeof err.details.line).toBe('number');
  });

  it('firstHeading ignores #hashtags and level-two headings', () => {
    expect(firstHeading('#hashtag\n## Two\n   # Indented three')).toBe('Indented three');
    expect(firstHeading('    # four-space indent is code')).toBeUndefined();
    expect(firstHeading('# \n#\ntext')).toBeUndefined();
  });
});
