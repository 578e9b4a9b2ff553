/**
 * Writes the default model's ONNX graph: a single Gather that looks token ids up in a float32 embedding
 * table, `input_ids [batch, sequence] (int64) -> last_hidden_state [batch, sequence, dim] (float32)`.
 * Everything the sentence recipe needs is baked into the table rows, so Transformers.js's own mean pooling
 * and normalisation finish the job. Field numbers follow onnx.proto (IR version 8, default-domain opset 13).
 */

import { endianness } from 'node:os';
import { QuiverError } from '../../errors.js';
import { bytesField, type Chunks, messageField, stringField, uintField } from './protobuf.js';

const IR_VERSION = 8;
const OPSET = 13;
const TENSOR_FLOAT = 1;
const TENSOR_INT64 = 7;

export interface GatherModelSpec {
  /** Row-major [rows, dim] table. Row i is the vector of token id i. */
  table: Float32Array;
  rows: number;
  dim: number;
  producerVersion: string;
}

type Dim = number | string;

function tensorType(elemType: number, dims: Dim[]): Chunks {
  const shape = dims.map((d) =>
    typeof d === 'number' ? messageField(1, uintField(1, d)) : messageField(1, stringField(2, d)),
  );
  // TypeProto.tensor_type (1) { elem_type (1), shape (2) { dim (1)* } }
  return messageField(1, uintField(1, elemType), messageField(2, ...shape));
}

function valueInfo(field: number, name: string, elemType: number, dims: Dim[]): Chunks {
  // ValueInfoProto { name (1), type (2) }
  return messageField(field, stringField(1, name), messageField(2, tensorType(elemType, dims)));
}

/** Encodes the model as ModelProto bytes (as chunks; the table's bytes are referenced, not copied). */
export function encodeGatherModel(spec: GatherModelSpec): Chunks {
  const { table, rows, dim } = spec;
  if (table.length !== rows * dim) {
    throw new QuiverError('INTERNAL', `embedding table has ${table.length} values, expected ${rows} x ${dim}`);
  }
  // ONNX raw_data is little-endian; a Float32Array's bytes are in the platform's order.
  if (endianness() !== 'LE') throw new QuiverError('INTERNAL', 'writing ONNX raw_data needs a little-endian platform');

  // NodeProto { input (1)*, output (2)*, name (3), op_type (4) }; Gather's axis defaults to 0.
  const node = messageField(
    1,
    stringField(1, 'embeddings'),
    stringField(1, 'input_ids'),
    stringField(2, 'last_hidden_state'),
    stringField(3, 'token_lookup'),
    stringField(4, 'Gather'),
  );
  // TensorProto { dims (1)*, data_type (2), name (8), raw_data (9) }
  const initializer = messageField(
    5,
    uintField(1, rows),
    uintField(1, dim),
    uintField(2, TENSOR_FLOAT),
    stringField(8, 'embeddings'),
    bytesField(9, new Uint8Array(table.buffer, table.byteOffset, table.byteLength)),
  );
  const graph = messageField(
    7,
    node,
    stringField(2, 'quiver_static_embedding'),
    initializer,
    valueInfo(11, 'input_ids', TENSOR_INT64, ['batch', 'sequence']),
    valueInfo(12, 'last_hidden_state', TENSOR_FLOAT, ['batch', 'sequence', dim]),
  );
  return [
    ...uintField(1, IR_VERSION),
    ...stringField(2, 'quiver'),
    ...stringField(3, spec.producerVersion),
    ...graph,
    // OperatorSetIdProto { domain (1), version (2) }
    ...messageField(8, stringField(1, ''), uintField(2, OPSET)),
  ];
}
