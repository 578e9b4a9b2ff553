/**
 * Runs one compaction task, for the embedded collection and the cluster's sealer alike: the policy's view of
 * the sealed segments (sizes and index state), then the task itself: build the merged segment (extending the
 * first input's graphs when the task says so), write its file, and swap it in under the caller's lock with one
 * manifest commit (CollectionData.replaceSealed carries deletes that arrived during the build).
 */

import type { ResolvedSchema } from '../schema/validate-schema.js';
import { extendable, waitsForIndex } from '../segment/index-target.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import { type BuildOptions, buildSealedSegment, type SegmentSource } from '../segment/segment-builder.js';
import { encodeSegment, moveVectorsToFile } from '../segment/segment-codec.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { CollectionData } from './collection-data.js';
import type { CompactionTask, SegmentStats } from './compaction-policy.js';
import type { AddedSegment } from './manifest-log.js';

export function compactionStats(segments: readonly SealedSegment[], schema: ResolvedSchema): SegmentStats[] {
  return segments.map((s) => ({
    id: s.id,
    rows: s.rowCount,
    deleted: s.deletedCount,
    waiting: waitsForIndex(s, schema),
    extendable: extendable(s, schema),
  }));
}

export interface CompactionRun {
  schema: ResolvedSchema;
  data: CollectionData;
  objects: ObjectStore;
  task: CompactionTask;
  /** The id of the merged segment and the object key its file goes to. */
  id: number;
  file: string;
  build?: BuildOptions;
  /** Runs `fn` under the lock that guards commits. */
  locked: (fn: () => Promise<void>) => Promise<void>;
  commit: (after: SealedSegment[], added: AddedSegment | undefined) => Promise<void>;
}

export async function runCompaction(run: CompactionRun): Promise<void> {
  const { data, task } = run;
  const inputs = task.segments.map((id) => data.sealed.find((s) => s.id === id)!);
  const sources: SegmentSource[] = inputs.map((segment, i) =>
    i === 0 && task.extendFirst
      ? { segment, rows: Uint32Array.from({ length: segment.rowCount }, (_, r) => r), keepTombstones: true }
      : { segment, rows: segment.deleted.clone().not().toArray(), keepTombstones: false },
  );
  const total = sources.reduce((n, s) => n + s.rows.length, 0);
  let output = total > 0 ? await buildSealedSegment(run.schema, run.id, sources, run.build) : undefined;
  try {
    let added: AddedSegment | undefined;
    if (output) {
      const bytes = await encodeSegment(output, run.schema);
      await run.objects.put(run.file, bytes);
      const localPath = run.objects.localPath?.(run.file);
      output = await moveVectorsToFile(output, bytes, run.file, localPath, run.schema);
      added = { id: run.id, file: run.file, bytes: bytes.length };
    }
    await run.locked(() => data.replaceSealed(inputs, sources, output, (after) => run.commit(after, added)));
  } catch (err) {
    output?.dispose();
    throw err;
  }
}
