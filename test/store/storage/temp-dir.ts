/** A fresh folder under os.tmpdir() per test, removed afterwards. Shared by the storage and WAL tests. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function makeTempDir(label = 'quiver-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), label));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
