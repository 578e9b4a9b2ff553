/**
 * The in-memory heart of both embedded MetaStores: a sorted-on-read key map, the store revision, and
 * etcd-shaped transactions. A transaction is first *planned* against the committed state (compares checked,
 * new entries computed, nothing mutated) and only then *committed*, so FileMetaStore can make the plan
 * durable before anyone can read it, and a failed write leaves nothing to roll back.
 *
 * Revision rules (etcd's): a transaction that writes something advances the revision by exactly 1 and stamps
 * every key it puts with that revision; one that writes nothing (failed compares, or only deletes of absent
 * keys, or no ops) leaves it unchanged.
 */

import { QuiverError } from '../../errors.js';
import type { MetaCompare, MetaEntry, MetaOp, MetaTxnResult } from './meta-store.js';

/** A planned transaction: what it would write, and the result it would return. */
export interface MetaPlan {
  result: MetaTxnResult;
  /** Key → new entry, or undefined for a delete of an existing key. Empty when nothing changes. */
  writes: Map<string, MetaEntry | undefined>;
}

export class MetaState {
  private rev = 0;
  private readonly entries = new Map<string, MetaEntry>();

  /** Builds a state from a decoded snapshot (trusted: the snapshot decoder validated it). */
  static from(revision: number, entries: Iterable<MetaEntry>): MetaState {
    const s = new MetaState();
    s.rev = revision;
    for (const e of entries) s.entries.set(e.key, { ...e });
    return s;
  }

  get revision(): number {
    return this.rev;
  }

  get(key: string): MetaEntry | undefined {
    validateKey(key);
    const e = this.entries.get(key);
    return e === undefined ? undefined : { ...e };
  }

  list(prefix: string): MetaEntry[] {
    if (typeof prefix !== 'string') throw new QuiverError('INVALID_ARGUMENT', 'list prefix must be a string');
    const out: MetaEntry[] = [];
    for (const e of this.entries.values()) if (e.key.startsWith(prefix)) out.push({ ...e });
    return out.sort(byKey);
  }

  /** Checks compares and computes the writes of `ops` without changing anything. */
  plan(compares: MetaCompare[], ops: MetaOp[]): MetaPlan {
    validateTxn(compares, ops);
    const writes = new Map<string, MetaEntry | undefined>();
    for (const c of compares) {
      if ((this.entries.get(c.key)?.modRevision ?? 0) !== c.modRevision) {
        return { result: { succeeded: false, revision: this.rev }, writes };
      }
    }
    const next = this.rev + 1;
    for (const op of ops) {
      if (op.type === 'put') writes.set(op.key, { key: op.key, value: op.value, modRevision: next });
      else if (this.entries.has(op.key)) writes.set(op.key, undefined);
    }
    return { result: { succeeded: true, revision: writes.size > 0 ? next : this.rev }, writes };
  }

  /** Applies a plan made against the current state. */
  commit(plan: MetaPlan): void {
    if (plan.writes.size === 0) return;
    for (const [key, entry] of plan.writes) {
      if (entry === undefined) this.entries.delete(key);
      else this.entries.set(key, entry);
    }
    this.rev = plan.result.revision;
  }

  /** Every entry as it would be after `plan`, sorted by key: what a snapshot of the next state holds. */
  entriesAfter(plan: MetaPlan): MetaEntry[] {
    const out: MetaEntry[] = [];
    for (const e of this.entries.values()) if (!plan.writes.has(e.key)) out.push(e);
    for (const e of plan.writes.values()) if (e !== undefined) out.push(e);
    return out.sort(byKey);
  }
}

function byKey(a: MetaEntry, b: MetaEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function validateKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new QuiverError('INVALID_ARGUMENT', 'meta key must be a non-empty string', { received: key });
  }
}

export function validateValue(value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new QuiverError('INVALID_ARGUMENT', 'meta value must be a string', { received: typeof value });
  }
}

function validateTxn(compares: MetaCompare[], ops: MetaOp[]): void {
  if (!Array.isArray(compares) || !Array.isArray(ops)) {
    throw new QuiverError('INVALID_ARGUMENT', 'txn takes an array of compares and an array of ops');
  }
  for (const c of compares) {
    validateKey(c?.key);
    if (!Number.isSafeInteger(c.modRevision) || c.modRevision < 0) {
      throw new QuiverError('INVALID_ARGUMENT', `compare on "${c.key}" needs a non-negative integer modRevision`, {
        received: c.modRevision,
      });
    }
  }
  const seen = new Set<string>();
  for (const op of ops) {
    const type: unknown = (op as { type?: unknown } | undefined)?.type;
    if (type !== 'put' && type !== 'delete') {
      throw new QuiverError('INVALID_ARGUMENT', `txn op type must be 'put' or 'delete'`, { received: type });
    }
    validateKey(op.key);
    if (op.type === 'put') validateValue(op.value);
    // etcd rejects a txn that writes one key twice; so do we, to keep both backends interchangeable.
    if (seen.has(op.key)) throw new QuiverError('INVALID_ARGUMENT', `txn writes "${op.key}" more than once`);
    seen.add(op.key);
  }
}
