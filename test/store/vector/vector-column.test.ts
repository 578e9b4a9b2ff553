/**
 * Vector columns: a FileColumn reads the same rows a MemoryColumn holds, one by one or gathered (runs of
 * neighbours in one read), from an offset inside a larger file; it refuses rows outside the column, reports a
 * file that ends early as CORRUPT, and refuses reads once closed.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isQuiverError } from '../../../src/errors.js';
import { FileColumn, MemoryColumn } from '../../../src/store/vector/vector-column.js';

const DIM = 8;
const ROWS = 3000;
const HEADER = 24;
const dir = mkdtempSync(join(tmpdir(), 'quiver-column-'));
const data = Float32Array.from({ length: ROWS * DIM }, (_, i) => Math.sin(i) * 100);
const path = join(dir, 'segment.bin');
// The column sits after a header, as a section of a segment file does.
const file = new Uint8Array(HEADER + data.byteLength + 16);
file.set(new Uint8Array(data.buffer), HEADER);
writeFileSync(path, file);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vector columns', () => {
  it('read the same rows from memory and from the file', () => {
    const memory = new MemoryColumn(data, DIM, ROWS);
    const disk = new FileColumn(path, HEADER, DIM, ROWS);
    try {
      expect([memory.residentBytesPerRow, disk.residentBytesPerRow]).toEqual([4 * DIM, 0]);
      expect(disk.resident).toBeUndefined();
      const a = new Float32Array(DIM + 3);
      const b = new Float32Array(DIM + 3);
      for (const row of [0, 1, 1499, ROWS - 1]) {
        memory.read(row, a, 3);
        disk.read(row, b, 3);
        expect(Array.from(b)).toEqual(Array.from(a));
        expect(Array.from(b.subarray(3))).toEqual(Array.from(data.subarray(row * DIM, (row + 1) * DIM)));
      }
      // Scattered rows and long runs (longer than one read) alike.
      const rows = [0, 1, 2, 3, 9, 10, 500, ...Array.from({ length: 2400 }, (_, i) => 501 + i), ROWS - 1];
      expect(Array.from(disk.gather(rows))).toEqual(Array.from(memory.gather(rows)));
      expect(disk.gather([])).toHaveLength(0);
    } finally {
      disk.close();
    }
  });

  it('refuses rows outside the column, a file that ends early, and reads after close', () => {
    const disk = new FileColumn(path, HEADER, DIM, ROWS);
    const out = new Float32Array(DIM);
    expect(() => disk.read(ROWS, out)).toThrow(/outside the column/);
    disk.close();
    disk.close();
    const closed = (() => {
      try {
        disk.read(0, out);
      } catch (err) {
        return err;
      }
    })();
    expect(isQuiverError(closed, 'CLOSED')).toBe(true);
    // A column that claims more rows than the file holds.
    const short = new FileColumn(path, HEADER, DIM, ROWS + 10);
    try {
      const err = (() => {
        try {
          short.gather([ROWS + 9]);
        } catch (e) {
          return e;
        }
      })();
      expect(isQuiverError(err, 'CORRUPT'), String(err)).toBe(true);
    } finally {
      short.close();
    }
  });
});
