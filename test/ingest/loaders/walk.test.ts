/**
 * walkSources on real folder trees: default filtering (supported extensions, no hidden files, node_modules or
 * .git), include/exclude globs, sorted relPaths, file arguments, symlinks (files followed, folders never, so a
 * loop cannot hang), missing paths, and empty results.
 */

import { mkdir, realpath, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkSources } from '../../../src/ingest/loaders/walk.js';
import { catchQuiverError, type Fixtures, makeFixtures } from './fixtures.js';

describe('walkSources', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
    for (const path of [
      'README.md',
      'b.txt',
      'a/z.html',
      'a/B.MD',
      'a/deep/er/data.jsonl',
      'a/deep/table.csv',
      'a/deep/report.pdf',
      'a/image.png',
      'a/noext',
      'drafts/wip.md',
      '.hidden.md',
      '.config/settings.json',
      'node_modules/pkg/readme.md',
      'a/node_modules/x.md',
      '.git/HEAD.txt',
    ]) {
      await fx.write(path, 'x');
    }
  });
  afterEach(() => fx.remove());

  const rel = async (...args: Parameters<typeof walkSources>) => (await walkSources(...args)).map((f) => f.relPath);

  it('finds supported files sorted by relPath, skipping hidden, node_modules and .git', async () => {
    expect(await rel([fx.root])).toEqual([
      'README.md',
      'a/B.MD',
      'a/deep/er/data.jsonl',
      'a/deep/report.pdf',
      'a/deep/table.csv',
      'a/z.html',
      'b.txt',
      'drafts/wip.md',
    ]);
  });

  it('fills absPath, mtime and size from the filesystem', async () => {
    const files = await walkSources([fx.root]);
    const readme = files.find((f) => f.relPath === 'README.md')!;
    expect(readme.absPath).toBe(join(fx.root, 'README.md'));
    expect(readme.size).toBe(1);
    expect(readme.mtime).toBeGreaterThan(0);
  });

  it('include narrows, exclude drops, both on relPath', async () => {
    // Globs are case-sensitive like the paths they match; only the loader lookup ignores case.
    expect(await rel([fx.root], { include: ['**/*.md'] })).toEqual(['README.md', 'drafts/wip.md']);
    expect(await rel([fx.root], { include: ['**/*.{md,MD}'] })).toEqual(['README.md', 'a/B.MD', 'drafts/wip.md']);
    expect(await rel([fx.root], { include: ['a/**'], exclude: ['**/deep/**'] })).toEqual(['a/B.MD', 'a/z.html']);
    expect(await rel([fx.root], { exclude: ['drafts/**', '*.txt'] })).not.toContain('drafts/wip.md');
    // include cannot pull in files no loader handles
    expect(await rel([fx.root], { include: ['a/*'] })).toEqual(['a/B.MD', 'a/z.html']);
  });

  it('defaultExcludes: false walks hidden folders and node_modules too', async () => {
    const all = await rel([fx.root], { defaultExcludes: false });
    expect(all).toEqual(
      expect.arrayContaining(['.hidden.md', '.config/settings.json', 'node_modules/pkg/readme.md', '.git/HEAD.txt']),
    );
  });

  it('a file argument is included by its base name, whatever the filters say', async () => {
    const files = await walkSources([join(fx.root, 'a', 'image.png'), join(fx.root, 'drafts')], { exclude: ['**'] });
    expect(files.map((f) => f.relPath)).toEqual(['image.png']);
    expect(await rel([join(fx.root, 'a/deep')])).toEqual(['er/data.jsonl', 'report.pdf', 'table.csv']);
  });

  it('two sources with the same relPath → DUPLICATE_KEY; the same file twice is fine', async () => {
    await fx.write('other/README.md', 'y');
    expect(await rel([join(fx.root, 'README.md'), join(fx.root, 'README.md')])).toEqual(['README.md']);
    const err = await catchQuiverError(() => walkSources([join(fx.root, 'README.md'), join(fx.root, 'other')]));
    expect(err.code).toBe('DUPLICATE_KEY');
    expect(err.message).toContain('README.md');
  });

  it('follows symlinked files but never symlinked folders, so a loop terminates', async () => {
    await symlink(fx.root, join(fx.root, 'a', 'loop'), 'dir');
    await symlink(join(fx.root, 'b.txt'), join(fx.root, 'a', 'linked.txt'), 'file');
    await symlink(join(fx.root, 'drafts'), join(fx.root, 'a', 'folder-link.md'), 'dir');
    const files = await rel([fx.root]);
    expect(files).toContain('a/linked.txt');
    expect(files.some((f) => f.startsWith('a/loop/'))).toBe(false);
    expect(files.some((f) => f.startsWith('a/folder-link.md'))).toBe(false);
  });

  it('a link that leads nowhere is an unreadable file → IO_ERROR naming it', async () => {
    await symlink(join(fx.root, 'gone.md'), join(fx.root, 'a', 'dangling.md'), 'file');
    const err = await catchQuiverError(() => walkSources([fx.root]));
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toContain('dangling.md');
  });

  it('a missing path → NOT_FOUND naming it', async () => {
    const missing = join(fx.root, 'nope');
    const err = await catchQuiverError(() => walkSources([fx.root, missing]));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(missing);
  });

  it('a folder with nothing to ingest returns an empty list', async () => {
    const empty = join(fx.root, 'empty');
    await mkdir(join(empty, 'sub'), { recursive: true });
    await writeFile(join(empty, 'sub', 'photo.jpg'), 'x');
    expect(await walkSources([empty])).toEqual([]);
  });

  it('within confines the walk: a link to a file outside, or a path given outside, is FORBIDDEN', async () => {
    const allowed = join(fx.root, 'a');
    const real = await realpath(allowed);
    await symlink(join(fx.root, 'b.txt'), join(allowed, 'outside.txt'));
    const err = await catchQuiverError(() => walkSources([allowed], { within: [real] }));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.details.file).toBe(join(allowed, 'outside.txt'));
    expect((await catchQuiverError(() => walkSources([join(fx.root, 'b.txt')], { within: [real] }))).code).toBe(
      'FORBIDDEN',
    );
    // A link that stays inside is followed as before.
    await symlink(join(allowed, 'z.html'), join(allowed, 'inside.html'));
    await unlink(join(allowed, 'outside.txt'));
    expect(await rel([allowed], { within: [real] })).toContain('inside.html');
  });
});
