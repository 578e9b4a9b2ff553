/**
 * The registry: extension lookup (case-insensitive), loadFile's error mapping for unknown extensions and
 * unreadable files, and a contract every built-in loader meets on a real sample file of its type.
 */

import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DocumentType } from '../../../src/ingest/document.js';
import { LOADERS, loaderFor, loadFile, supportedExtensions } from '../../../src/ingest/loaders/registry.js';
import { catchQuiverError, expectWellFormed, type Fixtures, makeFixtures } from './fixtures.js';
import { buildPdf } from './pdf-fixtures.js';

const SAMPLES: Record<DocumentType, [string, string | Uint8Array]> = {
  text: ['s/sample.txt', 'plain text'],
  markdown: ['s/sample.md', '---\ntitle: T\n---\n# H\nbody'],
  html: ['s/sample.html', '<title>T</title><p>body</p>'],
  pdf: ['s/sample.pdf', buildPdf({ pages: [['one'], ['two']] })],
  json: ['s/sample.jsonl', '{"id":1,"text":"a"}\n{"id":2,"text":"b"}'],
  csv: ['s/sample.csv', 'a,b\n1,2\n'],
};

describe('registry', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
  });
  afterEach(() => fx.remove());

  it('maps extensions case-insensitively and has no overlaps', () => {
    expect(loaderFor('docs/A.Md')?.type).toBe('markdown');
    expect(loaderFor('x.HTM')?.type).toBe('html');
    expect(loaderFor('x.ndjson')?.type).toBe('json');
    expect(loaderFor('archive.tar.gz')).toBeUndefined();
    expect(loaderFor('Makefile')).toBeUndefined();
    expect(loaderFor('.md')).toBeUndefined(); // a dotfile named ".md" has no extension
    const all = LOADERS.flatMap((l) => l.extensions);
    expect(new Set(all).size).toBe(all.length);
    expect(supportedExtensions()).toEqual([...all].sort());
    expect(new Set(LOADERS.map((l) => l.type)).size).toBe(LOADERS.length);
  });

  for (const loader of LOADERS) {
    it(`${loader.type} loader: every document is well formed`, async () => {
      const [relPath, content] = SAMPLES[loader.type];
      const file = await fx.write(relPath, content);
      const docs = await loadFile(file);
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) expectWellFormed(doc, file, loader.type);
    });
  }

  it('an unknown extension → UNSUPPORTED_FILE listing what is supported', async () => {
    const file = await fx.write('pic.png', 'x');
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('UNSUPPORTED_FILE');
    expect(err.message).toContain('pic.png');
    expect(err.message).toContain('.md');
  });

  it('a file deleted after the walk → NOT_FOUND', async () => {
    const file = { absPath: join(fx.root, 'gone.md'), relPath: 'gone.md', mtime: 0, size: 0 };
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('gone.md');
  });

  it('a read failure (a folder named like a file) → IO_ERROR with the errno', async () => {
    await mkdir(join(fx.root, 'folder.md'));
    const file = { absPath: join(fx.root, 'folder.md'), relPath: 'folder.md', mtime: 0, size: 0 };
    const err = await catchQuiverError(() => loadFile(file));
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toContain('folder.md');
    expect(err.details.errno).toBe('EISDIR');
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot || process.platform === 'win32')(
    'an unreadable file (chmod 000) → IO_ERROR EACCES [skipped as root: chmod does not stop root]',
    async () => {
      const file = await fx.write('secret.md', '# s');
      await chmod(file.absPath, 0o000);
      try {
        const err = await catchQuiverError(() => loadFile(file));
        expect(err.code).toBe('IO_ERROR');
        expect(err.message).toContain('secret.md');
        expect(err.details.errno).toBe('EACCES');
      } finally {
        await chmod(file.absPath, 0o600);
      }
    },
  );
});
