/**
 * The write half of a cluster proxy's collection: rows are validated against the schema here and appended to
 * the shared WAL (an S3 object committed by compare-and-set in etcd); a write resolves once its commit is
 * durable. Auto ids come from blocks taken by compare-and-set on an etcd counter. It remembers the last
 * sequence it wrote, for `session` consistency.
 */

import { QuiverError } from '../errors.js';
import type { WriteOptions, WriteResult } from '../store/collection/collection.js';
import { DEFAULT_PARTITION, type Manifest } from '../store/collection/manifest.js';
import type { WalEntry } from '../store/schema/batch.js';
import { encodeEntry } from '../store/schema/entry-codec.js';
import type { Row } from '../store/schema/types.js';
import { type BatchLimits, validateRows } from '../store/schema/validate-rows.js';
import type { ResolvedSchema } from '../store/schema/validate-schema.js';
import type { MetaStore } from '../store/storage/meta-store.js';
import type { ObjectStore } from '../store/storage/object-store.js';
import { autoIdKey, walRoot } from './keys.js';
import { SharedWal } from './shared-wal.js';

export class ClusterWriter {
  readonly wal: SharedWal;
  /** The last sequence this proxy wrote (session consistency). */
  written = 0;
  readonly #name: string;

  constructor(
    private readonly schema: ResolvedSchema,
    private readonly manifest: Manifest,
    private readonly d: { meta: MetaStore; objects: ObjectStore; batchLimits?: BatchLimits },
  ) {
    this.#name = manifest.name;
    this.wal = new SharedWal({ meta: d.meta, objects: d.objects, root: walRoot(this.#name), dir: manifest.dir });
  }

  async writeRows(mode: 'insert' | 'upsert', rows: Row[], options?: WriteOptions): Promise<WriteResult> {
    if (!Array.isArray(rows)) throw new QuiverError('INVALID_ARGUMENT', 'rows must be an array of objects');
    const partition = this.#partition(options);
    const ids = this.schema.primary.autoId && mode === 'insert' ? await this.#allocateIds(rows.length) : [];
    const batch = validateRows(this.schema, rows, partition, {
      mode,
      limits: this.d.batchLimits,
      assignIds: (n) => ids.slice(0, n),
    });
    if (batch.pks.length === 0) return { ids: [], count: 0 };
    await this.append({ op: mode, batch } as WalEntry);
    return { ids: batch.pks, count: batch.pks.length };
  }

  async append(entry: WalEntry): Promise<void> {
    const seq = await this.wal.append(encodeEntry(entry));
    this.written = Math.max(this.written, seq);
  }

  #partition(options?: WriteOptions): string {
    const p = options?.partition;
    if (p === undefined) return DEFAULT_PARTITION;
    if (this.schema.partitionKey) {
      throw new QuiverError(
        'INVALID_ARGUMENT',
        `"${this.#name}" routes rows by its partition key; do not name a partition`,
      );
    }
    if (!this.manifest.partitions.includes(p)) {
      throw new QuiverError('PARTITION_NOT_FOUND', `partition "${p}" does not exist in "${this.#name}"`, {
        partition: p,
      });
    }
    return p;
  }

  /** Takes `n` fresh auto ids from the collection's counter in etcd. */
  async #allocateIds(n: number): Promise<number[]> {
    const key = autoIdKey(this.#name);
    for (let attempt = 0; attempt < 64; attempt++) {
      const current = await this.d.meta.get(key);
      const last = current ? Number(current.value) : 0;
      const result = await this.d.meta.txn(
        [{ key, modRevision: current?.modRevision ?? 0 }],
        [{ type: 'put', key, value: String(last + n) }],
      );
      if (result.succeeded) return Array.from({ length: n }, (_, i) => last + 1 + i);
    }
    throw new QuiverError('CONFLICT', `could not take auto ids for "${this.#name}": too many concurrent writers`);
  }
}
