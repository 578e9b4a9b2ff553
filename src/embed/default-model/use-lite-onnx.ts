/**
 * The Universal Sentence Encoder lite graph as an ONNX model with the inputs Transformers.js feeds any
 * encoder: `input_ids` and `attention_mask` ([batch, sequence], int64, padded on the right). The TF graph
 * takes a sparse batch instead (`indices` [n, 2] of (row, position) and `values` [n] of token ids), so a
 * small front end turns the mask into that form; the rest is the TF graph translated op by op. The output,
 * named `last_hidden_state` so the pipeline finds it, is already one unit vector per text: [batch, 512].
 */

import { QuiverError } from '../../errors.js';
import { ONNX_BOOL, ONNX_FLOAT, ONNX_INT64, OnnxGraphBuilder } from './onnx-graph.js';
import type { Chunks } from './protobuf.js';
import { translateTfGraph } from './tf-to-onnx.js';
import type { TfGraph } from './tfjs-graph.js';

/** The TF node whose value is the sentence embedding. */
export const USE_LITE_OUTPUT = 'module_apply_default/Encoder_en/hidden_layers/l2_normalize';
export const USE_LITE_DIMENSION = 512;

function shapeOf(b: OnnxGraphBuilder, x: string): string {
  const out = b.fresh(`${x}_shape`);
  b.node('Shape', [x], [out]);
  return out;
}

export function encodeUseLiteModel(tf: TfGraph, producerVersion: string): Chunks {
  const placeholders = tf.nodes.filter((n) => n.op === 'Placeholder').map((n) => n.name);
  if (placeholders.sort().join(',') !== 'indices,values')
    throw new QuiverError('UNSUPPORTED_FORMAT', `expected placeholders indices and values, found ${placeholders}`);
  if (!tf.nodes.some((n) => n.name === USE_LITE_OUTPUT))
    throw new QuiverError('UNSUPPORTED_FORMAT', `the graph has no node ${USE_LITE_OUTPUT}`);

  const b = new OnnxGraphBuilder('quiver_use_lite');
  b.input('input_ids', ONNX_INT64, ['batch', 'sequence']);
  b.input('attention_mask', ONNX_INT64, ['batch', 'sequence']);
  // Every row must keep at least one position, or the sparse batch would lose the row (or be empty): pad
  // one column on the right, and always keep position 0. Rows the mask left empty are zeroed at the end.
  const ids = b.fresh('ids_padded');
  const mask = b.fresh('mask_padded');
  const pads = b.ints([0, 0, 0, 1]);
  b.node('Pad', ['input_ids', pads], [ids]);
  b.node('Pad', ['attention_mask', pads], [mask]);
  const maskBool = b.fresh('mask_bool');
  b.node('Cast', [mask], [maskBool], { to: { int: ONNX_BOOL } });
  const width = b.fresh('width');
  b.node('Gather', [shapeOf(b, ids), b.ints([1], true)], [width]);
  const positions = b.fresh('positions');
  b.node('Range', [b.ints([0], true), width, b.ints([1], true)], [positions]);
  const first = b.fresh('is_first');
  b.node('Equal', [positions, b.ints([0], true)], [first]);
  const keep = b.fresh('keep');
  b.node('Or', [maskBool, first], [keep]);
  // indices = the (row, position) pairs kept, row-major; values = the ids there.
  const nonzero = b.fresh('nonzero');
  b.node('NonZero', [keep], [nonzero]);
  const indices = b.fresh('sparse_indices');
  b.node('Transpose', [nonzero], [indices], { perm: { ints: [1, 0] } });
  const values = b.fresh('sparse_values');
  b.node('GatherND', [ids, indices], [values]);

  translateTfGraph(
    tf,
    b,
    new Map([
      ['indices', indices],
      ['values', values],
    ]),
  );
  // A text with no tokens has no direction: its row becomes the zero vector.
  const anyToken = b.fresh('any_token');
  b.node('ReduceMax', [mask], [anyToken], { axes: { ints: [1] }, keepdims: { int: 1 } });
  const scale = b.fresh('row_scale');
  b.node('Cast', [anyToken], [scale], { to: { int: ONNX_FLOAT } });
  b.node('Mul', [USE_LITE_OUTPUT, scale], ['last_hidden_state']);
  b.output('last_hidden_state', ONNX_FLOAT, ['batch', USE_LITE_DIMENSION]);
  return b.encode(producerVersion);
}
