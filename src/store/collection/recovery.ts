/**
 * Opening-time helpers: load the sealed segments a manifest names (with their tombstones, every checksum
 * verified), and remove segment and tombstone files no manifest names, which a crash between writing a file
 * and committing the manifest can leave behind.
 */

import type { ResolvedSchema } from '../schema/validate-schema.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import { decodeSegment, decodeTombstones } from '../segment/segment-codec.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Manifest } from './manifest.js';

export async function* loadSealedSegments(
  manifest: Manifest,
  objects: ObjectStore,
  schema: ResolvedSchema,
): AsyncGenerator<SealedSegment> {
  for (const e of manifest.segments) {
    const tombstones = e.tombstones
      ? await decodeTombstones(await objects.get(e.tombstones), objects.locate(e.tombstones))
      : undefined;
    const bytes = await objects.get(e.file);
    const localPath = objects.localPath?.(e.file);
    yield await decodeSegment(bytes, objects.locate(e.file), schema, { deleted: tombstones, localPath });
  }
}

export async function removeOrphans(manifest: Manifest, objects: ObjectStore): Promise<number> {
  const live = new Set<string>();
  for (const e of manifest.segments) {
    live.add(e.file);
    if (e.tombstones) live.add(e.tombstones);
  }
  let removed = 0;
  for (const folder of ['segments/', 'tombstones/']) {
    for (const { key } of await objects.list(`${manifest.dir}/${folder}`)) {
      if (!live.has(key)) {
        await objects.delete(key);
        removed++;
      }
    }
  }
  return removed;
}
