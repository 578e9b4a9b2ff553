/**
 * The on-disk form of FileMetaStore: one object holding every entry.
 *
 *   quiver-meta <version> <revision> <bodyLength> <bodyCrc32 hex8> <headerCrc32 hex8>\n
 *   <body: a JSON array of {key, value, modRevision}, one entry per line>
 *
 * The first line is frozen across format versions in two ways: its second token is the version, and it
 * ends with ' ' + the crc32 of every byte before that space. So a damaged version number fails the header
 * crc (CORRUPT), while a real newer file passes it and is refused as UNSUPPORTED_FORMAT. The body crc
 * covers every body byte, so any single damaged byte anywhere is CORRUPT, never wrong data.
 */

import { QuiverError } from '../../errors.js';
import { crc32 } from '../util/checksum.js';
import type { MetaEntry } from './meta-store.js';

export const META_MAGIC = 'quiver-meta';
export const META_FORMAT_VERSION = 1;
const MAX_HEADER = 256;

export interface MetaSnapshot {
  revision: number;
  entries: MetaEntry[];
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** Encodes entries (already sorted by key) at `revision`. */
export function encodeMetaSnapshot(revision: number, entries: MetaEntry[]): Uint8Array {
  const lines = entries.map((e) => JSON.stringify({ key: e.key, value: e.value, modRevision: e.modRevision }));
  const body = Buffer.from(lines.length === 0 ? '[]\n' : `[\n${lines.join(',\n')}\n]\n`, 'utf8');
  const fields = `${META_MAGIC} ${META_FORMAT_VERSION} ${revision} ${body.length} ${hex8(crc32(body))}`;
  const head = Buffer.from(`${fields} ${hex8(crc32(Buffer.from(fields, 'latin1')))}\n`, 'latin1');
  return new Uint8Array(Buffer.concat([head, body]));
}

/** Decodes and verifies a snapshot; `file` names it in errors. */
export function decodeMetaSnapshot(bytes: Uint8Array, file: string): MetaSnapshot {
  const corrupt = (why: string): QuiverError =>
    new QuiverError('CORRUPT', `meta snapshot ${file} is corrupt: ${why}`, { file });
  const nl = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  if (nl < 0) throw corrupt('no header line');
  const line = Buffer.from(bytes.subarray(0, nl)).toString('latin1');
  const m = /^(.*) ([0-9a-f]{8})$/s.exec(line);
  if (m === null || parseInt(m[2]!, 16) !== crc32(Buffer.from(m[1]!, 'latin1'))) throw corrupt('header checksum');
  const tokens = m[1]!.split(' ');
  if (tokens[0] !== META_MAGIC || !/^\d+$/.test(tokens[1] ?? '')) throw corrupt('not a meta snapshot');
  const version = Number(tokens[1]);
  if (version > META_FORMAT_VERSION) {
    throw new QuiverError(
      'UNSUPPORTED_FORMAT',
      `meta snapshot ${file} has format version ${version}; this build reads up to ${META_FORMAT_VERSION}`,
      { file, expected: META_FORMAT_VERSION, received: version },
    );
  }
  const [, , revText, lenText, crcText] = tokens;
  if (version < 1 || tokens.length !== 5 || !isUint(revText) || !isUint(lenText) || !/^[0-9a-f]{8}$/.test(crcText!)) {
    throw corrupt('malformed header');
  }
  const revision = Number(revText);
  const body = bytes.subarray(nl + 1);
  if (body.length !== Number(lenText)) throw corrupt(`body is ${body.length} bytes, header says ${lenText}`);
  if (crc32(body) !== parseInt(crcText!, 16)) throw corrupt('body checksum');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw corrupt('body is not valid JSON');
  }
  return { revision, entries: checkEntries(parsed, revision, corrupt) };
}

function isUint(s: string | undefined): boolean {
  return s !== undefined && /^\d{1,15}$/.test(s);
}

function checkEntries(parsed: unknown, revision: number, corrupt: (why: string) => QuiverError): MetaEntry[] {
  if (!Array.isArray(parsed)) throw corrupt('body is not an array');
  const entries: MetaEntry[] = [];
  let prev: string | undefined;
  for (const e of parsed as unknown[]) {
    const { key, value, modRevision } = (e ?? {}) as Record<string, unknown>;
    if (typeof key !== 'string' || key === '' || typeof value !== 'string') throw corrupt('bad entry');
    if (!Number.isSafeInteger(modRevision) || (modRevision as number) < 1 || (modRevision as number) > revision) {
      throw corrupt(`entry "${key}" has modRevision ${String(modRevision)} outside 1..${revision}`);
    }
    if (prev !== undefined && !(prev < key)) throw corrupt(`entries out of order at "${key}"`);
    prev = key;
    entries.push({ key, value, modRevision: modRevision as number });
  }
  return entries;
}
