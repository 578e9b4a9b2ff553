/**
 * Parsing one WAL file's bytes into records, checking every crc and that LSNs run consecutively from the
 * one in the file's name. A torn final record is accepted only in the newest file (`isLast`); anywhere
 * else the same shape is corruption. Pure apart from yielding to the event loop every few MiB.
 */

import { QuiverError } from '../../errors.js';
import { CRC_CHUNK_BYTES, crc32 } from '../util/checksum.js';
import type { WalFile } from './files.js';
import { decodeWalHeader, WAL_HEADER_BYTES, WAL_RECORD_VERSION } from './record.js';

export interface WalRecord {
  lsn: number;
  payload: Uint8Array;
}

/**
 * A record cut short by a crash: `bytes` bytes from `offset` to the end of the file. A type alias, not an
 * interface, so it can be passed where a `Record<string, unknown>` of details is expected.
 */
export type WalTornTail = {
  /** The object key of the file. */
  key: string;
  /** The file as the ObjectStore locates it. */
  file: string;
  offset: number;
  bytes: number;
};

export interface ParsedWalFile {
  file: WalFile;
  location: string;
  bytes: Uint8Array;
  records: WalRecord[];
  torn?: WalTornTail;
}

export async function parseWalFile(
  file: WalFile,
  location: string,
  bytes: Uint8Array,
  isLast: boolean,
): Promise<ParsedWalFile> {
  const corrupt = (offset: number, why: string, extra: Record<string, unknown> = {}): QuiverError =>
    new QuiverError('CORRUPT', `WAL file ${location} is corrupt at byte ${offset}: ${why}`, {
      file: location,
      offset,
      ...extra,
    });
  const parsed: ParsedWalFile = { file, location, bytes, records: [] };
  const tornAt = (offset: number): ParsedWalFile => {
    if (!isLast) throw corrupt(offset, 'record cut short in a file that is not the newest');
    parsed.torn = { key: file.key, file: location, offset, bytes: bytes.length - offset };
    return parsed;
  };
  let expected = file.firstLsn;
  let offset = 0;
  let sinceYield = 0;
  while (offset < bytes.length) {
    const header = decodeWalHeader(bytes, offset);
    if (header === 'short') return tornAt(offset);
    if (header === 'bad-crc') throw corrupt(offset, 'record header checksum mismatch');
    if (header.version > WAL_RECORD_VERSION) {
      throw new QuiverError(
        'UNSUPPORTED_FORMAT',
        `WAL file ${location} has a version ${header.version} record at byte ${offset}; this build reads version ${WAL_RECORD_VERSION}`,
        { file: location, offset, expected: WAL_RECORD_VERSION, received: header.version },
      );
    }
    if (header.version !== WAL_RECORD_VERSION || header.flags !== 0 || header.reserved !== 0) {
      throw corrupt(offset, 'bad record version or reserved bits');
    }
    if (header.lsn !== expected) {
      const why =
        offset === 0
          ? `the file name says LSN ${file.firstLsn} but its first record has LSN ${header.lsn}`
          : `LSN ${header.lsn} follows LSN ${expected - 1} (gap or repeat)`;
      throw corrupt(offset, why, { expected, received: header.lsn });
    }
    const start = offset + WAL_HEADER_BYTES;
    const end = start + header.payloadLength;
    if (end > bytes.length) return tornAt(offset);
    const payload = bytes.subarray(start, end);
    if (crc32(payload) !== header.payloadCrc) throw corrupt(offset, `payload checksum mismatch (LSN ${header.lsn})`);
    // Copy, so a retained payload does not pin the whole file's buffer.
    parsed.records.push({ lsn: header.lsn, payload: payload.slice() });
    expected++;
    offset = end;
    sinceYield += end - start + WAL_HEADER_BYTES;
    if (sinceYield >= CRC_CHUNK_BYTES) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return parsed;
}
