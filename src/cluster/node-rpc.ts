/**
 * The wire between a proxy and the query nodes: JSON over HTTP, three calls per collection.
 *
 * - `stats`: BM25 statistics of the rows a node serves (its sealed segments, and its growing data apart, since
 *   every node holds the same growing data), so the proxy can score every node's rows with collection-wide
 *   statistics, as the embedded store does.
 * - `lists`: each sub-search's best `limit` rows as (id, score), scores "higher is better" (l2 negated).
 * - `rows`: the stored fields of some keys.
 * - `match`: the keys of rows matching a filter (delete by filter, count).
 *
 * Every reply carries the node's view of the collection (manifest version, the segments that manifest lists,
 * the ones this node served, the WAL sequence applied), so the proxy can check that the nodes it merged
 * covered every segment of one manifest version. A request may carry `minSeq`: the node first waits until it
 * has applied that WAL sequence (strong, bounded and session reads), for at most `waitMs`.
 */

import { QuiverError } from '../errors.js';
import type { PrimaryKey } from '../store/schema/batch.js';
import type { Row } from '../store/schema/types.js';

export interface ViewInfo {
  /** The manifest version the node's state is built from. */
  version: number;
  /** Every sealed segment that manifest lists. */
  segments: number[];
  /** The sealed segments this node searched. */
  served: number[];
  /** The WAL sequence applied. */
  applied: number;
}

export interface WireStats {
  docCount: number;
  totalLength: number;
  /** Document frequency per query term. */
  df: Record<string, number>;
}

export type WireSubSearch =
  | { vector: number[]; field?: string; ef?: number; exact?: boolean }
  | {
      text: string;
      field?: string;
      k1?: number;
      b?: number;
      boosts?: Record<string, number>;
      /** Collection-wide statistics per full-text field this sub-search scores. */
      stats: Record<string, WireStats>;
    };

interface Scoped {
  collection: string;
  minSeq?: number;
  waitMs?: number;
}

export interface StatsRequest extends Scoped {
  fields: { field: string; terms: string[] }[];
}
export interface StatsReply {
  view: ViewInfo;
  /** Per requested field: the node's sealed segments, and its growing data. */
  sealed: WireStats[];
  growing: WireStats[];
}

export interface ListsRequest extends Scoped {
  subs: WireSubSearch[];
  limit: number;
  filter?: string;
  params?: Record<string, unknown>;
  partitions?: string[];
}
export interface WireList {
  ids: PrimaryKey[];
  scores: number[];
}
export interface ListsReply {
  view: ViewInfo;
  lists: WireList[];
}

export interface RowsRequest extends Scoped {
  ids: PrimaryKey[];
  outputFields?: string[];
}
export interface RowsReply {
  view: ViewInfo;
  /** Each row with its primary key field. */
  rows: Row[];
}

export interface MatchRequest extends Scoped {
  filter?: string;
  params?: Record<string, unknown>;
  partitions?: string[];
  limit: number;
}
export interface MatchReply {
  view: ViewInfo;
  ids: PrimaryKey[];
}

/** POSTs one call to a node; a node's error comes back as the QuiverError it threw, an unreachable node as UNAVAILABLE. */
export async function callNode<T>(address: string, path: string, body: unknown, timeoutMs: number): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${address}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new QuiverError('UNAVAILABLE', `query node ${address} did not answer: ${(err as Error).message}`, {
      node: address,
    });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new QuiverError('UNAVAILABLE', `query node ${address} answered ${res.status} with a body that is not JSON`, {
      node: address,
    });
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }).error;
    throw new QuiverError(
      (e?.code as never) ?? 'UNAVAILABLE',
      e?.message ?? `query node ${address} answered ${res.status}`,
      { ...(e?.details ?? {}), node: address },
    );
  }
  return json as T;
}
