/**
 * The ingest progress reporter: a redrawn bar with files, chunks, rate and ETA on a terminal; throttled plain
 * lines elsewhere.
 */

import { afterEach, expect, test } from 'vitest';
import { createProgressReporter } from '../../src/cli/progress.js';
import type { IngestProgress } from '../../src/ingest/ingest.js';

const saved = process.env.QUIVER_PROGRESS_EVERY_MS;
afterEach(() => {
  if (saved === undefined) delete process.env.QUIVER_PROGRESS_EVERY_MS;
  else process.env.QUIVER_PROGRESS_EVERY_MS = saved;
});

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

const write = (done: number, chunks: number, seconds: number): IngestProgress => ({
  phase: 'write',
  files: { done, total: 4 },
  bytes: { done: done * 100, total: 400 },
  chunks,
  seconds,
});

test('on a terminal: one line redrawn in place, with a bar, files, chunks, rate and ETA', () => {
  const { stream, writes } = fakeStream(true);
  const progress = createProgressReporter(stream);
  progress.update({
    phase: 'scan',
    files: { done: 4, total: 4 },
    bytes: { done: 400, total: 400 },
    chunks: 0,
    seconds: 0.1,
  });
  expect(writes.at(-1)).toMatch(/^\r\[#{24}\] scanning 4\/4 files/);
  progress.update(write(0, 0, 1));
  const start = writes.length;
  // Throttled to about 10 redraws a second: an update right away is skipped.
  progress.update(write(1, 50, 2));
  expect(writes.length).toBe(start);
  progress.done();
  expect(writes.at(-1)).toBe('\r\x1b[K');
});

test('the rate and ETA follow the write phase', async () => {
  const { stream, writes } = fakeStream(true);
  const progress = createProgressReporter(stream);
  progress.update(write(0, 0, 10));
  await new Promise((r) => setTimeout(r, 120));
  progress.update(write(2, 100, 12));
  // 100 chunks in the 2 s since writing began; half the bytes done in 2 s, so 2 s to go.
  expect(writes.at(-1)).toMatch(/\[#{12}-{12}\] 2\/4 files · 100 chunks · 50 chunks\/s · ETA 2s/);
});

test('in a pipe: plain lines, at most one per interval', () => {
  process.env.QUIVER_PROGRESS_EVERY_MS = '60000';
  const { stream, writes } = fakeStream(false);
  const progress = createProgressReporter(stream);
  progress.update(write(1, 10, 1));
  progress.update(write(2, 20, 2));
  expect(writes).toEqual(['ingest: 1/4 files · 10 chunks · 0 chunks/s · ETA ?\n']);
  progress.done();
  expect(writes).toHaveLength(1);
});
