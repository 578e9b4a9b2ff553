/**
 * Builds the offline default model once per machine, from the GloVe vectors in an installed npm package,
 * with no network. The build writes every file into a temporary dot-folder beside the target and renames
 * it into place only when complete (manifest last), so an interrupted build never leaves a folder that
 * passes as built. A later call finds the current manifest and reuses the folder.
 */

import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { QuiverError } from '../../errors.js';
import { locateGlovePackage, readGloveVectors } from './glove-reader.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, type ModelFileEntry, type ModelManifest, readManifest } from './manifest.js';
import { encodeGatherModel } from './onnx-gather.js';
import type { Chunks } from './protobuf.js';
import { DEFAULT_MODEL_ID, DEFAULT_MODEL_VERSION, DEFAULT_RECIPE, defaultModelDir } from './recipe.js';
import { buildSifTable } from './sif.js';
import {
  isReachableWord,
  modelConfigJson,
  SPECIAL_TOKENS,
  tokenizerConfigJson,
  tokenizerJson,
} from './tokenizer-files.js';

export interface BuildDefaultModelOptions {
  /** Folder that holds built models; default `$QUIVER_MODEL_DIR` or `~/.cache/quiver/models`. */
  cacheDir?: string;
  /** Rebuild even when a current build exists. */
  force?: boolean;
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

function isCurrent(m: ModelManifest | null): m is ModelManifest {
  return (
    m !== null &&
    m.modelId === DEFAULT_MODEL_ID &&
    m.version === DEFAULT_MODEL_VERSION &&
    JSON.stringify(m.recipe.parameters) === JSON.stringify(DEFAULT_RECIPE)
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
  const dir = defaultModelDir(options.cacheDir);
  if (!options.force) {
    const existing = await readManifest(dir);
    if (isCurrent(existing)) return result(dir, existing, true);
  }
  const root = dirname(dir);
  await mkdir(root, { recursive: true });
  const prefix = `.building-${basename(dir)}-`;
  await removeAbandonedBuilds(root, prefix);
  const tmp = await mkdtemp(join(root, prefix));
  try {
    await chmod(tmp, 0o755); // mkdtemp makes it owner-only; a shared model cache must be readable
    const manifest = await writeModelFiles(tmp);
    try {
      await rename(tmp, dir);
    } catch {
      // The target exists: another process finished first, or we are replacing a stale or forced build.
      const other = await readManifest(dir);
      if (!options.force && isCurrent(other)) return result(dir, other, true);
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

/** Writes `chunks` to `path`, flushed to disk, and returns its checksum entry. */
async function writeChunks(path: string, chunks: Chunks): Promise<ModelFileEntry> {
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

async function writeModelFiles(dir: string): Promise<ModelManifest> {
  const source = locateGlovePackage();
  const glove = await readGloveVectors({ path: source.path, limit: DEFAULT_RECIPE.vocabSize, accept: isReachableWord });
  const sif = buildSifTable(
    { vectors: glove.vectors, dim: glove.dimension, ranks: glove.ranks, totalWords: glove.totalWords },
    {
      a: DEFAULT_RECIPE.sifA,
      zipfExponent: DEFAULT_RECIPE.zipfExponent,
      removeComponents: DEFAULT_RECIPE.removeComponents,
    },
  );
  const dim = glove.dimension;
  const rows = glove.words.length + SPECIAL_TOKENS.length;
  const table = new Float32Array(rows * dim); // the special tokens' rows stay zero
  table.set(sif.rows, SPECIAL_TOKENS.length * dim);
  if (!table.every(Number.isFinite)) throw new QuiverError('INTERNAL', 'default model table holds a non-finite value');

  const recipe = {
    parameters: DEFAULT_RECIPE,
    sourcePackageVersion: source.version,
    sourceWords: glove.totalWords,
    keptWords: glove.words.length,
    dimension: dim,
  };
  const text = (s: string): Chunks => [Buffer.from(s, 'utf8')];
  const files: Record<string, ModelFileEntry> = {};
  await mkdir(join(dir, 'onnx'));
  files['onnx/model.onnx'] = await writeChunks(
    join(dir, 'onnx', 'model.onnx'),
    encodeGatherModel({ table, rows, dim, producerVersion: `${DEFAULT_MODEL_ID}-${DEFAULT_MODEL_VERSION}` }),
  );
  files['tokenizer.json'] = await writeChunks(join(dir, 'tokenizer.json'), text(tokenizerJson(glove.words)));
  files['tokenizer_config.json'] = await writeChunks(join(dir, 'tokenizer_config.json'), text(tokenizerConfigJson()));
  files['config.json'] = await writeChunks(join(dir, 'config.json'), text(modelConfigJson(dim, rows, recipe)));

  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    modelId: DEFAULT_MODEL_ID,
    version: DEFAULT_MODEL_VERSION,
    createdAt: new Date().toISOString(),
    dimension: dim,
    vocabSize: rows,
    recipe,
    files,
  };
  await writeChunks(join(dir, MANIFEST_FILE), text(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}
