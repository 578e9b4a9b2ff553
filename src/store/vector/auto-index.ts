/**
 * AUTOINDEX's choice for one segment (see AutoIndexParams): FLAT under 1,000 rows, else HNSW, else (when a
 * memory limit per row rules HNSW out) the most accurate IVF type whose estimated size fits. The estimates are
 * the layouts measured by bench:indexes: HNSW's graph holds a copy of the vectors plus 2·M links at level 0;
 * IVF adds a 4-byte list entry per row and its centroids (4·√rows of them) spread over the rows.
 */

import type { ResolvedVectorField } from '../schema/validate-schema.js';

export const AUTO_FLAT_BELOW = 1000;

type Choice = ResolvedVectorField['index'] & { type: 'FLAT' | 'HNSW' | 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ' };

/** Estimated bytes per row an index of `type` adds for `rows` rows of `dim` dimensions. */
export function estimateIndexBytesPerRow(type: Choice['type'], dim: number, rows: number, M = 16): number {
  const centroids = (4 * Math.sqrt(Math.max(rows, 1)) * dim * 4) / Math.max(rows, 1);
  switch (type) {
    case 'FLAT':
      return 0;
    case 'HNSW':
      return 4 * dim + 2 * M * 4 + 12 + (M * 4 + 4) / M;
    case 'IVF_FLAT':
      return 4 + centroids;
    case 'IVF_SQ8':
      return dim + 4 + centroids + (8 * dim) / Math.max(rows, 1);
    case 'IVF_PQ':
      return dim / 4 + 4 + centroids + (256 * dim * 4) / Math.max(rows, 1);
  }
}

export function chooseAutoIndex(
  auto: { maxIndexBytesPerRow?: number; hnsw: { M: number; efConstruction: number; ef: number } },
  dim: number,
  rows: number,
): Choice {
  if (rows < AUTO_FLAT_BELOW) return { type: 'FLAT' };
  const limit = auto.maxIndexBytesPerRow ?? Number.POSITIVE_INFINITY;
  if (estimateIndexBytesPerRow('HNSW', dim, rows, auto.hnsw.M) <= limit) return { type: 'HNSW', ...auto.hnsw };
  for (const type of ['IVF_SQ8', 'IVF_PQ'] as const) {
    if (type === 'IVF_PQ' && dim % 4 !== 0) continue;
    if (estimateIndexBytesPerRow(type, dim, rows) <= limit) return { type, rerank: 4 };
  }
  return { type: 'IVF_FLAT', rerank: 1 };
}
