/** The minimal protobuf writer behind the default model's ONNX file. */

import { describe, expect, it } from 'vitest';
import { flatten, messageField, stringField, uintField, varint } from '../../src/embed/default-model/protobuf.js';

describe('protobuf writer', () => {
  it('encodes varints, including values past 2^32', () => {
    expect(Array.from(varint(0))).toEqual([0]);
    expect(Array.from(varint(1))).toEqual([1]);
    expect(Array.from(varint(300))).toEqual([0xac, 0x02]);
    expect(Array.from(varint(2 ** 35))).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => varint(-1)).toThrow(RangeError);
  });

  it('nests length-delimited messages', () => {
    // message { 1: "hi", 2: { 1: 150 } }
    const bytes = flatten([...stringField(1, 'hi'), ...messageField(2, uintField(1, 150))]);
    expect(Array.from(bytes)).toEqual([0x0a, 0x02, 0x68, 0x69, 0x12, 0x03, 0x08, 0x96, 0x01]);
  });
});
