/**
 * A small ONNX model writer: nodes with attributes, initializers (float32 and int64), typed graph inputs and
 * outputs, encoded as ModelProto bytes. Both offline models are written with it: the one-Gather word model
 * and the transformer translated from a TensorFlow.js graph. Field numbers follow onnx.proto (IR version 8,
 * default-domain opset 13); tensor bytes are referenced, never copied, until the file is written.
 */

import { endianness } from 'node:os';
import { QuiverError } from '../../errors.js';
import { bytesField, type Chunks, floatField, intField, messageField, stringField, uintField } from './protobuf.js';

const IR_VERSION = 8;
export const ONNX_OPSET = 13;

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_BOOL = 9;
export const ONNX_INT64 = 7;

/** A constant tensor: float32 or int64 values in row-major order. */
export type OnnxTensor = { dims: number[] } & (
  | { type: 'float'; data: Float32Array }
  | { type: 'int64'; data: BigInt64Array }
);

/** Attribute values: an integer, a float, a list of integers, or a tensor. */
export type OnnxAttribute = { int: number } | { float: number } | { ints: number[] } | { tensor: OnnxTensor };

type Dim = number | string;

function assertLittleEndian(): void {
  // ONNX raw_data is little-endian; typed arrays hold their bytes in the platform's order.
  if (endianness() !== 'LE') throw new QuiverError('INTERNAL', 'writing ONNX raw_data needs a little-endian platform');
}

/** TensorProto { dims (1)*, data_type (2), name (8), raw_data (9) }, as the body of a message. */
export function tensorBody(name: string, tensor: OnnxTensor): Chunks {
  assertLittleEndian();
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count)
    throw new QuiverError('INTERNAL', `tensor ${name} has ${tensor.data.length} values, its shape needs ${count}`);
  const { data } = tensor;
  return [
    ...tensor.dims.flatMap((d) => uintField(1, d)),
    ...uintField(2, tensor.type === 'float' ? ONNX_FLOAT : ONNX_INT64),
    ...stringField(8, name),
    ...bytesField(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
  ];
}

function attribute(name: string, value: OnnxAttribute): Chunks {
  // AttributeProto { name (1), f (2), i (3), t (5), ints (8), type (20) }
  if ('int' in value) return messageField(5, stringField(1, name), intField(3, value.int), uintField(20, 2));
  if ('float' in value) return messageField(5, stringField(1, name), floatField(2, value.float), uintField(20, 1));
  if ('ints' in value)
    return messageField(
      5,
      stringField(1, name),
      value.ints.flatMap((i) => intField(8, i)),
      uintField(20, 7),
    );
  return messageField(5, stringField(1, name), messageField(5, tensorBody('value', value.tensor)), uintField(20, 4));
}

function valueInfo(field: number, name: string, elemType: number, dims: Dim[]): Chunks {
  const shape = dims.map((d) =>
    typeof d === 'number' ? messageField(1, uintField(1, d)) : messageField(1, stringField(2, d)),
  );
  // ValueInfoProto { name (1), type (2) { tensor_type (1) { elem_type (1), shape (2) { dim (1)* } } } }
  return messageField(
    field,
    stringField(1, name),
    messageField(2, messageField(1, uintField(1, elemType), messageField(2, ...shape))),
  );
}

/** Collects a graph's parts in order and encodes them as one ModelProto. */
export class OnnxGraphBuilder {
  readonly #nodes: Chunks[] = [];
  readonly #initializers: Chunks[] = [];
  readonly #inputs: Chunks[] = [];
  readonly #outputs: Chunks[] = [];
  readonly #names = new Set<string>();
  #counter = 0;

  constructor(readonly graphName: string) {}

  /** A fresh tensor name that no other call has returned. */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}__${this.#counter++}`;
    while (this.#names.has(name));
    this.#names.add(name);
    return name;
  }

  /** Appends a node; nodes must be added in an order where every input is produced before it is read. */
  node(op: string, inputs: string[], outputs: string[], attributes: Record<string, OnnxAttribute> = {}): void {
    for (const o of outputs) this.#names.add(o);
    // NodeProto { input (1)*, output (2)*, name (3), op_type (4), attribute (5)* }
    this.#nodes.push(
      messageField(
        1,
        inputs.flatMap((i) => stringField(1, i)),
        outputs.flatMap((o) => stringField(2, o)),
        stringField(3, `${op}_${this.#nodes.length}`),
        stringField(4, op),
        Object.entries(attributes).flatMap(([k, v]) => attribute(k, v)),
      ),
    );
  }

  /** Adds a constant tensor under `name` and returns the name. */
  initializer(name: string, tensor: OnnxTensor): string {
    this.#names.add(name);
    this.#initializers.push(messageField(5, tensorBody(name, tensor)));
    return name;
  }

  /** A new int64 constant holding `values` (a 1-D tensor, or a scalar when `scalar` is set). */
  ints(values: number[], scalar = false): string {
    if (scalar && values.length !== 1) throw new QuiverError('INTERNAL', 'a scalar constant holds one value');
    return this.initializer(this.fresh('const'), {
      type: 'int64',
      dims: scalar ? [] : [values.length],
      data: BigInt64Array.from(values, (v) => BigInt(v)),
    });
  }

  input(name: string, elemType: number, dims: Dim[]): void {
    this.#names.add(name);
    this.#inputs.push(valueInfo(11, name, elemType, dims));
  }

  output(name: string, elemType: number, dims: Dim[]): void {
    this.#outputs.push(valueInfo(12, name, elemType, dims));
  }

  /** ModelProto { ir_version (1), producer_name (2), producer_version (3), graph (7), opset_import (8) }. */
  encode(producerVersion: string): Chunks {
    const graph = messageField(
      7,
      ...this.#nodes,
      stringField(2, this.graphName),
      ...this.#initializers,
      ...this.#inputs,
      ...this.#outputs,
    );
    return [
      ...uintField(1, IR_VERSION),
      ...stringField(2, 'quiver'),
      ...stringField(3, producerVersion),
      ...graph,
      ...messageField(8, stringField(1, ''), uintField(2, ONNX_OPSET)),
    ];
  }
}
