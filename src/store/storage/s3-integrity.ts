/**
 * End-to-end integrity for S3ObjectStore. Every put stores the SHA-256 of the whole body in the object's user
 * metadata (`x-amz-meta-quiver-sha256`, base64), and sends Content-MD5 with each request body so that the
 * server rejects a body damaged on the way in (BadDigest, retried). A full read recomputes the SHA-256 and
 * throws CORRUPT on a mismatch, whatever the server, proxy or another tool did to the bytes.
 *
 * A ranged read cannot be checked against a whole-object hash. What it does check: the server answered with
 * exactly the range asked for (Content-Range start, length, and a total size that covers the range) and the
 * body is as long as promised. The bytes themselves are the caller's to verify, which is why Quiver's segment
 * files carry a CRC-32 per section and its WAL one per record.
 *
 * An object without the metadata (written by another tool) is returned unverified rather than refused. Also
 * here: reading a response body under the attempt's signal, and parsing Content-Range.
 */

import { createHash } from 'node:crypto';
import { QuiverError } from '../../errors.js';
import { IncompleteBodyError } from './s3-retry.js';

/** The user-metadata key (S3 lowercases it and adds `x-amz-meta-`). */
export const CHECKSUM_META_KEY = 'quiver-sha256';

/** Bytes hashed between two yields to the event loop, so large objects never stall other work for long. */
const CHUNK = 4 * 1024 * 1024;

/** SHA-256 of `data`, base64, computed in pieces with event-loop yields between them. */
export async function sha256Base64(data: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let off = 0; off < data.length; off += CHUNK) {
    if (off > 0) await new Promise((resolve) => setImmediate(resolve));
    hash.update(data.subarray(off, Math.min(data.length, off + CHUNK)));
  }
  return hash.digest('base64');
}

/** The Content-MD5 header value for `data`. */
export function contentMd5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

/**
 * Checks a whole object's bytes against the checksum in its metadata. Throws CORRUPT (details.file) on a
 * mismatch or a malformed checksum; returns false when the object carries no checksum, true when it matched.
 */
export async function verifyChecksum(
  data: Uint8Array,
  metadata: Record<string, string> | undefined,
  file: string,
): Promise<boolean> {
  const expected = metadata?.[CHECKSUM_META_KEY];
  if (expected === undefined) return false;
  if (!/^[A-Za-z0-9+/]{43}=$/.test(expected)) {
    throw new QuiverError('CORRUPT', `object ${file} has a malformed checksum in its metadata`, {
      file,
      received: expected,
    });
  }
  const actual = await sha256Base64(data);
  if (actual !== expected) {
    throw new QuiverError('CORRUPT', `object ${file} fails its checksum: its bytes changed after they were written`, {
      file,
      expected: { sha256: expected },
      received: { sha256: actual, bytes: data.length },
    });
  }
  return true;
}

/** `bytes <start>-<end>/<total>` from a 206 answer; undefined when there is none (a 200 with the whole object). */
export function parseContentRange(
  value: string | undefined,
  file: string,
): { start: number; end: number; total: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim());
  if (m === null) {
    throw new QuiverError('IO_ERROR', `unexpected Content-Range in a ranged read of ${file}: ${value}`, {
      file,
      received: value,
    });
  }
  return { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) };
}

/**
 * Reads a response body into one fresh Uint8Array. The signal destroys the stream, so a body that stalls
 * midway is bounded by the attempt's timeout too; one shorter than Content-Length is retried.
 */
export async function readBody(body: unknown, signal: AbortSignal, expected: number | undefined): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array(0);
  const stream = body as AsyncIterable<Uint8Array> & { destroy?: (err?: Error) => void };
  const onAbort = () => stream.destroy?.(new Error('the request was aborted while its body was read'));
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (expected !== undefined && size !== expected) {
    throw new IncompleteBodyError(`the body has ${size} bytes, its Content-Length says ${expected}`);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const chunk of chunks) {
    out.set(chunk, off);
    off += chunk.length;
  }
  return out;
}
