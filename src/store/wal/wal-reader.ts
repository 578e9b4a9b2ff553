/**
 * Reading the WAL back: `readWal` replays records after a checkpoint LSN through a callback and repairs a
 * torn tail; `verifyWal` checks every file without delivering or repairing anything (for `verify()`).
 *
 * Each file is read whole and checked completely before any of its records are delivered, so a callback
 * never sees a record from a file that later turns out to be damaged. Files are checked in LSN order.
 * Everything that is not a torn tail of the newest file — a header or payload crc mismatch, an LSN gap or
 * repeat (inside a file or between files), a file whose name disagrees with its first record, a short
 * record in an older file — throws QuiverError CORRUPT with details.file and details.offset.
 */

import { QuiverError } from '../../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { listWalFiles, validateLsn, type WalFile } from './files.js';
import { type ParsedWalFile, parseWalFile, type WalTornTail } from './parse.js';

export type { WalTornTail } from './parse.js';

export interface ReadWalOptions {
  /** Deliver only records with a greater LSN (the last checkpointed LSN). Default 0: everything. */
  afterLsn?: number;
}

/** Called once per record, in LSN order, and awaited before the next. The payload is the caller's to keep. */
export type WalRecordHandler = (lsn: number, payload: Uint8Array) => void | Promise<void>;

export interface WalReadResult {
  /** Records delivered to onRecord. */
  delivered: number;
  /** LSN of the newest valid record in the WAL (0 when it holds none). */
  lastLsn: number;
  /** The LSN a WalWriter opened now should continue from. */
  nextLsn: number;
  /** Set when a torn final record was found, and cut off with a `put` of the valid prefix. */
  torn?: WalTornTail;
}

export interface WalVerifyResult {
  files: number;
  records: number;
  /** LSN of the oldest and newest record (0 when there are none). */
  firstLsn: number;
  lastLsn: number;
  /** A torn final record, reported but left in place. */
  torn?: WalTornTail;
}

/**
 * Replays the WAL at `prefix`: calls `onRecord` for every record with LSN > afterLsn, in order, after
 * checking it; cuts off and reports a torn final record; throws CORRUPT on anything else.
 * @example
 * const { nextLsn, torn } = await readWal(store, 'wal', { afterLsn: checkpoint }, (lsn, payload) => apply(payload));
 * const writer = await WalWriter.open(store, 'wal', nextLsn);
 */
export async function readWal(
  store: ObjectStore,
  prefix: string,
  options: ReadWalOptions,
  onRecord: WalRecordHandler,
): Promise<WalReadResult> {
  const afterLsn = options.afterLsn ?? 0;
  validateLsn(afterLsn, 'afterLsn', 0);
  let delivered = 0;
  let torn: WalTornTail | undefined;
  const scan = await scanWal(store, prefix, async (parsed, isFirst) => {
    if (isFirst && parsed.file.firstLsn > afterLsn + 1) {
      throw new QuiverError(
        'CORRUPT',
        `WAL ${parsed.location} starts at LSN ${parsed.file.firstLsn}, but replay needs LSN ${afterLsn + 1} onwards`,
        { file: parsed.location, offset: 0, expected: afterLsn + 1, received: parsed.file.firstLsn },
      );
    }
    if (parsed.torn !== undefined) {
      // Cut the torn record off so the next writer does not append behind garbage.
      await store.put(parsed.file.key, parsed.bytes.subarray(0, parsed.torn.offset));
      torn = parsed.torn;
    }
    for (const rec of parsed.records) {
      if (rec.lsn <= afterLsn) continue;
      await onRecord(rec.lsn, rec.payload);
      delivered++;
    }
  });
  if (scan.lastFile !== undefined && scan.nextLsn < afterLsn + 1) {
    // The checkpoint covers records the WAL no longer has: files were lost, and a writer continuing at
    // afterLsn + 1 would leave a gap that the next replay rejects anyway.
    throw new QuiverError(
      'CORRUPT',
      `WAL ${scan.lastFile} ends before LSN ${scan.nextLsn}, but the checkpoint is at LSN ${afterLsn}`,
      { file: scan.lastFile, offset: 0, expected: afterLsn + 1, received: scan.nextLsn },
    );
  }
  const result: WalReadResult = { delivered, lastLsn: scan.lastLsn, nextLsn: Math.max(scan.nextLsn, afterLsn + 1) };
  if (torn !== undefined) result.torn = torn;
  return result;
}

/** Checks every record of every WAL file at `prefix`; throws CORRUPT on the first problem. */
export async function verifyWal(store: ObjectStore, prefix: string): Promise<WalVerifyResult> {
  let records = 0;
  let firstLsn = 0;
  let torn: WalTornTail | undefined;
  const scan = await scanWal(store, prefix, async (parsed) => {
    records += parsed.records.length;
    if (firstLsn === 0 && parsed.records.length > 0) firstLsn = parsed.records[0]!.lsn;
    torn ??= parsed.torn;
  });
  const result: WalVerifyResult = { files: scan.files, records, firstLsn, lastLsn: scan.lastLsn };
  if (torn !== undefined) result.torn = torn;
  return result;
}

interface ScanResult {
  files: number;
  /** Location of the newest file, when there is one. */
  lastFile?: string;
  lastLsn: number;
  nextLsn: number;
}

/** Parses each file in order, checks LSN continuity across files, and hands each parsed file to `visit`. */
async function scanWal(
  store: ObjectStore,
  prefix: string,
  visit: (parsed: ParsedWalFile, isFirst: boolean) => Promise<void>,
): Promise<ScanResult> {
  const files: WalFile[] = await listWalFiles(store, prefix);
  let expected: number | undefined;
  let lastLsn = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const location = store.locate(file.key);
    if (expected !== undefined && file.firstLsn !== expected) {
      throw new QuiverError(
        'CORRUPT',
        `WAL file ${location} starts at LSN ${file.firstLsn} but the previous file ends before LSN ${expected}`,
        { file: location, offset: 0, expected, received: file.firstLsn },
      );
    }
    const bytes = await store.get(file.key);
    const parsed = await parseWalFile(file, location, bytes, i === files.length - 1);
    await visit(parsed, i === 0);
    const last = parsed.records[parsed.records.length - 1];
    if (last !== undefined) lastLsn = last.lsn;
    expected = last === undefined ? file.firstLsn : last.lsn + 1;
  }
  const result: ScanResult = { files: files.length, lastLsn, nextLsn: expected ?? 1 };
  const last = files[files.length - 1];
  if (last !== undefined) result.lastFile = store.locate(last.key);
  return result;
}
