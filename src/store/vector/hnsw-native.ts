/**
 * The only module that imports hnswlib-node. It wraps exactly what Quiver uses and records the library's
 * sharp edges in one place: plain JS arrays only, uint32 labels, `ef` not persisted, no use while an async
 * read or write is pending, ip distance = 1 - dot, l2 = squared distance, and readIndex does not check the
 * dimension (see `readIndexHeader`).
 */

import hnswlib from 'hnswlib-node';
import type { Metric } from '../schema/types.js';

export type NativeHnsw = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** Cosine vectors arrive normalized, so cosine runs on the inner-product space. */
export function createNativeHnsw(metric: Metric, dim: number): NativeHnsw {
  return new hnswlib.HierarchicalNSW(metric === 'l2' ? 'l2' : 'ip', dim);
}

export interface IndexHeader {
  elements: number;
  dim: number;
}

/** Reads element count and dimension from an hnswlib index file's header (hnswlib saves both as size_t). */
export function readIndexHeader(bytes: Uint8Array): IndexHeader | undefined {
  if (bytes.length < 96) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements = Number(view.getBigUint64(16, true));
  const labelOffset = Number(view.getBigUint64(32, true));
  const dataOffset = Number(view.getBigUint64(40, true));
  const dataBytes = labelOffset - dataOffset;
  if (dataBytes <= 0 || dataBytes % 4 !== 0) return undefined;
  return { elements, dim: dataBytes / 4 };
}
