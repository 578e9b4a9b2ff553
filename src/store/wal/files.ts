/**
 * WAL file naming: `<prefix>/<first LSN, zero-padded to 20 digits>.wal`. The padding makes the
 * ObjectStore's key order equal LSN order, so listing the prefix lists the log in order.
 */

import { QuiverError } from '../../errors.js';
import { validateObjectKey } from '../storage/object-key.js';
import type { ObjectStore } from '../storage/object-store.js';

const NAME = /^(\d{20})\.wal$/;

export interface WalFile {
  key: string;
  /** The LSN its name says its first record carries. */
  firstLsn: number;
  size: number;
}

export function walFileKey(prefix: string, firstLsn: number): string {
  return `${prefix}/${String(firstLsn).padStart(20, '0')}.wal`;
}

/** Throws INVALID_ARGUMENT unless `prefix` is a valid object key (the folder the WAL lives in). */
export function validateWalPrefix(prefix: string): void {
  validateObjectKey(prefix);
}

/** Throws INVALID_ARGUMENT unless `lsn` is a safe integer ≥ `min`. */
export function validateLsn(lsn: unknown, name: string, min: number): asserts lsn is number {
  if (!Number.isSafeInteger(lsn) || (lsn as number) < min) {
    throw new QuiverError('INVALID_ARGUMENT', `${name} must be an integer >= ${min}`, { received: lsn });
  }
}

/** Every WAL file directly under `prefix`, in LSN order. Other keys under the prefix are ignored. */
export async function listWalFiles(store: ObjectStore, prefix: string): Promise<WalFile[]> {
  validateWalPrefix(prefix);
  const files: WalFile[] = [];
  for (const info of await store.list(`${prefix}/`)) {
    const m = NAME.exec(info.key.slice(prefix.length + 1));
    if (m === null) continue;
    const firstLsn = Number(m[1]);
    if (!Number.isSafeInteger(firstLsn) || firstLsn < 1) {
      const file = store.locate(info.key);
      throw new QuiverError('CORRUPT', `WAL file ${file} has an impossible first LSN in its name`, { file, offset: 0 });
    }
    files.push({ key: info.key, firstLsn, size: info.size });
  }
  return files;
}
