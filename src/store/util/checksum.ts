/**
 * CRC-32 (the zlib/IEEE polynomial) over bytes, via Node's native `zlib.crc32`. `crc32Chunked` hashes large
 * buffers in 4 MiB pieces and yields to the event loop between pieces, so verifying a 200 MB segment never
 * stalls other work for more than a few milliseconds at a time.
 */

import { crc32 as zlibCrc32 } from 'node:zlib';

/** Bytes hashed between two yields to the event loop. At ~1-4 GB/s this is 1-4 ms of work. */
export const CRC_CHUNK_BYTES = 4 * 1024 * 1024;

/** CRC-32 of `data`, continuing from `seed` (the CRC of the bytes before it; 0 to start). Unsigned. */
export function crc32(data: Uint8Array, seed = 0): number {
  return zlibCrc32(data, seed) >>> 0;
}

/**
 * The same value as `crc32(data)`, computed in pieces with a `setImmediate` yield between them.
 * @example
 * const ok = (await crc32Chunked(bytes)) === expectedCrc;
 */
export async function crc32Chunked(data: Uint8Array, seed = 0, chunkBytes = CRC_CHUNK_BYTES): Promise<number> {
  let crc = seed >>> 0;
  for (let off = 0; off < data.length; off += chunkBytes) {
    if (off > 0) await yieldToEventLoop();
    crc = crc32(data.subarray(off, Math.min(data.length, off + chunkBytes)), crc);
  }
  return crc;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
