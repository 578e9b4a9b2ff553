/**
 * The ObjectStore interface: every byte Quiver persists (WAL, segment files) goes through it. Keys are
 * relative, '/'-separated paths of [A-Za-z0-9._-] parts. Implementations: a local folder (the embedded
 * default), memory (tests), and S3 (cluster mode). All run the same contract suite.
 */

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStore {
  /**
   * Writes a whole object. Atomic and durable once the promise resolves: after a crash, readers see either
   * the previous object (or none) or the complete new one, never a mix.
   */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Reads a whole object. Throws QuiverError NOT_FOUND when absent. */
  get(key: string): Promise<Uint8Array>;
  /** Reads `length` bytes from `offset`. Throws NOT_FOUND when absent, INVALID_ARGUMENT when out of bounds. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** Size of an object, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes an object. Removing an absent key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Appends bytes to an object, creating it when absent. Durable once the promise resolves (the local store
   * fdatasyncs). Appends to one key must not run concurrently; callers serialize them.
   */
  append(key: string, data: Uint8Array): Promise<void>;
  /** A human-readable location for error messages: a file path, or s3://bucket/key. */
  locate(key: string): string;
  /**
   * The object's path on local disk, for stores that keep objects as files, so a caller may read parts of it
   * by position for as long as it holds the file open. Absent (or undefined) for other stores.
   */
  localPath?(key: string): string | undefined;
  close(): Promise<void>;
}
