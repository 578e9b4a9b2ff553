/**
 * Reads a TensorFlow.js graph model from disk (`model.json` plus its weight shards) into plain data: the
 * graph's nodes with their attributes, and every constant's values. Only what the translator to ONNX needs:
 * float32 and int32 weights, no quantized weights, no functions.
 */

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { QuiverError } from '../../errors.js';

/** One attribute as model.json stores it (64-bit integers arrive as strings). */
export interface TfAttr {
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string | number;
  s?: string | number[];
  list?: { i?: (string | number)[] };
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export interface TfConstant {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface TfGraph {
  nodes: TfNode[];
  /** Const node name → its value. */
  constants: Map<string, TfConstant>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface ModelJson {
  modelTopology?: { node?: TfNode[]; library?: { function?: unknown[] } };
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
}

function corrupt(file: string, why: string): QuiverError {
  return new QuiverError('CORRUPT', `TensorFlow.js model ${file}: ${why}`, { file });
}

/** Loads `modelJsonPath` and the shards it names (resolved beside it). */
export async function readTfjsGraph(modelJsonPath: string): Promise<TfGraph> {
  let model: ModelJson;
  try {
    model = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
  } catch (cause) {
    throw new QuiverError(
      'IO_ERROR',
      `cannot read ${modelJsonPath}: ${String(cause)}`,
      { file: modelJsonPath },
      { cause },
    );
  }
  const nodes = model.modelTopology?.node;
  if (!Array.isArray(nodes) || nodes.length === 0) throw corrupt(modelJsonPath, 'no graph nodes');
  if ((model.modelTopology?.library?.function?.length ?? 0) > 0)
    throw corrupt(modelJsonPath, 'graph functions are not supported');

  const constants = new Map<string, TfConstant>();
  for (const group of model.weightsManifest ?? []) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dirname(modelJsonPath), p))));
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      if (w.quantization !== undefined) throw corrupt(modelJsonPath, `weight ${w.name} is quantized`);
      if (w.dtype !== 'float32' && w.dtype !== 'int32')
        throw corrupt(modelJsonPath, `weight ${w.name} has dtype ${w.dtype}`);
      const count = w.shape.reduce((a, b) => a * b, 1);
      const end = offset + count * 4;
      if (end > bytes.byteLength) throw corrupt(modelJsonPath, `weight ${w.name} runs past the shards' end`);
      // Copy into an aligned buffer: a shard slice may start at any byte.
      const slice = new Uint8Array(bytes.subarray(offset, end));
      const values = w.dtype === 'float32' ? new Float32Array(slice.buffer) : new Int32Array(slice.buffer);
      constants.set(w.name, { dtype: w.dtype, shape: w.shape, values });
      offset = end;
    }
    if (offset !== bytes.byteLength) throw corrupt(modelJsonPath, 'shards hold more bytes than the manifest names');
  }
  for (const n of nodes)
    if (n.op === 'Const' && !constants.has(n.name)) throw corrupt(modelJsonPath, `constant ${n.name} has no weights`);
  return { nodes, constants };
}
