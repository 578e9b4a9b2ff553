/**
 * WAL record framing. Every record is a 24-byte little-endian header followed by its payload:
 *
 *   offset  size  field
 *        0     1  format version (1)
 *        1     1  flags (0; reserved)
 *        2     2  reserved (0)
 *        4     4  payload length in bytes (uint32)
 *        8     8  LSN (uint64; values above 2^53 - 1 are rejected as corrupt)
 *       16     4  crc32 of the payload
 *       20     4  crc32 of header bytes 0..19
 *
 * The header checksum is what tells a torn record from a damaged one. A complete header is trusted only
 * if its own crc holds, so a flipped length or LSN is CORRUPT, never misread as "the payload was cut
 * short". Only two shapes count as torn (and only at the very end of the newest file): fewer than 24 bytes
 * left, or a valid header followed by fewer payload bytes than it announces.
 */

import { crc32 } from '../util/checksum.js';

export const WAL_RECORD_VERSION = 1;
export const WAL_HEADER_BYTES = 24;
/** Largest payload one record may carry. */
export const WAL_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

const TWO_32 = 0x1_0000_0000;

/** Bytes a record with this payload occupies. */
export function walRecordSize(payloadLength: number): number {
  return WAL_HEADER_BYTES + payloadLength;
}

/** Writes one framed record into `out` at `offset`; returns the offset just past it. */
export function encodeWalRecord(lsn: number, payload: Uint8Array, out: Uint8Array, offset: number): number {
  const view = new DataView(out.buffer, out.byteOffset + offset, WAL_HEADER_BYTES);
  view.setUint8(0, WAL_RECORD_VERSION);
  view.setUint8(1, 0);
  view.setUint16(2, 0, true);
  view.setUint32(4, payload.length, true);
  view.setUint32(8, lsn % TWO_32, true);
  view.setUint32(12, Math.floor(lsn / TWO_32), true);
  view.setUint32(16, crc32(payload), true);
  view.setUint32(20, crc32(out.subarray(offset, offset + 20)), true);
  out.set(payload, offset + WAL_HEADER_BYTES);
  return offset + WAL_HEADER_BYTES + payload.length;
}

/** A header that passed its checksum. */
export interface WalHeader {
  version: number;
  flags: number;
  reserved: number;
  payloadLength: number;
  /** Exceeds Number.MAX_SAFE_INTEGER only in a corrupt or foreign file; the reader checks. */
  lsn: number;
  payloadCrc: number;
}

/**
 * Decodes the header at `offset`: 'short' when fewer than 24 bytes remain, 'bad-crc' when the header
 * checksum fails, else the fields (which the caller still has to sanity-check).
 */
export function decodeWalHeader(bytes: Uint8Array, offset: number): WalHeader | 'short' | 'bad-crc' {
  if (bytes.length - offset < WAL_HEADER_BYTES) return 'short';
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, WAL_HEADER_BYTES);
  if (view.getUint32(20, true) !== crc32(bytes.subarray(offset, offset + 20))) return 'bad-crc';
  return {
    version: view.getUint8(0),
    flags: view.getUint8(1),
    reserved: view.getUint16(2, true),
    payloadLength: view.getUint32(4, true),
    lsn: view.getUint32(12, true) * TWO_32 + view.getUint32(8, true),
    payloadCrc: view.getUint32(16, true),
  };
}
