/**
 * The growing segment: the one segment of a collection that takes inserts. It lives in memory (the WAL is
 * its durability), grows its typed arrays by doubling, and is searched by exact scan. At a size threshold
 * the collection freezes it and a sealed, indexed copy replaces it.
 */

import type { ScalarIndex } from '../scalar/scalar-index.js';
import type { PrimaryKey, RowBatch } from '../schema/batch.js';
import { DYNAMIC_FIELD } from '../schema/types.js';
import type { ResolvedSchema } from '../schema/validate-schema.js';
import type { BM25Index } from '../text/bm25-index.js';
import { GrowingBM25 } from '../text/growing-bm25.js';
import { Bitset } from '../util/bitset.js';
import { FlatIndex } from '../vector/flat-index.js';
import { MemoryColumn, type VectorColumn } from '../vector/vector-column.js';
import type { VectorIndex } from '../vector/vector-index.js';
import type { Column } from './columns.js';
import { PARTITION_COLUMN, type Segment } from './segment.js';

interface GrowingNumbers {
  values: Float64Array;
  valid: Uint32Array;
}

export class GrowingSegment implements Segment {
  readonly state = 'growing' as const;
  readonly id: number;
  private readonly schema: ResolvedSchema;
  private rows = 0;
  private capacity = 0;
  private tombstones = new Uint32Array(0);
  private deletes = 0;
  private readonly numbers = new Map<string, GrowingNumbers>();
  private readonly values = new Map<string, unknown[]>();
  private readonly vecs = new Map<string, Float32Array>();
  private readonly flats = new Map<string, { rows: number; index: FlatIndex }>();
  private readonly texts = new Map<string, GrowingBM25>();
  /** The last WAL sequence number applied to this segment. */
  lastLsn = 0;

  constructor(id: number, schema: ResolvedSchema, initialCapacity = 1024) {
    this.id = id;
    this.schema = schema;
    const pk = schema.primary;
    if (pk.type === 'int') this.numbers.set(pk.name, { values: new Float64Array(0), valid: new Uint32Array(0) });
    else this.values.set(pk.name, []);
    for (const f of schema.scalars) {
      if (f.type === 'int' || f.type === 'float') {
        this.numbers.set(f.name, { values: new Float64Array(0), valid: new Uint32Array(0) });
      } else this.values.set(f.name, []);
    }
    if (schema.dynamic) this.values.set(DYNAMIC_FIELD, []);
    this.values.set(PARTITION_COLUMN, []);
    for (const v of schema.vectors) this.vecs.set(v.name, new Float32Array(0));
    for (const t of schema.texts) this.texts.set(t.name, new GrowingBM25(t.analyzer));
    this.grow(initialCapacity);
  }

  get rowCount(): number {
    return this.rows;
  }

  get deletedCount(): number {
    return this.deletes;
  }

  get deleted(): Bitset {
    return new Bitset(this.rows, this.tombstones.subarray(0, (this.rows + 31) >>> 5));
  }

  private grow(min: number): void {
    if (min <= this.capacity) return;
    const cap = Math.max(min, this.capacity * 2, 1024);
    const words = (cap + 31) >>> 5;
    const t = new Uint32Array(words);
    t.set(this.tombstones);
    this.tombstones = t;
    for (const [name, col] of this.numbers) {
      const values = new Float64Array(cap);
      values.set(col.values);
      const valid = new Uint32Array(words);
      valid.set(col.valid);
      this.numbers.set(name, { values, valid });
    }
    for (const f of this.schema.vectors) {
      const v = new Float32Array(cap * f.dim);
      v.set(this.vecs.get(f.name)!);
      this.vecs.set(f.name, v);
    }
    this.flats.clear();
    this.capacity = cap;
  }

  /** Appends every row of a validated batch; returns the offset of the first. */
  append(batch: RowBatch): number {
    const n = batch.pks.length;
    const first = this.rows;
    this.grow(first + n);
    const pkName = this.schema.primary.name;
    for (let i = 0; i < n; i++) {
      const row = first + i;
      this.setValue(pkName, row, batch.pks[i]!);
      for (const f of this.schema.scalars) this.setValue(f.name, row, batch.scalars[f.name]![i] ?? null);
      if (this.schema.dynamic) this.values.get(DYNAMIC_FIELD)!.push(batch.meta?.[i] ?? null);
      this.values.get(PARTITION_COLUMN)!.push(batch.partition);
    }
    for (const f of this.schema.vectors) this.vecs.get(f.name)!.set(batch.vectors[f.name]!, first * f.dim);
    for (const [name, index] of this.texts) {
      const values = batch.scalars[name]!;
      for (let i = 0; i < n; i++) index.append((values[i] ?? null) as string | null);
    }
    this.rows += n;
    return first;
  }

  private setValue(name: string, row: number, value: unknown): void {
    const num = this.numbers.get(name);
    if (num) {
      if (value !== null) {
        num.values[row] = value as number;
        num.valid[row >>> 5]! |= 1 << (row & 31);
      }
      return;
    }
    this.values.get(name)!.push(value);
  }

  column(name: string): Column | undefined {
    const num = this.numbers.get(name);
    if (num) {
      const words = (this.rows + 31) >>> 5;
      return {
        kind: 'number',
        values: num.values.subarray(0, this.rows),
        valid: new Bitset(this.rows, num.valid.subarray(0, words)),
      };
    }
    const values = this.values.get(name);
    return values ? { kind: 'value', values } : undefined;
  }

  scalarIndex(_field: string): ScalarIndex | undefined {
    return undefined;
  }

  pk(row: number): PrimaryKey {
    const name = this.schema.primary.name;
    const num = this.numbers.get(name);
    return num ? num.values[row]! : (this.values.get(name)![row] as string);
  }

  partition(row: number): string {
    return this.values.get(PARTITION_COLUMN)![row] as string;
  }

  vectors(field: string): VectorColumn {
    const f = this.schema.vectors.find((v) => v.name === field)!;
    return new MemoryColumn(this.vecs.get(field)!, f.dim, this.rows);
  }

  vectorIndex(field: string): VectorIndex {
    const cached = this.flats.get(field);
    if (cached && cached.rows === this.rows) return cached.index;
    const f = this.schema.vectors.find((v) => v.name === field)!;
    const index = new FlatIndex(this.vecs.get(field)!, f.dim, f.metric, this.rows);
    for (let w = 0; w < this.tombstones.length && this.deletes > 0; w++) {
      let bits = this.tombstones[w]!;
      while (bits !== 0) {
        const t = bits & -bits;
        index.markDeleted((w << 5) + 31 - Math.clz32(t));
        bits ^= t;
      }
    }
    this.flats.set(field, { rows: this.rows, index });
    return index;
  }

  textIndex(field: string): BM25Index | undefined {
    return this.texts.get(field)?.snapshot();
  }

  markDeleted(row: number): void {
    const bit = 1 << (row & 31);
    if ((this.tombstones[row >>> 5]! & bit) !== 0) return;
    this.tombstones[row >>> 5]! |= bit;
    this.deletes++;
    for (const { index } of this.flats.values()) index.markDeleted(row);
  }
}
