/**
 * An in-memory ObjectStore with the same semantics as the local one (key rules, NOT_FOUND, range checks,
 * CLOSED), for tests. Bytes are copied on the way in and out so callers never alias stored data. Pass the
 * same `MemoryObjectBacking` to a second store to simulate closing and reopening over the same "disk".
 */

import { QuiverError } from '../../errors.js';
import { validateData, validateObjectKey, validatePrefix, validateRange } from './object-key.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';

/** The objects a MemoryObjectStore holds; share one between stores to model reopening. */
export type MemoryObjectBacking = Map<string, Uint8Array>;

export class MemoryObjectStore implements ObjectStore {
  private readonly objects: MemoryObjectBacking;
  private closed = false;
  /** Buffers this store allocated for appends; only their spare capacity may be written in place. */
  private readonly grown = new WeakSet<ArrayBufferLike>();

  /**
   * @example
   * const backing: MemoryObjectBacking = new Map();
   * const a = new MemoryObjectStore(backing);
   * await a.put('x', bytes); await a.close();
   * const b = new MemoryObjectStore(backing); // sees 'x'
   */
  constructor(backing: MemoryObjectBacking = new Map()) {
    this.objects = backing;
  }

  locate(key: string): string {
    validateObjectKey(key);
    return `memory://${key}`;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    this.checkKey(key);
    validateData(data);
    this.objects.set(key, data.slice());
  }

  async get(key: string): Promise<Uint8Array> {
    return this.must(key).slice();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const obj = this.must(key);
    validateRange(offset, length);
    if (offset + length > obj.length) {
      throw new QuiverError('INVALID_ARGUMENT', `range ${offset}+${length} is past the end of ${this.locate(key)}`, {
        file: this.locate(key),
        received: { offset, length },
        expected: { size: obj.length },
      });
    }
    return obj.slice(offset, offset + length);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.checkKey(key);
    const obj = this.objects.get(key);
    return obj === undefined ? undefined : { key, size: obj.length };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.checkOpen();
    validatePrefix(prefix);
    const out: ObjectInfo[] = [];
    for (const [key, obj] of this.objects) if (key.startsWith(prefix)) out.push({ key, size: obj.length });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    this.checkKey(key);
    this.objects.delete(key);
  }

  async append(key: string, data: Uint8Array): Promise<void> {
    this.checkKey(key);
    validateData(data);
    const prev = this.objects.get(key) ?? new Uint8Array(0);
    const len = prev.length + data.length;
    // Stored values are views that never leave this class (reads copy), so spare capacity after a view is
    // ours to fill: appends grow the buffer geometrically instead of copying the whole object each time.
    let buf = new Uint8Array(prev.buffer, prev.byteOffset, prev.buffer.byteLength - prev.byteOffset);
    if (buf.length < len || !this.grown.has(prev.buffer)) {
      buf = new Uint8Array(Math.max(len, buf.length * 2, 64));
      buf.set(prev, 0);
      this.grown.add(buf.buffer);
    }
    buf.set(data, prev.length);
    this.objects.set(key, buf.subarray(0, len));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private must(key: string): Uint8Array {
    this.checkKey(key);
    const obj = this.objects.get(key);
    if (obj === undefined) {
      const file = this.locate(key);
      throw new QuiverError('NOT_FOUND', `object not found: ${file}`, { file });
    }
    return obj;
  }

  private checkOpen(): void {
    if (this.closed) throw new QuiverError('CLOSED', 'memory object store is closed');
  }

  private checkKey(key: string): void {
    this.checkOpen();
    validateObjectKey(key);
  }
}
