/**
 * A segment's full-precision vectors for one field: in memory (`MemoryColumn`), or left in the segment file and
 * read by row (`FileColumn`). Quantized IVF segments (IVF_SQ8, IVF_PQ) search their compact codes and touch
 * full vectors only to re-rank a few candidates, to scan a small filtered candidate set exactly, to project a
 * vector field, or to be compacted; so their column stays on disk and memory holds the codes alone.
 *
 * File reads are positioned, synchronous `pread`s: a re-rank reads k × rerank rows (tens of microseconds from
 * the page cache); `gather` merges runs of neighbouring rows into one read.
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { QuiverError } from '../../errors.js';

export interface VectorColumn {
  readonly dim: number;
  /** Rows the column holds. */
  readonly rows: number;
  /** The whole column as one row-major array when it is in memory; undefined when it is read from a file. */
  readonly resident: Float32Array | undefined;
  /** Bytes the column keeps in memory per row: 4 × dim in memory, 0 on disk. */
  readonly residentBytesPerRow: number;
  /** Copies row `row` into `out` from float offset `at`. */
  read(row: number, out: Float32Array, at?: number): void;
  /** The rows named (ascending), one after another, in a new array. */
  gather(rows: ArrayLike<number>): Float32Array;
  /** Releases the file handle, if any. */
  close(): void;
}

export class MemoryColumn implements VectorColumn {
  readonly residentBytesPerRow: number;

  constructor(
    readonly resident: Float32Array,
    readonly dim: number,
    readonly rows: number,
  ) {
    this.residentBytesPerRow = 4 * dim;
  }

  read(row: number, out: Float32Array, at = 0): void {
    out.set(this.resident.subarray(row * this.dim, (row + 1) * this.dim), at);
  }

  gather(rows: ArrayLike<number>): Float32Array {
    const out = new Float32Array(rows.length * this.dim);
    for (let i = 0; i < rows.length; i++) this.read(rows[i]!, out, i * this.dim);
    return out;
  }

  close(): void {}
}

/** Rows gathered per read at most (a run of neighbours longer than this is split). */
const MAX_RUN_ROWS = 1024;

export class FileColumn implements VectorColumn {
  readonly resident = undefined;
  readonly residentBytesPerRow = 0;
  private fd: number | undefined;
  private readonly rowBytes: number;

  /** The column is `rows × dim` little-endian floats at byte `offset` of the file at `path`. */
  constructor(
    private readonly path: string,
    private readonly offset: number,
    readonly dim: number,
    readonly rows: number,
  ) {
    this.rowBytes = 4 * dim;
    this.fd = openSync(path, 'r');
  }

  read(row: number, out: Float32Array, at = 0): void {
    this.readRun(row, 1, out, at);
  }

  gather(rows: ArrayLike<number>): Float32Array {
    const out = new Float32Array(rows.length * this.dim);
    for (let i = 0; i < rows.length; ) {
      let run = 1;
      while (i + run < rows.length && run < MAX_RUN_ROWS && rows[i + run] === rows[i]! + run) run++;
      this.readRun(rows[i]!, run, out, i * this.dim);
      i += run;
    }
    return out;
  }

  private readRun(row: number, count: number, out: Float32Array, at: number): void {
    if (this.fd === undefined) throw new QuiverError('CLOSED', `vector file ${this.path} is closed`);
    if (row < 0 || row + count > this.rows) throw new QuiverError('INTERNAL', `row ${row} is outside the column`);
    const bytes = new Uint8Array(out.buffer, out.byteOffset + at * 4, count * this.rowBytes);
    const position = this.offset + row * this.rowBytes;
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(this.fd, bytes, done, bytes.length - done, position + done);
      if (n === 0) {
        throw new QuiverError('CORRUPT', `${this.path}: vector column ends early`, { file: this.path });
      }
      done += n;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
