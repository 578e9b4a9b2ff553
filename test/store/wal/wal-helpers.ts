/** Helpers for the WAL tests: payload makers, replay-to-array, and hand-built record bytes. */

import type { ObjectStore } from '../../../src/store/storage/object-store.js';
import { encodeWalRecord, walRecordSize } from '../../../src/store/wal/record.js';
import { readWal, type WalReadResult } from '../../../src/store/wal/wal-reader.js';

export const payload = (lsn: number, len = 10): Uint8Array =>
  new Uint8Array(len).map((_, i) => (lsn * 31 + i * 7) & 0xff);

export async function replay(
  store: ObjectStore,
  prefix: string,
  afterLsn = 0,
): Promise<{ records: { lsn: number; payload: Uint8Array }[]; result: WalReadResult }> {
  const records: { lsn: number; payload: Uint8Array }[] = [];
  const result = await readWal(store, prefix, { afterLsn }, (lsn, payload) => void records.push({ lsn, payload }));
  return { records, result };
}

/** Framed records for the given LSNs, concatenated, as one file's bytes. */
export function recordBytes(lsns: number[], len = 10): Uint8Array {
  const out = new Uint8Array(lsns.reduce((n) => n + walRecordSize(len), 0));
  let off = 0;
  for (const lsn of lsns) off = encodeWalRecord(lsn, payload(lsn, len), out, off);
  return out;
}
