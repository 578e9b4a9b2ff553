/**
 * The MetaStore interface: all collection and segment metadata goes through it. It is a small key-value
 * store with etcd's shape: a global revision that every change advances, a modRevision per key, and
 * atomic multi-key compare-and-set transactions. Implementations: a local file (the embedded default),
 * memory (tests), and etcd (cluster mode). All run the same contract suite. Values stay small; bulk data
 * belongs in the ObjectStore.
 */

export interface MetaEntry {
  key: string;
  value: string;
  /** The store revision at which this key was last written. */
  modRevision: number;
}

/** Holds when the key's modRevision equals `modRevision`; 0 means the key must be absent. */
export interface MetaCompare {
  key: string;
  modRevision: number;
}

export type MetaOp = { type: 'put'; key: string; value: string } | { type: 'delete'; key: string };

export interface MetaTxnResult {
  succeeded: boolean;
  /** The store revision after the transaction (unchanged when it did not succeed). */
  revision: number;
}

export interface MetaStore {
  get(key: string): Promise<MetaEntry | undefined>;
  /** Every entry whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<MetaEntry[]>;
  /** Writes one key; resolves with the new store revision once durable. */
  put(key: string, value: string): Promise<number>;
  /** Removes one key; resolves true when it existed. */
  delete(key: string): Promise<boolean>;
  /** Applies every op atomically and durably if every compare holds, else nothing. */
  txn(compares: MetaCompare[], ops: MetaOp[]): Promise<MetaTxnResult>;
  /** The current store revision (0 for an empty, never-written store). */
  revision(): Promise<number>;
  close(): Promise<void>;
}
