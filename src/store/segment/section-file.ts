/**
 * A small container format for immutable files (sealed segments, tombstone snapshots): named sections, each
 * 8-byte aligned with its own crc32, plus a crc32 over the whole file and a format version. Decoding checks
 * all of it, so one flipped byte anywhere yields a CORRUPT error that names the file.
 *
 * Layout: "QVRFILE\0" | u32 version | u32 table length | JSON table [{name, offset, length, crc}] | pad |
 * sections (each padded to 8) | u32 crc32 of everything before it | "QEND".
 */

import { QuiverError } from '../../errors.js';
import { crc32Chunked } from '../util/checksum.js';

const MAGIC = new TextEncoder().encode('QVRFILE\0');
const TAIL = new TextEncoder().encode('QEND');
export const SECTION_FILE_VERSION = 1;

interface TableEntry {
  name: string;
  offset: number;
  length: number;
  crc: number;
}

const pad8 = (n: number) => (n + 7) & ~7;

const COPY_CHUNK = 8 * 1024 * 1024;
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Encodes sections into one file image. Checksums and copies run in chunks that yield to the event loop,
 * so encoding a several-hundred-megabyte segment never stalls other work for long.
 */
export async function encodeSections(sections: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array> {
  const entries: TableEntry[] = [];
  const provisional = JSON.stringify([...sections].map(([name, b]) => ({ name, offset: 0, length: b.length, crc: 0 })));
  // Reserve room for the table with generous digit widths, then place sections after it.
  let offset = pad8(16 + new TextEncoder().encode(provisional).length + 24 * (sections.size + 1));
  for (const [name, bytes] of sections) {
    entries.push({ name, offset, length: bytes.length, crc: await crc32Chunked(bytes) });
    offset = pad8(offset + bytes.length);
  }
  const table = new TextEncoder().encode(JSON.stringify(entries));
  if (16 + table.length > (entries[0]?.offset ?? offset)) throw new QuiverError('INTERNAL', 'section table overflow');
  const out = new Uint8Array(offset + 8);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, SECTION_FILE_VERSION, true);
  view.setUint32(12, table.length, true);
  out.set(table, 16);
  for (const [i, bytes] of [...sections.values()].entries()) {
    const at = entries[i]!.offset;
    for (let from = 0; from < bytes.length; from += COPY_CHUNK) {
      out.set(bytes.subarray(from, from + COPY_CHUNK), at + from);
      if (bytes.length > COPY_CHUNK) await yieldNow();
    }
  }
  view.setUint32(offset, await crc32Chunked(out.subarray(0, offset)), true);
  out.set(TAIL, offset + 4);
  return out;
}

function corrupt(file: string, what: string): never {
  throw new QuiverError(
    'CORRUPT',
    `${file}: ${what}; the file is damaged. Restore it from a backup or drop the data.`,
    {
      file,
    },
  );
}

/**
 * Verifies and splits a section file. The whole-file checksum is computed in chunks that yield to the
 * event loop, so opening a large segment does not stall other work. Returned sections are views into `bytes`.
 */
export async function decodeSections(bytes: Uint8Array, file: string): Promise<Map<string, Uint8Array>> {
  if (bytes.length < 24) corrupt(file, 'too short to be a Quiver file');
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) corrupt(file, 'bad magic number');
  const end = bytes.length - 8;
  for (let i = 0; i < TAIL.length; i++)
    if (bytes[end + 4 + i] !== TAIL[i]) corrupt(file, 'bad end marker (truncated?)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if ((await crc32Chunked(bytes.subarray(0, end))) !== view.getUint32(end, true)) corrupt(file, 'checksum mismatch');
  const version = view.getUint32(8, true);
  if (version > SECTION_FILE_VERSION) {
    throw new QuiverError('UNSUPPORTED_FORMAT', `${file}: format version ${version} is newer than this Quiver reads`, {
      file,
    });
  }
  const tableLength = view.getUint32(12, true);
  let table: TableEntry[];
  try {
    table = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + tableLength))) as TableEntry[];
  } catch {
    return corrupt(file, 'unreadable section table');
  }
  const out = new Map<string, Uint8Array>();
  for (const e of table) {
    if (e.offset + e.length > end) corrupt(file, `section "${e.name}" overruns the file`);
    const section = bytes.subarray(e.offset, e.offset + e.length);
    if ((await crc32Chunked(section)) !== e.crc) corrupt(file, `section "${e.name}" checksum mismatch`);
    out.set(e.name, section);
  }
  return out;
}
