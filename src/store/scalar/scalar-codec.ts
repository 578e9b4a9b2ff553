/**
 * Binary encoding of scalar indexes for segment files. Inverted: tag 1, key count, JSON key list, then
 * (count + 1) u32 offsets and the concatenated row lists. Sorted: tag 2, count, padding, Float64 values,
 * u32 rows. Decoding validates every length and offset and throws CORRUPT rather than trusting the bytes.
 */

import { QuiverError } from '../../errors.js';
import { MapInvertedIndex } from './inverted-index.js';
import type { ScalarIndex } from './scalar-index.js';

const INVERTED = 1;
const SORTED = 2;

function corrupt(what: string): never {
  throw new QuiverError('CORRUPT', `scalar index: ${what}`);
}

export function encodeScalarIndex(index: ScalarIndex): Uint8Array {
  if (index.kind === 'sorted') {
    const n = index.values.length;
    const out = new Uint8Array(16 + n * 12);
    const view = new DataView(out.buffer);
    view.setUint32(0, SORTED, true);
    view.setUint32(4, n, true);
    new Float64Array(out.buffer, 16, n).set(index.values);
    new Uint32Array(out.buffer, 16 + n * 8, n).set(index.rows);
    return out;
  }
  const postings = (index as MapInvertedIndex).postings;
  const keys = [...postings.keys()];
  const json = new TextEncoder().encode(JSON.stringify(keys));
  const total = keys.reduce((s, k) => s + postings.get(k)!.length, 0);
  const head = (12 + json.length + 3) & ~3;
  const out = new Uint8Array(head + (keys.length + 1) * 4 + total * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, INVERTED, true);
  view.setUint32(4, keys.length, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  const offsets = new Uint32Array(out.buffer, head, keys.length + 1);
  const rows = new Uint32Array(out.buffer, head + (keys.length + 1) * 4, total);
  let at = 0;
  keys.forEach((k, i) => {
    offsets[i] = at;
    rows.set(postings.get(k)!, at);
    at += postings.get(k)!.length;
  });
  offsets[keys.length] = at;
  return out;
}

export function decodeScalarIndex(bytes: Uint8Array): ScalarIndex {
  if (bytes.length < 8) corrupt('too short');
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const tag = view.getUint32(0, true);
  const n = view.getUint32(4, true);
  if (tag === SORTED) {
    if (copy.length !== 16 + n * 12) corrupt('sorted index size');
    const values = new Float64Array(copy.buffer, 16, n);
    const rows = new Uint32Array(copy.buffer, 16 + n * 8, n);
    for (let i = 1; i < n; i++) if (!(values[i - 1]! <= values[i]!)) corrupt('sorted index out of order');
    return { kind: 'sorted', values, rows };
  }
  if (tag !== INVERTED) corrupt(`unknown tag ${tag}`);
  if (copy.length < 12) corrupt('too short');
  const jsonLength = view.getUint32(8, true);
  const head = (12 + jsonLength + 3) & ~3;
  if (head + (n + 1) * 4 > copy.length) corrupt('inverted index header overruns');
  let keys: unknown;
  try {
    keys = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(copy.subarray(12, 12 + jsonLength)));
  } catch {
    return corrupt('unreadable key list');
  }
  if (!Array.isArray(keys) || keys.length !== n) corrupt('key list length');
  const offsets = new Uint32Array(copy.buffer, head, n + 1);
  const total = offsets[n]!;
  if (head + (n + 1) * 4 + total * 4 !== copy.length) corrupt('inverted index size');
  const rows = new Uint32Array(copy.buffer, head + (n + 1) * 4, total);
  const postings = new Map<string | boolean, Uint32Array>();
  for (let i = 0; i < n; i++) {
    const key = (keys as unknown[])[i];
    if (typeof key !== 'string' && typeof key !== 'boolean') corrupt('key type');
    if (offsets[i]! > offsets[i + 1]! || offsets[i + 1]! > total) corrupt('offsets');
    postings.set(key, rows.subarray(offsets[i]!, offsets[i + 1]!));
  }
  return new MapInvertedIndex(postings);
}
