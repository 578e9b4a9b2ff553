/**
 * Writes the word model's ONNX graph: a single Gather that looks token ids up in a float32 embedding
 * table, `input_ids [batch, sequence] (int64) -> last_hidden_state [batch, sequence, dim] (float32)`.
 * Everything the sentence recipe needs is baked into the table rows, so Transformers.js's own mean pooling
 * and normalisation finish the job.
 */

import { QuiverError } from '../../errors.js';
import { ONNX_FLOAT, ONNX_INT64, OnnxGraphBuilder } from './onnx-graph.js';
import type { Chunks } from './protobuf.js';

export interface GatherModelSpec {
  /** Row-major [rows, dim] table. Row i is the vector of token id i. */
  table: Float32Array;
  rows: number;
  dim: number;
  producerVersion: string;
}

/** Encodes the model as ModelProto bytes (as chunks; the table's bytes are referenced, not copied). */
export function encodeGatherModel(spec: GatherModelSpec): Chunks {
  const { table, rows, dim } = spec;
  if (table.length !== rows * dim) {
    throw new QuiverError('INTERNAL', `embedding table has ${table.length} values, expected ${rows} x ${dim}`);
  }
  const graph = new OnnxGraphBuilder('quiver_static_embedding');
  graph.initializer('embeddings', { type: 'float', dims: [rows, dim], data: table });
  graph.input('input_ids', ONNX_INT64, ['batch', 'sequence']);
  graph.node('Gather', ['embeddings', 'input_ids'], ['last_hidden_state']); // axis defaults to 0
  graph.output('last_hidden_state', ONNX_FLOAT, ['batch', 'sequence', dim]);
  return graph.encode(spec.producerVersion);
}
