/**
 * The embedded ObjectStore: each object is a file under one root folder, its key the relative path.
 * `put` is atomic and durable (write a temp file, fsync, rename over the target, fsync the folder);
 * `append` keeps one open fd per key and fdatasyncs before resolving. Mutations of one key are serialized
 * here, so a `put` over a key being appended to swaps the fd instead of racing it.
 */

import { randomBytes } from 'node:crypto';
import { type Dirent, mkdirSync } from 'node:fs';
import { type FileHandle, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { QuiverError } from '../../errors.js';
import { KeyedMutex } from '../util/mutex.js';
import { ensureDirDurable, fsCode, fsyncDir, readFully, toStoreError, writeFully } from './local-fs.js';
import {
  isTempName,
  tempNameFor,
  validateData,
  validateObjectKey,
  validatePrefix,
  validateRange,
} from './object-key.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';

export class LocalObjectStore implements ObjectStore {
  /** Absolute path of the root folder. */
  readonly root: string;
  private readonly appendFds = new Map<string, FileHandle>();
  private readonly keyLocks = new KeyedMutex();
  private closed = false;

  /** Opens a store over `root`, creating the folder when missing. Leftover temp files are ignored. */
  constructor(root: string) {
    this.root = resolve(root);
    mkdirSync(this.root, { recursive: true });
  }

  /** Like the constructor, and also deletes temp files a crashed `put` left behind. */
  static async open(root: string): Promise<LocalObjectStore> {
    const store = new LocalObjectStore(root);
    await store.sweepTempFiles();
    return store;
  }

  locate(key: string): string {
    validateObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  localPath(key: string): string {
    return this.locate(key);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.checkKey(key);
    validateData(data);
    await this.keyLocks.run(key, async () => {
      const dir = dirname(file);
      const tmp = join(dir, tempNameFor(basename(file), randomBytes(6).toString('hex')));
      try {
        await ensureDirDurable(dir, this.root);
        const fh = await open(tmp, 'wx');
        try {
          await writeFully(fh, data, 0);
          await fh.sync();
        } finally {
          await fh.close();
        }
        // An append fd would keep writing to the inode the rename is about to replace.
        await this.dropAppendFd(key);
        await rename(tmp, file);
        await fsyncDir(dir);
      } catch (err) {
        await rm(tmp, { force: true }).catch(() => undefined);
        throw toStoreError(err, file, 'put');
      }
    });
  }

  async get(key: string): Promise<Uint8Array> {
    const file = this.checkKey(key);
    try {
      const buf = await readFile(file);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      throw toStoreError(err, file, 'get');
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const file = this.checkKey(key);
    validateRange(offset, length);
    let fh: FileHandle | undefined;
    try {
      fh = await open(file, 'r');
      const { size } = await fh.stat();
      if (offset + length > size) {
        throw new QuiverError(
          'INVALID_ARGUMENT',
          `range ${offset}+${length} is past the end of ${file} (${size} bytes)`,
          {
            file,
            received: { offset, length },
            expected: { size },
          },
        );
      }
      return await readFully(fh, length, offset);
    } catch (err) {
      throw toStoreError(err, file, 'getRange');
    } finally {
      await fh?.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.checkKey(key);
    try {
      const st = await stat(file);
      return st.isFile() ? { key, size: st.size } : undefined;
    } catch (err) {
      const code = fsCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw toStoreError(err, file, 'head');
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.checkOpen();
    validatePrefix(prefix);
    // Only the folder the prefix names up to its last '/' can hold matches.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    if (dirKey !== '' && !isValidKey(dirKey)) return [];
    const out: ObjectInfo[] = [];
    await this.walk(dirKey, (key) => key.startsWith(prefix) || prefix.startsWith(`${key}/`), out);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const file = this.checkKey(key);
    await this.keyLocks.run(key, async () => {
      try {
        await this.dropAppendFd(key);
        await rm(file, { force: true });
        await fsyncDir(dirname(file));
      } catch (err) {
        if (fsCode(err) === 'ENOENT' || fsCode(err) === 'ENOTDIR') return;
        throw toStoreError(err, file, 'delete');
      }
    });
  }

  async append(key: string, data: Uint8Array): Promise<void> {
    const file = this.checkKey(key);
    validateData(data);
    await this.keyLocks.run(key, async () => {
      try {
        let fh = this.appendFds.get(key);
        if (fh === undefined) fh = await this.openForAppend(key, file);
        try {
          await writeFully(fh, data);
          await fh.datasync();
        } catch (err) {
          // Drop the fd so a retry starts from a fresh open, not a handle in an unknown state.
          await this.dropAppendFd(key);
          throw err;
        }
      } catch (err) {
        throw toStoreError(err, file, 'append');
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const keys = [...this.appendFds.keys()];
    await Promise.all(keys.map((key) => this.keyLocks.run(key, () => this.dropAppendFd(key))));
  }

  /** Deletes every temp file under the root (leftovers of a crash mid-`put`). */
  async sweepTempFiles(): Promise<number> {
    this.checkOpen();
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      for (const ent of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) await visit(p);
        else if (isTempName(ent.name)) {
          await rm(p, { force: true });
          removed++;
        }
      }
    };
    await visit(this.root);
    return removed;
  }

  private async openForAppend(key: string, file: string): Promise<FileHandle> {
    let existed = true;
    try {
      await stat(file);
    } catch (err) {
      if (fsCode(err) !== 'ENOENT') throw err;
      existed = false;
    }
    if (!existed) await ensureDirDurable(dirname(file), this.root);
    const fh = await open(file, 'a');
    try {
      // A new file's directory entry must be durable too, not just its data.
      if (!existed) await fsyncDir(dirname(file));
    } catch (err) {
      await fh.close();
      throw err;
    }
    this.appendFds.set(key, fh);
    return fh;
  }

  private async dropAppendFd(key: string): Promise<void> {
    const fh = this.appendFds.get(key);
    if (fh === undefined) return;
    this.appendFds.delete(key);
    await fh.close().catch(() => undefined);
  }

  private async walk(dirKey: string, wanted: (key: string) => boolean, out: ObjectInfo[]): Promise<void> {
    const dir = dirKey === '' ? this.root : join(this.root, ...dirKey.split('/'));
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = fsCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw toStoreError(err, dir, 'list');
    }
    for (const ent of entries) {
      if (isTempName(ent.name)) continue;
      const key = dirKey === '' ? ent.name : `${dirKey}/${ent.name}`;
      if (!wanted(key)) continue;
      if (ent.isDirectory()) {
        await this.walk(key, wanted, out);
      } else if (ent.isFile()) {
        const info = await this.head(key).catch(() => undefined);
        if (info !== undefined) out.push(info);
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new QuiverError('CLOSED', `object store at ${this.root} is closed`, { file: this.root });
  }

  private checkKey(key: string): string {
    this.checkOpen();
    return this.locate(key);
  }
}

function isValidKey(key: string): boolean {
  try {
    validateObjectKey(key);
    return true;
  } catch {
    return false;
  }
}
