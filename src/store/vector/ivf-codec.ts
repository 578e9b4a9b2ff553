/**
 * The bytes of an IVF index inside a segment file: a fixed header (magic, format, kind, metric, sizes and
 * defaults), then the centroids, the list offsets and rows, the codes, and the SQ8 ranges or PQ codebooks, each
 * block padded to 4 bytes. The segment file's section checksum covers the bytes; decoding still checks every
 * size against the header and the segment, so a mismatched file is CORRUPT, never misread.
 */

import { QuiverError } from '../../errors.js';
import type { Metric } from '../schema/types.js';
import type { IvfKind, IvfParts } from './ivf-index.js';

const MAGIC = 0x46_56_49_51; // "QIVF" little-endian
const FORMAT = 1;
const KINDS: IvfKind[] = ['IVF_FLAT', 'IVF_SQ8', 'IVF_PQ'];
const METRICS: Metric[] = ['cosine', 'ip', 'l2'];
const HEADER = 4 * 12;

const pad4 = (n: number) => (n + 3) & ~3;

export function encodeIvf(p: IvfParts): Uint8Array {
  const blocks: ArrayBufferView[] = [p.centroids, p.offsets, p.rows, p.codes];
  if (p.sq8) blocks.push(p.sq8.min, p.sq8.step);
  if (p.pq) blocks.push(p.pq.codebooks);
  const total = HEADER + blocks.reduce((n, b) => n + pad4(b.byteLength), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const header = [
    MAGIC,
    FORMAT,
    KINDS.indexOf(p.kind),
    METRICS.indexOf(p.metric),
    p.dim,
    p.size,
    p.nlist,
    p.nprobe,
    p.rerank,
    p.pq?.m ?? 0,
    p.pq?.ksub ?? 0,
    p.codes.byteLength,
  ];
  for (const [i, v] of header.entries()) view.setUint32(i * 4, v, true);
  let at = HEADER;
  for (const b of blocks) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), at);
    at += pad4(b.byteLength);
  }
  return out;
}

function corrupt(message: string, details: Record<string, unknown> = {}): never {
  throw new QuiverError('CORRUPT', `IVF index: ${message}`, details);
}

/** Decodes an IVF index's bytes, checking them against the kind, dim and size the segment expects. */
export function decodeIvf(bytes: Uint8Array, kind: IvfKind, dim: number, size: number): IvfParts {
  if (bytes.length < HEADER) corrupt('shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = Array.from({ length: 12 }, (_, i) => view.getUint32(i * 4, true));
  const [magic, format, kindIndex, metricIndex, hDim, hSize, nlist, nprobe, rerank, m, ksub, codeBytes] = h as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (magic !== MAGIC) corrupt('bad magic number');
  if (format > FORMAT)
    throw new QuiverError('UNSUPPORTED_FORMAT', `IVF index format ${format} is newer than this build`);
  if (KINDS[kindIndex] !== kind) corrupt(`holds ${KINDS[kindIndex] ?? '?'}, expected ${kind}`);
  if (hDim !== dim || hSize !== size) {
    corrupt(`holds ${hSize} × ${hDim}-d, expected ${size} × ${dim}-d`, {
      expected: { size, dim },
      received: { size: hSize, dim: hDim },
    });
  }
  const metric = METRICS[metricIndex];
  if (!metric || nlist < 1 || (size > 0 && nlist > size)) corrupt('bad header');
  let at = HEADER;
  const take = <T>(n: number, make: (buffer: ArrayBuffer, offset: number, length: number) => T, width: number): T => {
    const byteLength = n * width;
    if (at + byteLength > bytes.length) corrupt('truncated');
    // Copy into a fresh, aligned buffer: the section may sit at any offset of the file.
    const copy = bytes.slice(at, at + byteLength);
    at += pad4(byteLength);
    return make(copy.buffer, 0, n);
  };
  const f32 = (n: number) => take(n, (b, o, l) => new Float32Array(b, o, l), 4);
  const u32 = (n: number) => take(n, (b, o, l) => new Uint32Array(b, o, l), 4);
  const u8 = (n: number) => take(n, (b, o, l) => new Uint8Array(b, o, l), 1);
  const centroids = f32(nlist * dim);
  const offsets = u32(nlist + 1);
  const rows = u32(size);
  const expectedCodes = kind === 'IVF_FLAT' ? 0 : kind === 'IVF_SQ8' ? size * dim : size * m;
  if (codeBytes !== expectedCodes) corrupt(`holds ${codeBytes} code bytes, expected ${expectedCodes}`);
  const codes = u8(codeBytes);
  if (offsets[0] !== 0 || offsets[nlist] !== size) corrupt('list offsets do not cover the rows');
  for (let i = 0; i < nlist; i++) if (offsets[i]! > offsets[i + 1]!) corrupt('list offsets are not ascending');
  for (const r of rows) if (r >= size) corrupt('a list names a row past the end');
  const parts: IvfParts = { kind, dim, metric, size, nlist, nprobe, rerank, centroids, offsets, rows, codes };
  if (kind === 'IVF_SQ8') parts.sq8 = { min: f32(dim), step: f32(dim) };
  if (kind === 'IVF_PQ') {
    if (m < 1 || dim % m !== 0 || ksub < 1 || ksub > 256) corrupt('bad product-quantizer shape');
    parts.pq = { m, dsub: dim / m, ksub, codebooks: f32(m * ksub * (dim / m)) };
  }
  if (at !== pad4(bytes.length)) corrupt('trailing bytes');
  return parts;
}
