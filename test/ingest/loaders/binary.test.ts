/**
 * Text decoding: binary files (a NUL in the first 8 KiB) and invalid UTF-8 are UNSUPPORTED_FILE naming the
 * file, for every text-based loader; a BOM is stripped.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertText } from '../../../src/ingest/loaders/binary.js';
import { loadFile } from '../../../src/ingest/loaders/registry.js';
import { catchQuiverError, type Fixtures, makeFixtures } from './fixtures.js';

const file = { absPath: '/x/a.txt', relPath: 'docs/a.txt', mtime: 0, size: 0 };

describe('assertText', () => {
  it('decodes UTF-8 and strips a BOM', () => {
    expect(assertText(new TextEncoder().encode('\ufeffhé'), file)).toBe('hé');
    expect(assertText(new Uint8Array(), file)).toBe('');
  });

  it('rejects a NUL byte in the first 8 KiB, naming the file and the offset', async () => {
    const bytes = new TextEncoder().encode('a'.repeat(8000) + '\0tail');
    const err = await catchQuiverError(async () => assertText(bytes, file));
    expect(err.code).toBe('UNSUPPORTED_FILE');
    expect(err.message).toContain('docs/a.txt');
    expect(err.message).toContain('binary');
    expect(err.details).toMatchObject({ file: 'docs/a.txt', reason: 'binary', offset: 8000 });
  });

  it('rejects invalid UTF-8 (a Latin-1 file), saying so', async () => {
    const latin1 = Buffer.from('caf\xe9 cr\xe8me', 'latin1');
    const err = await catchQuiverError(async () => assertText(latin1, file));
    expect(err.code).toBe('UNSUPPORTED_FILE');
    expect(err.message).toContain('docs/a.txt');
    expect(err.message).toContain('UTF-8');
    expect(err.details.reason).toBe('encoding');
  });

  it('rejects a truncated multi-byte sequence at the end', async () => {
    const bytes = Buffer.from('東京').subarray(0, 5);
    expect((await catchQuiverError(async () => assertText(bytes, file))).code).toBe('UNSUPPORTED_FILE');
  });
});

describe('text-based loaders refuse binary content', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
  });
  afterEach(() => fx.remove());

  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
  for (const name of ['image.txt', 'image.md', 'image.html', 'image.json', 'image.jsonl', 'image.csv']) {
    it(`${name} holding PNG bytes → UNSUPPORTED_FILE`, async () => {
      const source = await fx.write(`bin/${name}`, png);
      const err = await catchQuiverError(() => loadFile(source));
      expect(err.code).toBe('UNSUPPORTED_FILE');
      expect(err.details.file).toBe(`bin/${name}`);
    });
  }

  it('invalid UTF-8 in a .md file → UNSUPPORTED_FILE', async () => {
    const source = await fx.write('latin1.md', Buffer.from('# Caf\xe9\n', 'latin1'));
    const err = await catchQuiverError(() => loadFile(source));
    expect(err.code).toBe('UNSUPPORTED_FILE');
    expect(err.message).toContain('latin1.md');
  });
});
