/** The storage utilities: the async Mutex (FIFO, failure isolation) and crc32 / crc32Chunked. */

import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Chunked } from '../../../src/store/util/checksum.js';
import { KeyedMutex, Mutex } from '../../../src/store/util/mutex.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('Mutex', () => {
  it('runs sections one at a time, in FIFO order', async () => {
    const m = new Mutex();
    const log: string[] = [];
    let inside = 0;
    const section = (id: number) =>
      m.run(async () => {
        inside++;
        expect(inside).toBe(1);
        log.push(`start ${id}`);
        await tick();
        log.push(`end ${id}`);
        inside--;
        return id;
      });
    const results = await Promise.all([0, 1, 2, 3].map(section));
    expect(results).toEqual([0, 1, 2, 3]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('an error rejects only its own section', async () => {
    const m = new Mutex();
    const a = m.run(async () => {
      throw new Error('boom');
    });
    const b = m.run(async () => 'ok');
    await expect(a).rejects.toThrow('boom');
    await expect(b).resolves.toBe('ok');
  });

  it('KeyedMutex serializes per key and lets keys run in parallel', async () => {
    const km = new KeyedMutex();
    const log: string[] = [];
    const run = (key: string, id: string) =>
      km.run(key, async () => {
        log.push(`+${id}`);
        await tick();
        log.push(`-${id}`);
      });
    await Promise.all([run('a', 'a1'), run('b', 'b1'), run('a', 'a2')]);
    expect(log.indexOf('-a1')).toBeLessThan(log.indexOf('+a2'));
    expect(log.indexOf('+b1')).toBeLessThan(log.indexOf('-a1'));
  });
});

describe('crc32', () => {
  it('matches zlib, known vectors, and continues from a seed', () => {
    const data = new TextEncoder().encode('123456789');
    expect(crc32(data)).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(data.subarray(4), crc32(data.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(data)).toBe(zlibCrc32(data) >>> 0);
  });

  it('crc32Chunked equals crc32 and yields to the event loop between chunks', async () => {
    const data = new Uint8Array(10 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    let turns = 0;
    let stop = false;
    const spin = () => {
      if (stop) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const chunked = await crc32Chunked(data);
    stop = true;
    expect(chunked).toBe(crc32(data));
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(await crc32Chunked(data, 0, 1000)).toBe(crc32(data));
    expect(await crc32Chunked(new Uint8Array(0))).toBe(0);
  });

  it('hashes 64 MiB without blocking the loop for long at a time', async () => {
    const data = new Uint8Array(64 * 1024 * 1024).fill(7);
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 1);
    last = performance.now();
    const t0 = performance.now();
    await crc32Chunked(data);
    clearInterval(timer);
    const total = performance.now() - t0;
    // One 4 MiB chunk is a few ms; allow generous slack for a loaded CI machine, but far below the total.
    expect(maxGap).toBeLessThan(Math.max(50, total / 4));
  });
});
