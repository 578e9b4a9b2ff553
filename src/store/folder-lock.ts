/**
 * An exclusive lock on an embedded store's folder, so two processes never write one store. The lock file
 * holds the owner's pid; a lock left by a process that no longer runs (killed with -9) is taken over.
 * This is the one file-system access outside the ObjectStore, because locking is about processes, not data.
 */

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { QuiverError } from '../errors.js';

const LOCK = 'LOCK';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FolderLock {
  private constructor(private readonly path: string) {}

  static acquire(folder: string): FolderLock {
    const path = join(folder, LOCK);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new FolderLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new QuiverError(
            'IO_ERROR',
            `cannot lock ${folder}: ${(err as Error).message}`,
            { file: path },
            { cause: err },
          );
        }
        const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
        if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
          throw new QuiverError('LOCKED', `${folder} is open in another process (pid ${owner}); close it there first`, {
            file: path,
            pid: owner,
          });
        }
        if (owner === process.pid) {
          throw new QuiverError('LOCKED', `${folder} is already open in this process; share one Quiver instance`, {
            file: path,
          });
        }
        unlinkSync(path);
      }
    }
    throw new QuiverError('LOCKED', `could not lock ${folder}`, { file: path });
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
