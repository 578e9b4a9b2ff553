/**
 * Builds an offline model (by default the default one) once per machine, from weights in an installed npm
 * package, with no network. The build writes every file into a temporary dot-folder beside the target and renames
 * it into place only when complete (manifest last), so an interrupted build never leaves a folder that
 * passes as built. A later call finds the current manifest and reuses the folder.
 */

import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeGloveModel } from './glove-build.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, type ModelManifest, readManifest } from './manifest.js';
import { textChunks, type WrittenModel, writeChunks } from './model-file.js';
import { DEFAULT_OFFLINE_MODEL, defaultModelDir, OFFLINE_MODELS, type OfflineModelName } from './recipe.js';
import { writeUseLiteModel } from './use-lite-build.js';

export interface BuildDefaultModelOptions {
  /** Folder that holds built models; default `$QUIVER_MODEL_DIR` or `~/.cache/quiver/models`. */
  cacheDir?: string;
  /** Rebuild even when a current build exists. */
  force?: boolean;
  /** Which offline model: 'use-lite' (default) or 'glove-sif'. */
  model?: OfflineModelName;
}

export interface BuiltModel {
  dir: string;
  modelId: string;
  version: string;
  /** The model's files, relative to `dir`, manifest included. */
  files: string[];
  /** True when an existing build was reused and nothing was written. */
  reused: boolean;
}

function isCurrent(m: ModelManifest | null, name: OfflineModelName): m is ModelManifest {
  const spec = OFFLINE_MODELS[name];
  return (
    m !== null &&
    m.modelId === spec.id &&
    m.version === spec.version &&
    JSON.stringify(m.recipe.parameters) === JSON.stringify(spec.parameters)
  );
}

function result(dir: string, m: ModelManifest, reused: boolean): BuiltModel {
  return { dir, modelId: m.modelId, version: m.version, files: [...Object.keys(m.files), MANIFEST_FILE], reused };
}

/**
 * Builds the default model into its cache folder unless a current build is already there.
 * @example
 * const { dir } = await buildDefaultModel();
 * const embedder = await TransformersEmbedder.create({ model: dir });
 */
export async function buildDefaultModel(options: BuildDefaultModelOptions = {}): Promise<BuiltModel> {
  const name = options.model ?? DEFAULT_OFFLINE_MODEL;
  const dir = defaultModelDir(options.cacheDir, name); // INVALID_ARGUMENT for an unknown name
  if (!options.force) {
    const existing = await readManifest(dir);
    if (isCurrent(existing, name)) return result(dir, existing, true);
  }
  const root = dirname(dir);
  await mkdir(root, { recursive: true });
  const prefix = `.building-${basename(dir)}-`;
  await removeAbandonedBuilds(root, prefix);
  const tmp = await mkdtemp(join(root, prefix));
  try {
    await chmod(tmp, 0o755); // mkdtemp makes it owner-only; a shared model cache must be readable
    const manifest = await writeModelFiles(tmp, name);
    try {
      await rename(tmp, dir);
    } catch {
      // The target exists: another process finished first, or we are replacing a stale or forced build.
      const other = await readManifest(dir);
      if (!options.force && isCurrent(other, name)) return result(dir, other, true);
      const old = `${tmp}-old`;
      await rename(dir, old);
      await rename(tmp, dir);
      await rm(old, { recursive: true, force: true });
    }
    return result(dir, manifest, false);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A build takes seconds; a temporary folder untouched for an hour belongs to a build that was killed. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

async function removeAbandonedBuilds(root: string, prefix: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [])) {
    if (!name.startsWith(prefix)) continue;
    const info = await stat(join(root, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > ABANDONED_AFTER_MS)
      await rm(join(root, name), { recursive: true, force: true });
  }
}

/** Each offline model's recipe: writes its files into a folder and says what it wrote. */
const WRITERS: Record<OfflineModelName, (dir: string) => Promise<WrittenModel>> = {
  'use-lite': writeUseLiteModel,
  'glove-sif': writeGloveModel,
};

async function writeModelFiles(dir: string, name: OfflineModelName): Promise<ModelManifest> {
  const written = await WRITERS[name](dir);
  const { id, version } = OFFLINE_MODELS[name];
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    modelId: id,
    version,
    createdAt: new Date().toISOString(),
    dimension: written.dimension,
    vocabSize: written.vocabSize,
    recipe: written.recipe,
    files: written.files,
  };
  await writeChunks(join(dir, MANIFEST_FILE), textChunks(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}
