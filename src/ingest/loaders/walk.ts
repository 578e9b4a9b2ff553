/**
 * Finds the source files to ingest under the given paths, in a deterministic order (sorted by relPath). A
 * folder's files get relPaths relative to that folder; a file given directly gets its base name and is always
 * included (it was asked for by name). Inside folders, a file is kept when some loader handles its extension,
 * it matches `include` (when given) and it matches no exclude glob; globs match the relPath, case-sensitively.
 * Hidden entries, node_modules and .git are skipped by default; symlinked folders are never followed.
 */

import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { QuiverError } from '../../errors.js';
import type { SourceFile } from './loader.js';
import { loaderFor } from './registry.js';

export interface WalkOptions {
  /** Globs a relPath must match (any of them); default: every file some loader handles. */
  include?: string[];
  /** Globs that drop a relPath; added to the default excludes. */
  exclude?: string[];
  /** Skip hidden files and folders, node_modules and .git (default true). */
  defaultExcludes?: boolean;
  /**
   * Folders (real paths, symlinks resolved) every file must really lie in. A path given, or a link followed to a
   * file, that resolves outside all of them is FORBIDDEN. Default: no confinement.
   */
  within?: readonly string[];
}

export const DEFAULT_EXCLUDES: readonly string[] = ['**/node_modules/**', '**/.git/**', '**/.*', '**/.*/**'];

/**
 * @example
 *   const files = await walkSources(['docs', 'README.md'], { exclude: ['drafts/**'] });
 *   // [{ relPath: 'README.md', ... }, { relPath: 'guide/intro.md', ... }]
 */
export async function walkSources(paths: string[], options: WalkOptions = {}): Promise<SourceFile[]> {
  const useDefaults = options.defaultExcludes ?? true;
  const excludes = [...(useDefaults ? DEFAULT_EXCLUDES : []), ...(options.exclude ?? [])];
  const isExcluded = excludes.length > 0 ? picomatch(excludes, { dot: true }) : () => false;
  const isIncluded = options.include?.length ? picomatch(options.include, { dot: true }) : () => true;
  const keep = (relPath: string) => loaderFor(relPath) !== undefined && isIncluded(relPath) && !isExcluded(relPath);
  // Pruning whole folders by name is what keeps a walk of a repo from descending into node_modules.
  const skipDir = (name: string) => useDefaults && (name.startsWith('.') || name === 'node_modules');

  const found = new Map<string, SourceFile>();
  const add = (file: SourceFile) => {
    const other = found.get(file.relPath);
    if (other && other.absPath !== file.absPath) {
      throw new QuiverError(
        'DUPLICATE_KEY',
        `two sources map to the same relative path "${file.relPath}": ${other.absPath} and ${file.absPath}`,
        { file: file.relPath },
      );
    }
    found.set(file.relPath, file);
  };

  const confine = options.within ? confinement(options.within) : async () => {};
  for (const path of paths) {
    const absPath = resolve(path);
    const info = await statOrThrow(absPath);
    await confine(absPath);
    if (info.isDirectory()) {
      await walkDir(absPath, '', { keep, skipDir, add, confine });
    } else if (info.isFile()) {
      add({ absPath, relPath: basename(absPath), mtime: info.mtimeMs, size: info.size });
    }
  }
  return [...found.values()].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

interface WalkContext {
  keep: (relPath: string) => boolean;
  skipDir: (name: string) => boolean;
  add: (file: SourceFile) => void;
  /** Throws FORBIDDEN when a path resolves outside the allowed folders. */
  confine: (absPath: string) => Promise<void>;
}

/** A check that a path's real location lies inside one of `folders` (themselves real paths). */
function confinement(folders: readonly string[]): (absPath: string) => Promise<void> {
  const inside = (real: string) =>
    folders.some((f) => {
      const rel = relative(f, real);
      return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
    });
  return async (absPath) => {
    const real = await realpath(absPath).catch((err: unknown) => {
      throw ioError(err, absPath);
    });
    if (!inside(real)) {
      throw new QuiverError('FORBIDDEN', `${absPath} resolves outside the folders ingestion may read`, {
        file: absPath,
      });
    }
  };
}

async function walkDir(dir: string, relDir: string, ctx: WalkContext): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw ioError(err, dir);
  }
  for (const entry of entries) {
    const absPath = join(dir, entry.name);
    const relPath = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!ctx.skipDir(entry.name)) await walkDir(absPath, relPath, ctx);
      continue;
    }
    if (!ctx.keep(relPath)) continue;
    if (entry.isFile()) {
      const info = await lstat(absPath);
      ctx.add({ absPath, relPath, mtime: info.mtimeMs, size: info.size });
    } else if (entry.isSymbolicLink()) {
      // Follow links to files (a common way to share one doc); never links to folders, which can loop. A link
      // that leads nowhere is a file the user meant to ingest and cannot be read: an error, not a silent skip.
      const target = await stat(absPath).catch((err: unknown) => {
        throw ioError(err, absPath);
      });
      if (!target.isFile()) continue;
      await ctx.confine(absPath);
      ctx.add({ absPath, relPath, mtime: target.mtimeMs, size: target.size });
    }
  }
}

async function statOrThrow(absPath: string) {
  try {
    return await stat(absPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new QuiverError('NOT_FOUND', `no such file or folder: ${absPath}`, { file: absPath }, { cause: err });
    }
    throw ioError(err, absPath);
  }
}

function ioError(err: unknown, path: string): QuiverError {
  const errno = (err as NodeJS.ErrnoException).code;
  return new QuiverError(
    'IO_ERROR',
    `cannot read ${path}: ${errno ?? (err as Error).message}`,
    { file: path, errno },
    {
      cause: err,
    },
  );
}
