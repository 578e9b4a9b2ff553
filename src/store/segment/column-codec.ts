/**
 * Encodes one column to bytes for a segment file and back. Number columns are a u32 tag, u32 row count,
 * the Float64 values, then the validity bitset words; value columns are a u32 tag followed by JSON.
 */

import { QuiverError } from '../../errors.js';
import { Bitset } from '../util/bitset.js';
import type { Column } from './columns.js';

const NUMBER = 1;
const VALUE = 2;

export function encodeColumn(column: Column, rowCount: number): Uint8Array {
  if (column.kind === 'number') {
    const words = (rowCount + 31) >>> 5;
    const out = new Uint8Array(8 + rowCount * 8 + words * 4);
    const view = new DataView(out.buffer);
    view.setUint32(0, NUMBER, true);
    view.setUint32(4, rowCount, true);
    out.set(new Uint8Array(column.values.buffer, column.values.byteOffset, rowCount * 8), 8);
    out.set(new Uint8Array(column.valid.words.buffer, column.valid.words.byteOffset, words * 4), 8 + rowCount * 8);
    return out;
  }
  const json = new TextEncoder().encode(JSON.stringify(column.values.slice(0, rowCount)));
  const out = new Uint8Array(4 + json.length);
  new DataView(out.buffer).setUint32(0, VALUE, true);
  out.set(json, 4);
  return out;
}

export function decodeColumn(bytes: Uint8Array, rowCount: number, file: string): Column {
  const bad = (what: string): never => {
    throw new QuiverError('CORRUPT', `${file}: ${what}`, { file });
  };
  if (bytes.length < 4) bad('column too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = view.getUint32(0, true);
  if (tag === NUMBER) {
    const words = (rowCount + 31) >>> 5;
    if (view.getUint32(4, true) !== rowCount || bytes.length !== 8 + rowCount * 8 + words * 4) bad('column size');
    const values = new Float64Array(bytes.slice(8, 8 + rowCount * 8).buffer);
    const valid = new Bitset(rowCount, new Uint32Array(bytes.slice(8 + rowCount * 8).buffer));
    return { kind: 'number', values, valid };
  }
  if (tag !== VALUE) bad(`unknown column tag ${tag}`);
  let values: unknown;
  try {
    values = JSON.parse(new TextDecoder().decode(bytes.subarray(4)));
  } catch {
    bad('column JSON');
  }
  if (!Array.isArray(values) || values.length !== rowCount) bad('column length');
  return { kind: 'value', values: values as unknown[] };
}
