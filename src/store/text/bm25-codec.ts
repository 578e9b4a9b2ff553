/**
 * Binary encoding of a BM25 index for segment files (little-endian). The segment file around it carries
 * the checksum; decoding still checks every count, offset, ordering and cross-total before trusting them,
 * and throws QuiverError CORRUPT instead of crashing, allocating what a bad header claims, or returning a
 * silently different index where a check can tell. Encoding is canonical (one byte string per index), so
 * decode(encode(x)) re-encodes to the same bytes.
 *
 * Layout: a 32-byte header — "QB25", u8 version, u8 flags (bit 0: 32-bit frequencies), u16 0, u32 rowCount,
 * u32 termCount, u32 postingCount, u32 analyzer bytes, u32 term text bytes, u32 0 — then the analyzer
 * options as canonical JSON (padded to 4), u32[termCount+1] term ends in UTF-16 units, u32[termCount+1]
 * posting offsets, u32[postingCount] rows, u16 or u32[postingCount] frequencies (padded to 4),
 * u32[rowCount] row lengths, and the terms' text as one utf-8 run.
 */

import { QuiverError } from '../../errors.js';
import { type Analyzer, createAnalyzer } from './analyzer.js';
import {
  type AnalyzerOptions,
  analyzerOptionsJson,
  type ResolvedAnalyzerOptions,
  resolveAnalyzerOptions,
} from './analyzer-options.js';
import { BM25Index } from './bm25-index.js';

const MAGIC = [0x51, 0x42, 0x32, 0x35]; // "QB25"
const VERSION = 1;
const WIDE_FREQS = 1;
const HEADER = 32;

function corrupt(what: string): never {
  throw new QuiverError('CORRUPT', `BM25 index: ${what}`, { what });
}

// Not `(n + 3) & ~3`: sizes from a damaged header can pass 2^31, where bitwise arithmetic wraps.
const pad4 = (n: number) => Math.ceil(n / 4) * 4;

function layout(analyzerBytes: number, terms: number, postings: number, rows: number, wide: boolean) {
  const termEndsAt = HEADER + pad4(analyzerBytes);
  const offsetsAt = termEndsAt + (terms + 1) * 4;
  const rowsAt = offsetsAt + (terms + 1) * 4;
  const freqsAt = rowsAt + postings * 4;
  const lengthsAt = freqsAt + pad4(postings * (wide ? 4 : 2));
  const textAt = lengthsAt + rows * 4;
  return { termEndsAt, offsetsAt, rowsAt, freqsAt, lengthsAt, textAt };
}

export function encodeBM25(index: BM25Index): Uint8Array {
  const utf8 = new TextEncoder();
  const analyzer = utf8.encode(analyzerOptionsJson(index.analyzer.options));
  const text = utf8.encode(index.terms.join(''));
  const k = index.terms.length;
  const p = index.rows.length;
  const wide = index.freqs instanceof Uint32Array;
  const at = layout(analyzer.length, k, p, index.rowCount, wide);
  const out = new Uint8Array(at.textAt + text.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = wide ? WIDE_FREQS : 0;
  view.setUint32(8, index.rowCount, true);
  view.setUint32(12, k, true);
  view.setUint32(16, p, true);
  view.setUint32(20, analyzer.length, true);
  view.setUint32(24, text.length, true);
  out.set(analyzer, HEADER);
  const termEnds = new Uint32Array(out.buffer, at.termEndsAt, k + 1);
  for (let i = 0; i < k; i++) termEnds[i + 1] = termEnds[i]! + index.terms[i]!.length;
  new Uint32Array(out.buffer, at.offsetsAt, k + 1).set(index.offsets);
  new Uint32Array(out.buffer, at.rowsAt, p).set(index.rows);
  if (wide) new Uint32Array(out.buffer, at.freqsAt, p).set(index.freqs);
  else new Uint16Array(out.buffer, at.freqsAt, p).set(index.freqs);
  new Uint32Array(out.buffer, at.lengthsAt, index.rowCount).set(index.lengths);
  out.set(text, at.textAt);
  return out;
}

function utf8(bytes: Uint8Array, what: string): string {
  try {
    // ignoreBOM: a leading U+FEFF is text like any other, so the bytes re-encode identically.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return corrupt(`${what} is not utf-8`);
  }
}

function zeros(bytes: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) corrupt('nonzero padding');
}

function decodeAnalyzer(bytes: Uint8Array): Analyzer {
  const json = utf8(bytes, 'analyzer options');
  let options: ResolvedAnalyzerOptions;
  try {
    options = resolveAnalyzerOptions(JSON.parse(json));
  } catch {
    return corrupt('analyzer options');
  }
  if (analyzerOptionsJson(options) !== json) corrupt('analyzer options are not canonical');
  return createAnalyzer(options as AnalyzerOptions);
}

/** Called once the whole index checks out, so damage reads as CORRUPT, never as INCOMPATIBLE. */
function checkExpected(analyzer: Analyzer, expected: AnalyzerOptions): void {
  const want = resolveAnalyzerOptions(expected);
  if (analyzerOptionsJson(want) !== analyzerOptionsJson(analyzer.options)) {
    throw new QuiverError('INCOMPATIBLE', 'the BM25 index was built with other analyzer options', {
      expected: want,
      received: analyzer.options,
    });
  }
}

function decodeTerms(text: string, termEnds: Uint32Array, k: number) {
  if (termEnds[0] !== 0 || termEnds[k] !== text.length) corrupt('term text length');
  const terms: string[] = new Array(k);
  const ids = new Map<string, number>();
  for (let i = 0; i < k; i++) {
    const from = termEnds[i]!;
    const to = termEnds[i + 1]!;
    if (!(from < to)) corrupt('term offsets');
    // A boundary inside a surrogate pair would leave two halves of one character as terms.
    const first = text.charCodeAt(from);
    const last = text.charCodeAt(to - 1);
    if ((first >= 0xdc00 && first < 0xe000) || (last >= 0xd800 && last < 0xdc00)) corrupt('term splits a character');
    const term = text.slice(from, to);
    if (i > 0 && !(terms[i - 1]! < term)) corrupt('terms out of order');
    ids.set(term, i);
    terms[i] = term;
  }
  return { terms, ids };
}

function checkPostings(
  offsets: Uint32Array,
  rows: Uint32Array,
  freqs: Uint16Array | Uint32Array,
  lengths: Uint32Array,
) {
  const k = offsets.length - 1;
  const p = rows.length;
  const rowCount = lengths.length;
  if (offsets[0] !== 0 || offsets[k] !== p) corrupt('posting offsets');
  // Strictly increasing from 0 to p, so every list is non-empty and every index below stays inside `rows`.
  for (let t = 0; t < k; t++) if (!(offsets[t]! < offsets[t + 1]!)) corrupt('posting offsets');
  const sums = new Float64Array(rowCount);
  let maxTf = 0;
  for (let t = 0; t < k; t++) {
    const from = offsets[t]!;
    const to = offsets[t + 1]!;
    let prev = -1;
    for (let j = from; j < to; j++) {
      const row = rows[j]!;
      const tf = freqs[j]!;
      if (row <= prev || row >= rowCount) corrupt('posting rows out of order or range');
      if (tf === 0) corrupt('zero term frequency');
      if (tf > maxTf) maxTf = tf;
      sums[row]! += tf;
      prev = row;
    }
  }
  if (freqs instanceof Uint32Array && maxTf <= 0xffff) corrupt('32-bit frequencies that fit in 16 bits');
  for (let row = 0; row < rowCount; row++) if (sums[row] !== lengths[row]) corrupt('row length');
}

/**
 * Decodes `encodeBM25`'s bytes. The analyzer is rebuilt from the options stored in the index; pass
 * `analyzerOptions` to also require that they match (QuiverError INCOMPATIBLE when they do not, e.g. a
 * field's analyzer changed since the segment was written).
 */
export function decodeBM25(bytes: Uint8Array, analyzerOptions?: AnalyzerOptions): BM25Index {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER) corrupt('too short');
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) corrupt('bad magic');
  if (bytes[4] !== VERSION) corrupt(`unknown version ${bytes[4]}`);
  const flags = bytes[5]!;
  if ((flags & ~WIDE_FREQS) !== 0) corrupt('unknown flags');
  zeros(bytes, 6, 8);
  zeros(bytes, 28, 32);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rowCount = view.getUint32(8, true);
  const k = view.getUint32(12, true);
  const p = view.getUint32(16, true);
  const analyzerBytes = view.getUint32(20, true);
  const wide = flags === WIDE_FREQS;
  const at = layout(analyzerBytes, k, p, rowCount, wide);
  // Checked before anything is allocated from the header's counts.
  if (bytes.length !== at.textAt + view.getUint32(24, true)) corrupt('size does not match the header');

  const copy = bytes.slice();
  zeros(copy, HEADER + analyzerBytes, at.termEndsAt);
  zeros(copy, at.freqsAt + p * (wide ? 4 : 2), at.lengthsAt);
  const analyzer = decodeAnalyzer(copy.subarray(HEADER, HEADER + analyzerBytes));
  const termEnds = new Uint32Array(copy.buffer, at.termEndsAt, k + 1);
  const { terms, ids } = decodeTerms(utf8(copy.subarray(at.textAt), 'term text'), termEnds, k);
  const offsets = new Uint32Array(copy.buffer, at.offsetsAt, k + 1);
  const rows = new Uint32Array(copy.buffer, at.rowsAt, p);
  const freqs = wide ? new Uint32Array(copy.buffer, at.freqsAt, p) : new Uint16Array(copy.buffer, at.freqsAt, p);
  const lengths = new Uint32Array(copy.buffer, at.lengthsAt, rowCount);
  checkPostings(offsets, rows, freqs, lengths);
  if (analyzerOptions !== undefined) checkExpected(analyzer, analyzerOptions);
  return new BM25Index(analyzer, { rowCount, terms, offsets, rows, freqs, lengths, ids });
}
