/**
 * Shared fixtures for store tests: a small schema, deterministic vectors, and temp folders.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectionSchema } from '../../src/index.js';

export const DOCS_SCHEMA: CollectionSchema = {
  fields: [
    { name: 'id', type: 'string', primary: true },
    { name: 'embedding', type: 'vector', dim: 4, metric: 'l2' },
    { name: 'year', type: 'int', nullable: true },
    { name: 'title', type: 'string' },
    { name: 'tags', type: 'string[]', nullable: true },
    { name: 'meta', type: 'json', nullable: true },
  ],
  dynamic: true,
};

/** A row with a deterministic vector at distance `i` from the origin along the first axis. */
export function doc(i: number, extra: Record<string, unknown> = {}) {
  return { id: `d${i}`, embedding: [i, 0, 0, 0], year: 2000 + i, title: `title ${i}`, ...extra };
}

export function tempFolder(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'quiver-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export { mulberry32 as seededRandom } from '../../bench/lib/clustered.js';
