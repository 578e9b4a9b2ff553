/**
 * A query node's local disk cache of segment and tombstone files. Cluster objects are written once and never
 * changed (a new version gets a new key), so a cached copy is valid for as long as it exists; a node that
 * restarts, or takes over a segment it held before, loads it from disk instead of S3. Files go in through a
 * temp file and a rename, so a crash never leaves a half-written copy, and every decode verifies checksums
 * anyway. Without a folder, it reads straight from the object store. Quantized segments keep reading their
 * full vectors from the cached file (`localPath`), as embedded ones read theirs from the segment file.
 */

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '../store/storage/object-store.js';

export class SegmentCache {
  hits = 0;
  misses = 0;

  constructor(
    private readonly objects: ObjectStore,
    private readonly dir?: string,
  ) {}

  /** The bytes of an immutable object, from the cache when present. */
  async get(key: string): Promise<Uint8Array> {
    if (!this.dir) return this.objects.get(key);
    const file = this.fileFor(key);
    try {
      const bytes = await readFile(file);
      this.hits++;
      return bytes;
    } catch {
      this.misses++;
    }
    const bytes = await this.objects.get(key);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch {
      await rm(tmp, { force: true });
    }
    return bytes;
  }

  /** The cached copy's path, when there is one: quantized segments read their vectors from it by row. */
  localPath(key: string): string | undefined {
    if (!this.dir) return undefined;
    const file = this.fileFor(key);
    return existsSync(file) ? file : undefined;
  }

  private fileFor(key: string): string {
    return join(this.dir!, key.replaceAll('/', '~'));
  }

  /** Forgets a cached object (after its checksum failed, say). */
  async evict(key: string): Promise<void> {
    if (this.dir) await rm(this.fileFor(key), { force: true });
  }
}
