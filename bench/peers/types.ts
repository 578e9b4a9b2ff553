/**
 * The one small interface every peer-benchmark adapter implements (bench/peers/<system>.ts), and the shapes of
 * what a benchmark child process reports back to the driver (bench/peers.ts). An adapter only wraps its
 * store's own API; loading data, timing and recall live in bench/peers/child.ts, so every system is measured
 * by the same code.
 */

/** The HNSW build parameters every HNSW-based system gets. */
export const HNSW = { M: 16, efConstruction: 200 } as const;

/** One point of a system's search-parameter sweep, e.g. `{ ef: 64 }`; `{}` for a brute-force scan. */
export type SearchSetting = Readonly<Record<string, number>>;

export interface PeerRow {
  id: number;
  vector: Float32Array;
  /** Uniform in [0, 1000): `bucket < 10` keeps 1% of the rows. */
  bucket: number;
}

export interface StoreOptions {
  dim: number;
  /** Rows that will be inserted, for stores that must size themselves up front. */
  rows: number;
}

export interface PeerStore {
  insert(rows: readonly PeerRow[]): Promise<void>;
  /** Makes every inserted row searchable at full speed: build indexes, flush, persist, wait for background work. */
  finish(): Promise<void>;
  /** Ids of the k nearest rows by cosine, best first; with `bucketBelow`, only rows whose bucket is below it. */
  search(vector: Float32Array, k: number, setting: SearchSetting, bucketBelow?: number): Promise<number[]>;
  /** Facts worth printing beside the figures, e.g. how many segments the data ended up in. */
  describe?(): Promise<string>;
  close(): Promise<void>;
}

export interface PeerSystem {
  /** Display name. */
  name: string;
  /** What the store searches with, e.g. "HNSW, M 16, efConstruction 200". */
  index: string;
  /** How a filtered search runs in this system. */
  filtering: string;
  /** Threads it uses, as far as its documentation says. */
  threads: string;
  /** Search settings from cheapest to most thorough; a single `{}` for a brute-force scan. */
  sweep: SearchSetting[];
  /** Creates an empty store in `dir` (a new folder that the system may use as it likes). */
  create(dir: string, options: StoreOptions): Promise<PeerStore>;
  /** Reopens what create() persisted in `dir`; absent for in-memory stores. */
  open?(dir: string, options: StoreOptions): Promise<PeerStore>;
}

export function settingLabel(s: SearchSetting): string {
  const parts = Object.entries(s).map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? 'exact scan' : parts.join(', ');
}

/** One timed configuration: the best round's throughput, latency percentiles pooled over every round. */
export interface TimedSearch {
  setting: string;
  qps: number;
  recall: number;
  p50Ms: number;
  p99Ms: number;
  /** Fewest hits any query returned (k unless the store came back short). */
  minHits: number;
  rounds: number;
}

export interface FilteredSearch extends TimedSearch {
  /** Share of rows the filter keeps. */
  selectivity: number;
}

/** What one child process reports. A store that persists is built in one child and queried in a second. */
export interface PhaseReport {
  phase: 'build' | 'query' | 'all';
  /** The adapter's description of itself. */
  about: Pick<PeerSystem, 'name' | 'index' | 'filtering' | 'threads'>;
  /** process.version of the child. */
  node: string;
  /** RSS high-water mark of the child process (process.resourceUsage().maxRSS). */
  peakRssMB: number;
  /** RSS before the store existed (Node, the adapter's imports, the benchmark's inputs): part of the peak. */
  inputsRssMB: number;
  ingest?: { rows: number; insertSeconds: number; finishSeconds: number };
  diskBytes?: number;
  /** Open the persisted store in a fresh process and run one query. */
  coldOpenMs?: number;
  sweep?: TimedSearch[];
  operating?: TimedSearch & { reached: boolean };
  filtered?: FilteredSearch[];
  layout?: string;
  /** Recall of the store's first query after a cold open (checks that what was persisted is what was built). */
  coldRecall?: number;
}
