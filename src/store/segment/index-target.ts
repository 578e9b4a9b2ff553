/**
 * Which ANN index each vector field of a segment should have, and whether a segment still waits for it.
 *
 * Sealing a segment whose field asks for HNSW may skip the graph and store an interim FLAT index instead
 * (exact search, no build cost): background compaction then either merges the segment into a big HNSW
 * segment by extending that graph, or builds the segment's own graph. Each row is so inserted into one graph
 * once, instead of once per seal and again per merge. A segment "waits for its index" while any field holds
 * FLAT where its target is HNSW.
 */

import type { ResolvedSchema, ResolvedVectorField } from '../schema/validate-schema.js';
import { chooseAutoIndex } from '../vector/auto-index.js';
import type { Segment } from './segment.js';

export type IndexTarget = Exclude<ResolvedVectorField['index'], { type: 'AUTOINDEX' }>;

/** The index a segment of `rows` rows should have for field `f` (AUTOINDEX decides by size and memory). */
export function targetIndex(f: ResolvedVectorField, rows: number): IndexTarget {
  return f.index.type === 'AUTOINDEX' ? chooseAutoIndex(f.index, f.dim, rows) : f.index;
}

/** True when some vector field of `segment` holds an interim FLAT index where HNSW is its target. */
export function waitsForIndex(segment: Segment, schema: ResolvedSchema): boolean {
  return schema.vectors.some(
    (f) => segment.vectorIndex(f.name).kind === 'FLAT' && targetIndex(f, segment.rowCount).type === 'HNSW',
  );
}

/** True when `segment` has an HNSW field and waits for no graph: a merge can extend it. */
export function extendable(segment: Segment, schema: ResolvedSchema): boolean {
  return schema.vectors.some((f) => segment.vectorIndex(f.name).kind === 'HNSW') && !waitsForIndex(segment, schema);
}
