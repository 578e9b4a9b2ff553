/**
 * Binary encoding of scalar indexes for segment files (little-endian, typed arrays, utf-8 strings). The
 * segment file around it carries the checksum; decoding still checks every length, offset and ordering before
 * it trusts them, and throws QuiverError CORRUPT instead of crashing or allocating what a bad header claims.
 *
 * Sorted:   u8 tag=2, u8 version, u16 0, u32 n, f64[n] values, u32[n] rows.
 * Inverted: u8 tag=1, u8 version, u16 0, u32 keys, u32 totalRows, u32 textBytes,
 *           u8[keys] kinds (0 string, 1 false, 2 true) padded to 4, u32[keys+1] key ends in UTF-16 units,
 *           u32[keys+1] posting offsets, u32[totalRows] rows, then the keys' text as one utf-8 run.
 */

import { QuiverError } from '../../errors.js';
import { CsrInvertedIndex, type InvertedKey } from './inverted-index.js';
import type { ScalarIndex } from './scalar-index.js';

const INVERTED = 1;
const SORTED = 2;
const VERSION = 1;
const KIND_STRING = 0;
const KIND_FALSE = 1;
const KIND_TRUE = 2;

function corrupt(what: string): never {
  throw new QuiverError('CORRUPT', `scalar index: ${what}`, { what });
}

// Arithmetic, not bitwise: header values come from disk and may exceed 2^31, where `& ~3` would wrap.
const pad4 = (n: number) => Math.ceil(n / 4) * 4;

function inverted(index: ScalarIndex): CsrInvertedIndex {
  if (index instanceof CsrInvertedIndex) return index;
  throw new QuiverError('INTERNAL', 'only inverted indexes built by buildScalarIndex can be encoded');
}

function layout(keys: number, total: number) {
  const keyEndsAt = 16 + pad4(keys);
  const offsetsAt = keyEndsAt + (keys + 1) * 4;
  const rowsAt = offsetsAt + (keys + 1) * 4;
  return { keyEndsAt, offsetsAt, rowsAt, textAt: rowsAt + total * 4 };
}

function encodeSorted(values: Float64Array, rows: Uint32Array): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(8 + n * 12);
  out[0] = SORTED;
  out[1] = VERSION;
  new DataView(out.buffer).setUint32(4, n, true);
  new Float64Array(out.buffer, 8, n).set(values);
  new Uint32Array(out.buffer, 8 + n * 8, n).set(rows);
  return out;
}

export function encodeScalarIndex(index: ScalarIndex): Uint8Array {
  if (index.kind === 'sorted') return encodeSorted(index.values, index.rows);
  const { keys, offsets, rows } = inverted(index);
  const k = keys.length;
  const text = new TextEncoder().encode(keys.map((key) => (typeof key === 'string' ? key : '')).join(''));
  const at = layout(k, rows.length);
  const out = new Uint8Array(at.textAt + text.length);
  const view = new DataView(out.buffer);
  out[0] = INVERTED;
  out[1] = VERSION;
  view.setUint32(4, k, true);
  view.setUint32(8, rows.length, true);
  view.setUint32(12, text.length, true);
  const keyEnds = new Uint32Array(out.buffer, at.keyEndsAt, k + 1);
  let chars = 0;
  for (let i = 0; i < k; i++) {
    const key = keys[i]!;
    out[16 + i] = key === true ? KIND_TRUE : key === false ? KIND_FALSE : KIND_STRING;
    if (typeof key === 'string') chars += key.length;
    keyEnds[i + 1] = chars;
  }
  new Uint32Array(out.buffer, at.offsetsAt, k + 1).set(offsets);
  new Uint32Array(out.buffer, at.rowsAt, rows.length).set(rows);
  out.set(text, at.textAt);
  return out;
}

function checkHeader(bytes: Uint8Array, size: number): DataView {
  if (bytes.length < size) corrupt('too short');
  if (bytes[1] !== VERSION || bytes[2] !== 0 || bytes[3] !== 0) corrupt('bad version');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeSorted(bytes: Uint8Array): ScalarIndex {
  const n = checkHeader(bytes, 8).getUint32(4, true);
  if (bytes.length !== 8 + n * 12) corrupt('sorted index size');
  const copy = bytes.slice();
  const values = new Float64Array(copy.buffer, 8, n);
  const rows = new Uint32Array(copy.buffer, 8 + n * 8, n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]) || (i > 0 && !(values[i - 1]! <= values[i]!))) corrupt('sorted index out of order');
  }
  return { kind: 'sorted', values, rows };
}

function decodeKeys(copy: Uint8Array, k: number, keyEnds: Uint32Array, textAt: number) {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(copy.subarray(textAt));
  } catch {
    return corrupt('key text is not utf-8');
  }
  if (keyEnds[0] !== 0 || keyEnds[k] !== text.length) corrupt('key text length');
  const keys: InvertedKey[] = new Array(k);
  const ids = new Map<InvertedKey, number>();
  for (let i = 0; i < k; i++) {
    const [from, to] = [keyEnds[i]!, keyEnds[i + 1]!];
    if (from > to) corrupt('key offsets');
    const kind = copy[16 + i];
    if (kind !== KIND_STRING && from !== to) corrupt('bool key with text');
    if (kind === KIND_STRING) keys[i] = text.slice(from, to);
    else if (kind === KIND_TRUE || kind === KIND_FALSE) keys[i] = kind === KIND_TRUE;
    else corrupt('key kind');
    if (ids.has(keys[i]!)) corrupt('duplicate key');
    ids.set(keys[i]!, i);
  }
  return { keys, ids };
}

function decodeInverted(bytes: Uint8Array): ScalarIndex {
  const view = checkHeader(bytes, 16);
  const k = view.getUint32(4, true);
  const total = view.getUint32(8, true);
  const at = layout(k, total);
  if (bytes.length !== at.textAt + view.getUint32(12, true)) corrupt('inverted index size');
  const copy = bytes.slice();
  const keyEnds = new Uint32Array(copy.buffer, at.keyEndsAt, k + 1);
  const offsets = new Uint32Array(copy.buffer, at.offsetsAt, k + 1);
  const rows = new Uint32Array(copy.buffer, at.rowsAt, total);
  const { keys, ids } = decodeKeys(copy, k, keyEnds, at.textAt);
  if (offsets[0] !== 0 || offsets[k] !== total) corrupt('posting offsets');
  for (let i = 0; i < k; i++) {
    const [from, to] = [offsets[i]!, offsets[i + 1]!];
    if (from > to) corrupt('posting offsets');
    for (let j = from + 1; j < to; j++) if (!(rows[j - 1]! < rows[j]!)) corrupt('posting list out of order');
  }
  return new CsrInvertedIndex(keys, offsets, rows, ids);
}

export function decodeScalarIndex(bytes: Uint8Array): ScalarIndex {
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) corrupt('too short');
  const tag = bytes[0];
  if (tag === SORTED) return decodeSorted(bytes);
  if (tag === INVERTED) return decodeInverted(bytes);
  return corrupt(`unknown tag ${tag}`);
}
