/**
 * Encodes WAL entries to bytes and back. Layout (little-endian): u32 format version, u32 length of a UTF-8
 * JSON header, the header, zero padding to a multiple of 4, then each vector field's Float32 data in the
 * order the header lists them. Scalars travel in JSON, which round-trips doubles exactly.
 */

import { QuiverError } from '../../errors.js';
import type { RowBatch, WalEntry } from './batch.js';

const FORMAT = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

interface Header {
  op: WalEntry['op'];
  pks: RowBatch['pks'];
  partition?: string;
  scalars?: RowBatch['scalars'];
  meta?: RowBatch['meta'];
  vectors?: { name: string; length: number }[];
}

export function encodeEntry(entry: WalEntry): Uint8Array {
  let header: Header;
  let blocks: Float32Array[] = [];
  if (entry.op === 'delete') {
    header = { op: 'delete', pks: entry.pks };
  } else {
    const b = entry.batch;
    blocks = Object.values(b.vectors);
    header = {
      op: entry.op,
      pks: b.pks,
      partition: b.partition,
      scalars: b.scalars,
      vectors: Object.entries(b.vectors).map(([name, v]) => ({ name, length: v.length })),
    };
    if (b.meta) header.meta = b.meta;
  }
  const json = encoder.encode(JSON.stringify(header));
  const headerEnd = 8 + json.length;
  const dataStart = (headerEnd + 3) & ~3;
  const total = dataStart + blocks.reduce((s, v) => s + v.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, FORMAT, true);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  let off = dataStart;
  for (const v of blocks) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), off);
    off += v.byteLength;
  }
  return out;
}

function corrupt(message: string): never {
  throw new QuiverError('CORRUPT', `WAL entry: ${message}`);
}

export function decodeEntry(bytes: Uint8Array): WalEntry {
  if (bytes.length < 8) corrupt('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint32(0, true);
  if (format !== FORMAT) {
    throw new QuiverError('UNSUPPORTED_FORMAT', `WAL entry format ${format} is not supported by this version`);
  }
  const len = view.getUint32(4, true);
  if (8 + len > bytes.length) corrupt('header overruns the record');
  let header: Header;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(8, 8 + len))) as Header;
  } catch {
    return corrupt('header is not valid JSON');
  }
  if (header.op === 'delete') return { op: 'delete', pks: header.pks };
  let off = (8 + len + 3) & ~3;
  const vectors: Record<string, Float32Array> = {};
  for (const { name, length } of header.vectors ?? []) {
    if (off + length * 4 > bytes.length) corrupt(`vector block "${name}" overruns the record`);
    // Copy into an aligned buffer so the batch owns its memory independent of the WAL read buffer.
    vectors[name] = new Float32Array(bytes.slice(off, off + length * 4).buffer);
    off += length * 4;
  }
  const batch: RowBatch = {
    partition: header.partition ?? '_default',
    pks: header.pks,
    vectors,
    scalars: header.scalars ?? {},
  };
  if (header.meta) batch.meta = header.meta;
  return { op: header.op, batch };
}
