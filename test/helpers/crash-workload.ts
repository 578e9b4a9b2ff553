/**
 * The deterministic workload of the crash test, shared by the child that runs it and the parent that
 * checks it: batch i is a pure function of i, and `applyBatch` is the model of what the store must hold.
 */

export const DIM = 8;

export interface ModelRow {
  batch: number;
  vector: number[];
}

export type Batch =
  | { op: 'insert'; rows: { id: number; vector: number[] }[] }
  | { op: 'upsert'; rows: { id: number; vector: number[] }[] }
  | { op: 'delete'; ids: number[] }
  | { op: 'deleteWhere'; batch: number };

function rng(seed: number): () => number {
  let s = (seed * 2654435761 + 1) >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function vector(r: () => number): number[] {
  return Array.from({ length: DIM }, () => Math.round((r() * 2 - 1) * 1000) / 1000);
}

export function batchAt(i: number): Batch {
  const r = rng(i + 1);
  const roll = r();
  const existing = () => Math.floor(r() * i * 10);
  if (i < 3 || roll < 0.55) {
    const n = 1 + Math.floor(r() * 20);
    return { op: 'insert', rows: Array.from({ length: n }, (_, j) => ({ id: i * 100 + j, vector: vector(r) })) };
  }
  if (roll < 0.8) {
    const ids = new Set<number>();
    const n = 1 + Math.floor(r() * 10);
    while (ids.size < n) ids.add(Math.floor(r() * i) * 100 + Math.floor(r() * 20));
    return { op: 'upsert', rows: [...ids].map((id) => ({ id, vector: vector(r) })) };
  }
  if (roll < 0.95) {
    const ids = new Set<number>();
    const n = 1 + Math.floor(r() * 15);
    while (ids.size < n) ids.add(existing() * 10 + Math.floor(r() * 10));
    return { op: 'delete', ids: [...ids] };
  }
  return { op: 'deleteWhere', batch: Math.floor(r() * i) };
}

export function applyBatch(model: Map<number, ModelRow>, i: number): void {
  const b = batchAt(i);
  if (b.op === 'insert' || b.op === 'upsert') {
    for (const row of b.rows) model.set(row.id, { batch: i, vector: row.vector });
  } else if (b.op === 'delete') {
    for (const id of b.ids) model.delete(id);
  } else {
    for (const [id, row] of model) if (row.batch === b.batch) model.delete(id);
  }
}

export function modelAfter(n: number): Map<number, ModelRow> {
  const model = new Map<number, ModelRow>();
  for (let i = 0; i < n; i++) applyBatch(model, i);
  return model;
}

/** Tiny thresholds so that seals and compactions run all the time. */
export const CRASH_COLLECTION_OPTIONS = { growingRows: 48, maxSegmentRows: 400, mergeFactor: 2, deletedRatio: 0.15 };

export const CRASH_SCHEMA = {
  fields: [
    { name: 'id', type: 'int' as const, primary: true as const },
    { name: 'embedding', type: 'vector' as const, dim: DIM, metric: 'l2' as const },
    { name: 'batch', type: 'int' as const },
    { name: 'text', type: 'string' as const, fullText: true },
  ],
};

/** The text of a row written by batch i: a term unique to the batch, so BM25 and text_match can be checked. */
export const batchText = (i: number) => `written by batch${i}`;
