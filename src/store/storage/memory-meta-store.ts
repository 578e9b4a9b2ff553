/**
 * An in-memory MetaStore with the same semantics as FileMetaStore (revisions, modRevision, atomic txns,
 * CLOSED), for tests. Pass the same `MetaState` to a second store to simulate reopening.
 */

import { QuiverError } from '../../errors.js';
import { MetaState, validateKey, validateValue } from './meta-state.js';
import type { MetaCompare, MetaEntry, MetaOp, MetaStore, MetaTxnResult } from './meta-store.js';

export class MemoryMetaStore implements MetaStore {
  private closed = false;

  constructor(private readonly state: MetaState = new MetaState()) {}

  async get(key: string): Promise<MetaEntry | undefined> {
    this.checkOpen();
    return this.state.get(key);
  }

  async list(prefix: string): Promise<MetaEntry[]> {
    this.checkOpen();
    return this.state.list(prefix);
  }

  async revision(): Promise<number> {
    this.checkOpen();
    return this.state.revision;
  }

  async put(key: string, value: string): Promise<number> {
    validateKey(key);
    validateValue(value);
    return (await this.txn([], [{ type: 'put', key, value }])).revision;
  }

  async delete(key: string): Promise<boolean> {
    this.checkOpen();
    validateKey(key);
    const plan = this.state.plan([], [{ type: 'delete', key }]);
    this.state.commit(plan);
    return plan.writes.size > 0;
  }

  async txn(compares: MetaCompare[], ops: MetaOp[]): Promise<MetaTxnResult> {
    this.checkOpen();
    const plan = this.state.plan(compares, ops);
    this.state.commit(plan);
    return plan.result;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new QuiverError('CLOSED', 'memory meta store is closed');
  }
}
