/**
 * Writes one file of a model folder being built: flushed to disk, with the sha256 and size the manifest
 * records for it. Shared by every offline model's recipe.
 */

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { ModelFileEntry } from './manifest.js';
import type { Chunks } from './protobuf.js';

/** What a recipe wrote: everything the manifest records about the model besides its id and version. */
export interface WrittenModel {
  dimension: number;
  vocabSize: number;
  recipe: Record<string, unknown>;
  files: Record<string, ModelFileEntry>;
}

/** Writes `chunks` to `path`, flushed to disk, and returns its checksum entry. */
export async function writeChunks(path: string, chunks: Chunks): Promise<ModelFileEntry> {
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  let bytes = 0;
  try {
    for (const c of chunks) {
      await fh.write(c);
      hash.update(c);
      bytes += c.byteLength;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** A text file's contents as chunks. */
export const textChunks = (s: string): Chunks => [Buffer.from(s, 'utf8')];
