/**
 * File-system helpers for LocalObjectStore: fsync of a directory (so a rename or a new entry survives a
 * crash), creating parent folders durably, full writes, and turning Node fs errors into QuiverErrors
 * (ENOENT → NOT_FOUND, anything else → IO_ERROR, both with details.file and the original cause).
 */

import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { QuiverError } from '../../errors.js';

export function fsCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * Wraps an fs error. For reads, ENOENT (and EISDIR/ENOTDIR: the key names a folder, or runs through a file)
 * becomes NOT_FOUND; for writes every fs error is IO_ERROR, since a write never looks anything up.
 */
export function toStoreError(err: unknown, file: string, op: string): QuiverError {
  if (err instanceof QuiverError) return err;
  const code = fsCode(err);
  const reading = op === 'get' || op === 'getRange';
  if (reading && (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR')) {
    return new QuiverError('NOT_FOUND', `object not found: ${file}`, { file }, { cause: err });
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new QuiverError('IO_ERROR', `${op} failed for ${file}: ${msg}`, { file, fsCode: code }, { cause: err });
}

/** fsyncs a directory so entries created, renamed or removed in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Creates `dir` and any missing ancestors below `root`, fsyncing the parent of each folder it creates.
 * `root` itself must exist.
 */
export async function ensureDirDurable(dir: string, root: string): Promise<void> {
  const missing: string[] = [];
  let cur = dir;
  while (cur !== root && cur.length > root.length) {
    if (await isDir(cur)) break;
    missing.push(cur);
    cur = dirname(cur);
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (err) {
      if (fsCode(err) !== 'EEXIST') throw err;
      continue; // a concurrent put created it and fsyncs its parent itself
    }
    await fsyncDir(dirname(d));
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch (err) {
    if (fsCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Writes every byte of `data` at the handle's position (or its end, for an append-mode handle). */
export async function writeFully(fh: FileHandle, data: Uint8Array, position: number | null = null): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off, position === null ? null : position + off);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    off += bytesWritten;
  }
}

/** Reads exactly `length` bytes at `position`; throws if the file is shorter. */
export async function readFully(fh: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let off = 0;
  while (off < length) {
    const { bytesRead } = await fh.read(buf, off, length - off, position + off);
    if (bytesRead === 0) throw new Error(`file ended at ${position + off}, expected ${position + length}`);
    off += bytesRead;
  }
  return buf;
}
