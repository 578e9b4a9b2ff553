/**
 * The collection manifest: the one MetaStore value per collection that says what is durable. It names the
 * schema, the partitions, every sealed segment file with its tombstone snapshot, and the WAL checkpoint:
 * every WAL entry at or below `checkpoint` is already reflected in the segments and tombstones listed, so
 * opening replays only what comes after. Updating it is a compare-and-set on its modRevision.
 */

import { randomBytes } from 'node:crypto';
import { QuiverError } from '../../errors.js';
import type { CollectionSchema } from '../schema/types.js';

export const MANIFEST_FORMAT = 1;
export const DEFAULT_PARTITION = '_default';

export interface SegmentEntry {
  id: number;
  /** Object key of the segment file. */
  file: string;
  rows: number;
  bytes: number;
  /** Object key of the latest tombstone snapshot, when the segment has deletes. */
  tombstones?: string;
  deleted: number;
}

export interface Manifest {
  format: number;
  name: string;
  /** Object-store folder of this incarnation of the collection (a dropped and re-created one gets a new one). */
  dir: string;
  schema: CollectionSchema;
  createdAt: string;
  partitions: string[];
  segments: SegmentEntry[];
  checkpoint: number;
  nextSegmentId: number;
  nextAutoId: number;
  /** Bumped on every manifest write; names tombstone snapshots so they never overwrite a live one. */
  version: number;
}

/** Object-store folder under which every collection's data folder sits. */
export const DATA_ROOT = 'data/';

/** The first manifest of a new collection, with a fresh data folder. */
export function newManifest(name: string, schema: CollectionSchema): Manifest {
  return {
    format: MANIFEST_FORMAT,
    name,
    dir: `${DATA_ROOT}${name}-${randomBytes(6).toString('hex')}`,
    schema: structuredClone(schema),
    createdAt: new Date().toISOString(),
    partitions: [DEFAULT_PARTITION],
    segments: [],
    checkpoint: 0,
    nextSegmentId: 1,
    nextAutoId: 1,
    version: 1,
  };
}

export const manifestKey = (name: string) => `collections/${name}`;
export const walPrefix = (m: Manifest) => `${m.dir}/wal`;
export const segmentKey = (m: Manifest, id: number) => `${m.dir}/segments/${String(id).padStart(10, '0')}.seg`;
export const tombstoneKey = (m: Manifest, id: number, version: number) =>
  `${m.dir}/tombstones/${String(id).padStart(10, '0')}-${version}.del`;

export function parseManifest(value: string, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(value) as Manifest;
  } catch (err) {
    throw new QuiverError('CORRUPT', `manifest ${where} is not valid JSON`, { file: where }, { cause: err });
  }
  if (m.format > MANIFEST_FORMAT) {
    throw new QuiverError('UNSUPPORTED_FORMAT', `manifest ${where} has format ${m.format}; upgrade Quiver`, {
      file: where,
    });
  }
  if (!Array.isArray(m.segments) || typeof m.checkpoint !== 'number' || typeof m.dir !== 'string') {
    throw new QuiverError('CORRUPT', `manifest ${where} is missing required fields`, { file: where });
  }
  return m;
}
