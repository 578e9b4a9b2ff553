/**
 * Multipart upload for S3ObjectStore, over four narrow operations (create, upload a part, complete, abort) so
 * it needs no SDK import and can be tested with fakes. Parts go up in parallel, at most `concurrency` at a
 * time. The first part that fails for good cancels the parts still in flight, starts no new ones, and aborts
 * the upload; the object only appears when `complete` succeeds, so a failed put leaves the previous object as
 * it was.
 */

/** The S3 calls a multipart upload needs; each one retries on its own. */
export interface MultipartOps {
  /** Starts an upload; resolves with its upload id. */
  create(): Promise<string>;
  /** Uploads one part (numbered from 1); resolves with its ETag. Must stop early when `cancel` fires. */
  uploadPart(uploadId: string, partNumber: number, body: Uint8Array, cancel: AbortSignal): Promise<string>;
  /** Assembles the parts, in part-number order, into the object. */
  complete(uploadId: string, parts: UploadedPart[]): Promise<void>;
  /** Discards an unfinished upload and the parts stored for it. */
  abort(uploadId: string): Promise<void>;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

export interface PartPlan {
  partSize: number;
  count: number;
}

/** S3 allows at most this many parts in one upload. */
export const MAX_PARTS = 10_000;

/** How to cut `size` bytes into parts: `partSize` each, grown when that would need more than MAX_PARTS parts. */
export function planParts(size: number, partSize: number): PartPlan {
  const grown = Math.max(partSize, Math.ceil(size / MAX_PARTS));
  return { partSize: grown, count: Math.max(1, Math.ceil(size / grown)) };
}

/**
 * Uploads `data` as a multipart upload and completes it. On failure, aborts the upload (best effort: a server
 * that refuses the abort leaves the parts to a lifecycle rule) and rethrows the first error.
 * @example
 * await uploadInParts(bytes, { partSize: 8 << 20, concurrency: 4 }, opsFor(bucket, key));
 */
export async function uploadInParts(
  data: Uint8Array,
  options: { partSize: number; concurrency: number },
  ops: MultipartOps,
): Promise<void> {
  const plan = planParts(data.length, options.partSize);
  const uploadId = await ops.create();
  const parts: UploadedPart[] = new Array(plan.count);
  const cancel = new AbortController();
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < plan.count) {
      const index = next++;
      const start = index * plan.partSize;
      const body = data.subarray(start, Math.min(data.length, start + plan.partSize));
      try {
        parts[index] = { partNumber: index + 1, etag: await ops.uploadPart(uploadId, index + 1, body, cancel.signal) };
      } catch (error) {
        // Parts cancelled because of this failure fail too; only the first error says what went wrong.
        if (failure === undefined) failure = { error };
        cancel.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, plan.count) }, worker));
  try {
    if (failure !== undefined) throw failure.error;
    await ops.complete(uploadId, parts);
  } catch (err) {
    await ops.abort(uploadId).catch(() => undefined);
    throw err;
  }
}
