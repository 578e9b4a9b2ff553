/**
 * Shared helpers for the loader tests: a temp folder per test, writing a real fixture file and describing it
 * as a SourceFile, catching a QuiverError, and the invariants every LoadedDocument must satisfy.
 */

import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { QuiverError } from '../../../src/errors.js';
import type { LoadedDocument } from '../../../src/ingest/document.js';
import type { SourceFile } from '../../../src/ingest/loaders/loader.js';

export interface Fixtures {
  root: string;
  /** Writes `content` at `relPath` under the root and returns it as a SourceFile. */
  write(relPath: string, content: string | Uint8Array): Promise<SourceFile>;
  remove(): Promise<void>;
}

export async function makeFixtures(): Promise<Fixtures> {
  const root = await mkdtemp(join(tmpdir(), 'quiver-loaders-'));
  return {
    root,
    async write(relPath, content) {
      const absPath = join(root, ...relPath.split('/'));
      await mkdir(dirname(absPath), { recursive: true });
      await writeFile(absPath, content);
      const info = await stat(absPath);
      return { absPath, relPath, mtime: info.mtimeMs, size: info.size };
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** Runs `fn` and returns the QuiverError it throws; fails the test when it resolves or throws anything else. */
export async function catchQuiverError(fn: () => Promise<unknown>): Promise<QuiverError> {
  let result: unknown;
  try {
    result = await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QuiverError);
    return err as QuiverError;
  }
  throw new Error(`expected a QuiverError, got a result: ${JSON.stringify(result)?.slice(0, 200)}`);
}

/** The fields every loader must fill, checked against the file the document came from. */
export function expectWellFormed(doc: LoadedDocument, file: SourceFile, type: LoadedDocument['type']): void {
  expect(doc.source).toBe(file.relPath);
  expect(doc.type).toBe(type);
  expect(doc.mtime).toBe(file.mtime);
  expect(doc.title.trim()).not.toBe('');
  expect(doc.hash).toMatch(/^[0-9a-f]{64}$/);
  expect(doc.id === file.relPath || doc.id.startsWith(`${file.relPath}#`)).toBe(true);
  for (const value of Object.values(doc.metadata)) expect(['string', 'number', 'boolean']).toContain(typeof value);
  if (doc.pages) expectPagesCover(doc);
}

/** Spans are in page order, start at 0, meet end to start, and end at text.length. */
export function expectPagesCover(doc: LoadedDocument): void {
  const pages = doc.pages ?? [];
  let at = 0;
  pages.forEach((span, i) => {
    expect(span.page).toBe(i + 1);
    expect(span.start).toBe(at);
    expect(span.end).toBeGreaterThanOrEqual(span.start);
    at = span.end;
  });
  expect(at).toBe(doc.text.length);
}
