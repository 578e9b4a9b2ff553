/**
 * Shows ingest progress: on a terminal, one line redrawn in place (a bar, files, chunks, chunks/s, ETA); in a
 * pipe or a CI log, a plain line every few seconds. Everything goes to stderr, so `--json` output on stdout stays
 * clean for scripts.
 */

import type { IngestProgress } from '../ingest/ingest.js';

export interface ProgressReporter {
  update(p: IngestProgress): void;
  done(): void;
}

const BAR = 24;

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
}

function describe(p: IngestProgress, writeStart: { seconds: number; chunks: number } | undefined): string {
  const files = `${p.files.done}/${p.files.total} files`;
  if (p.phase === 'scan') return `scanning ${files}`;
  if (p.phase === 'cleanup') return `removing stale chunks · ${p.chunks} chunks written`;
  const since = writeStart ? p.seconds - writeStart.seconds : p.seconds;
  const rate = since > 0 ? (p.chunks - (writeStart?.chunks ?? 0)) / since : 0;
  const fraction = p.bytes.total > 0 ? p.bytes.done / p.bytes.total : 1;
  const eta = fraction > 0 && since > 0 ? (since / fraction) * (1 - fraction) : Number.NaN;
  return `${files} · ${p.chunks} chunks · ${rate.toFixed(0)} chunks/s · ETA ${formatSeconds(eta)}`;
}

/** How often a non-terminal log line is printed: `QUIVER_PROGRESS_EVERY_MS`, default every 2 s. */
function logInterval(): number {
  const ms = Number(process.env.QUIVER_PROGRESS_EVERY_MS);
  return Number.isFinite(ms) && ms >= 0 ? ms : 2000;
}

export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const every = logInterval();
  let writeStart: { seconds: number; chunks: number } | undefined;
  let last = Number.NEGATIVE_INFINITY; // the first update always shows
  let drawn = false;
  const track = (p: IngestProgress) => {
    if (p.phase === 'write' && !writeStart) writeStart = { seconds: p.seconds, chunks: 0 };
  };
  if (stream.isTTY) {
    return {
      update(p) {
        track(p);
        const now = performance.now();
        if (now - last < 100) return;
        last = now;
        const total = p.phase === 'write' ? p.bytes.total : p.files.total;
        const done = p.phase === 'write' ? p.bytes.done : p.files.done;
        const filled = total > 0 ? Math.round((done / total) * BAR) : BAR;
        const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}]`;
        const line = `${bar} ${describe(p, writeStart)}`;
        stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
        drawn = true;
      },
      done() {
        if (drawn) stream.write('\r\x1b[K');
      },
    };
  }
  return {
    update(p) {
      track(p);
      const now = performance.now();
      if (now - last < every) return;
      last = now;
      stream.write(`ingest: ${describe(p, writeStart)}\n`);
    },
    done() {},
  };
}
