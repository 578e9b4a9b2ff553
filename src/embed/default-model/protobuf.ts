/**
 * A minimal Protocol Buffers writer: just enough (varints and length-delimited fields) to encode the
 * handful of ONNX messages the default model needs. Messages are kept as lists of byte chunks so that
 * nesting a large tensor inside a graph inside a model never copies its bytes; `flatten` joins them once.
 */

/** Encoded bytes, in order, not yet joined. */
export type Chunks = Uint8Array[];

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const utf8 = new TextEncoder();

/** Encodes a non-negative safe integer as a base-128 varint (arithmetic, not bitwise: values may exceed 2^32). */
export function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`varint needs a non-negative safe integer, got ${value}`);
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

/** Encodes any safe integer as an int64 varint: a negative value is its 64-bit two's complement (ten bytes). */
export function signedVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new RangeError(`signedVarint needs a safe integer, got ${value}`);
  if (value >= 0) return varint(value);
  const out: number[] = [];
  let rest = BigInt.asUintN(64, BigInt(value));
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return Uint8Array.from(out);
}

function key(field: number, wireType: number): Uint8Array {
  return varint(field * 8 + wireType);
}

export function byteLength(chunks: Chunks): number {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  return n;
}

/** A varint field (int32, int64, enum with non-negative values). */
export function uintField(field: number, value: number): Chunks {
  return [key(field, WIRE_VARINT), varint(value)];
}

/** An int64 varint field that may be negative. */
export function intField(field: number, value: number): Chunks {
  return [key(field, WIRE_VARINT), signedVarint(value)];
}

/** A float field (fixed32, little-endian). */
export function floatField(field: number, value: number): Chunks {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return [key(field, WIRE_FIXED32), bytes];
}

/** A bytes field. The data is referenced, not copied. */
export function bytesField(field: number, data: Uint8Array): Chunks {
  return [key(field, WIRE_LENGTH_DELIMITED), varint(data.byteLength), data];
}

export function stringField(field: number, value: string): Chunks {
  return bytesField(field, utf8.encode(value));
}

/** An embedded message field whose body is the concatenation of `parts`. */
export function messageField(field: number, ...parts: Chunks[]): Chunks {
  const body = parts.flat();
  return [key(field, WIRE_LENGTH_DELIMITED), varint(byteLength(body)), ...body];
}

/** Joins chunks into one buffer. */
export function flatten(chunks: Chunks): Uint8Array {
  const out = new Uint8Array(byteLength(chunks));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
