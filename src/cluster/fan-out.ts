/**
 * The proxy's side of a read: send one call to every live query node, and accept the answers only when they
 * cover the collection. Answers are grouped by the manifest version each node's view is built on; the newest
 * version's answers are used when the segments their nodes served include every segment that version lists.
 * Otherwise (a node is down and its segments are not reassigned yet, or nodes are in the middle of moving to a
 * new manifest) the call is sent again after a short pause, until the deadline, and then fails with UNAVAILABLE
 * naming the missing segments. Errors in the request itself (a bad filter, a wrong dimension) come back at once.
 */

import { isQuiverError, QuiverError } from '../errors.js';
import type { PrimaryKey } from '../store/schema/batch.js';
import type { EtcdSession } from '../store/storage/etcd-session.js';
import { QUERY_NODE } from './keys.js';
import { callNode, type ViewInfo, type WireList } from './node-rpc.js';

export interface NodeAddress {
  id: string;
  address: string;
}

/** Live query nodes, from their leased membership keys, cached and kept fresh by a watch. */
export class NodeDirectory {
  #nodes: NodeAddress[] | undefined;
  #loading: Promise<NodeAddress[]> | undefined;
  #watching = false;

  constructor(private readonly session: EtcdSession) {}

  async nodes(): Promise<NodeAddress[]> {
    if (this.#nodes) return this.#nodes;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  /** Forgets the cache (after a node failed to answer, say). */
  invalidate(): void {
    this.#nodes = undefined;
  }

  async #load(): Promise<NodeAddress[]> {
    if (!this.#watching) {
      this.#watching = true;
      await this.session
        .watchMembers(QUERY_NODE, () => this.invalidate())
        .catch(() => {
          this.#watching = false;
        });
    }
    const members = await this.session.members(QUERY_NODE);
    const nodes = members.flatMap((m) => {
      try {
        return [{ id: m.id, address: (JSON.parse(m.value) as { address: string }).address }];
      } catch {
        return [];
      }
    });
    this.#nodes = nodes;
    return nodes;
  }
}

/** Codes a node answers with while it cannot serve yet; anything else is the request's fault. */
const RETRYABLE = new Set(['UNAVAILABLE', 'TIMEOUT', 'COLLECTION_NOT_FOUND', 'INTERNAL', 'CLOSED']);

export async function fanOut<R extends { view: ViewInfo }>(
  directory: NodeDirectory,
  path: string,
  body: unknown,
  deadline: number,
): Promise<R[]> {
  let pause = 25;
  let problem = 'no query node is registered';
  for (;;) {
    const nodes = await directory.nodes();
    if (nodes.length > 0) {
      const remaining = Math.max(1, deadline - Date.now());
      const settled = await Promise.allSettled(nodes.map((n) => callNode<R>(n.address, path, body, remaining)));
      const ok: R[] = [];
      for (const s of settled) {
        if (s.status === 'fulfilled') ok.push(s.value);
        else if (isQuiverError(s.reason) && !RETRYABLE.has(s.reason.code)) throw s.reason;
        else if (isQuiverError(s.reason) && s.reason.code === 'UNAVAILABLE') directory.invalidate();
      }
      const version = Math.max(-1, ...ok.map((r) => r.view.version));
      const used = ok.filter((r) => r.view.version === version);
      if (used.length > 0) {
        const served = new Set(used.flatMap((r) => r.view.served));
        const missing = used[0]!.view.segments.filter((id) => !served.has(id));
        if (missing.length === 0) return used;
        problem = `segments ${missing.join(', ')} are not served by any live query node`;
      } else {
        const reasons = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
        problem = reasons[0] ?? 'no query node answered';
      }
    }
    if (Date.now() + pause >= deadline) {
      throw new QuiverError('UNAVAILABLE', `cannot serve the request in full: ${problem}`, { reason: problem });
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 500);
  }
}

/** Merges per-node lists of one sub-search: best first, each key once, at most `limit`. */
export function mergeLists(lists: WireList[], limit: number): { keys: PrimaryKey[]; scores: number[] } {
  const all: { id: PrimaryKey; score: number }[] = [];
  for (const l of lists) for (let i = 0; i < l.ids.length; i++) all.push({ id: l.ids[i]!, score: l.scores[i]! });
  all.sort((a, b) => b.score - a.score || (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
  const seen = new Set<PrimaryKey>();
  const keys: PrimaryKey[] = [];
  const scores: number[] = [];
  for (const x of all) {
    if (seen.has(x.id)) continue;
    seen.add(x.id);
    keys.push(x.id);
    scores.push(x.score);
    if (keys.length >= limit) break;
  }
  return { keys, scores };
}
