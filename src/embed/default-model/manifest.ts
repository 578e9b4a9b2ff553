/**
 * `quiver-model.json`: the manifest written last into a built model folder. It records the model id and
 * version, the recipe that produced it and the sha256 of every other file, so `verifyModel` can prove the
 * folder is whole and unmodified and `listModels` can find built models without loading them.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { QuiverError } from '../../errors.js';
import { modelsRoot } from './recipe.js';

export const MANIFEST_FILE = 'quiver-model.json';
export const MANIFEST_FORMAT = 1;

export interface ModelFileEntry {
  sha256: string;
  bytes: number;
}

export interface ModelManifest {
  format: number;
  modelId: string;
  version: string;
  createdAt: string;
  dimension: number;
  /** Rows of the embedding table, special tokens included. */
  vocabSize: number;
  recipe: Record<string, unknown>;
  /** Relative path (with '/') → checksum, for every file of the model but the manifest. */
  files: Record<string, ModelFileEntry>;
}

export interface ModelInfo {
  dir: string;
  modelId: string;
  version: string;
  createdAt: string;
  dimension: number;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The manifest of `dir`, or null when there is none or it does not parse. */
export async function readManifest(dir: string): Promise<ModelManifest | null> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as ModelManifest;
    if (parsed.format !== MANIFEST_FORMAT || typeof parsed.files !== 'object' || parsed.files === null) return null;
    return parsed;
  } catch {
    return null;
  }
}

/**
 * Recomputes the sha256 of every file the manifest lists and returns the manifest.
 * @throws QuiverError NOT_FOUND when `dir` does not exist; CORRUPT (with `details.file`) when the manifest
 * is missing or unreadable, or a file is missing or does not match its checksum.
 */
export async function verifyModel(dir: string): Promise<ModelManifest> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new QuiverError('NOT_FOUND', `model folder not found: ${dir}`, { file: dir });
  const manifest = await readManifest(dir);
  if (manifest === null) {
    throw new QuiverError('CORRUPT', `model folder has no readable ${MANIFEST_FILE}: ${dir}`, { file: MANIFEST_FILE });
  }
  for (const [file, entry] of Object.entries(manifest.files)) {
    const actual = await sha256File(join(dir, file)).catch(() => null);
    if (actual === null) {
      throw new QuiverError('CORRUPT', `model file is missing: ${file} (in ${dir})`, { file });
    }
    if (actual !== entry.sha256) {
      throw new QuiverError('CORRUPT', `model file fails its checksum: ${file} (in ${dir})`, {
        file,
        expected: entry.sha256,
        received: actual,
      });
    }
  }
  return manifest;
}

/** Built models under the models root (folders with a readable manifest), sorted by folder name. */
export async function listModels(cacheDir?: string): Promise<ModelInfo[]> {
  const root = modelsRoot(cacheDir);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const models: ModelInfo[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    // Dot-folders are builds in progress or leftovers of interrupted ones.
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = join(root, entry.name);
    const m = await readManifest(dir);
    if (m !== null)
      models.push({ dir, modelId: m.modelId, version: m.version, createdAt: m.createdAt, dimension: m.dimension });
  }
  return models;
}
