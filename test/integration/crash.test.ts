/**
 * Crash safety: a child process writes (insert, upsert, delete by ids and by filter) in a loop with tiny
 * segment thresholds, so seals and compactions run constantly, and is SIGKILLed at random moments, some
 * chosen while it reports a seal or a compaction in flight. After every kill the store is reopened and
 * checked against the model: every acknowledged batch is there, and at most the one in-flight batch beyond
 * it (never a part of one); every checksum verifies; searches return full results.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { Quiver } from '../../src/index.js';
import { CRASH_COLLECTION_OPTIONS, type ModelRow, modelAfter } from '../helpers/crash-workload.js';

const RUNS = Number(process.env.CRASH_RUNS ?? 30);
const child = fileURLToPath(new URL('../helpers/crash-child.ts', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'quiver-crash-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

type Trigger = { kind: 'time'; ms: number } | { kind: 'activity'; activity: 'sealing' | 'compacting' };

function runChild(start: number, trigger: Trigger): Promise<{ lastAck: number; killedDuring: string }> {
  return new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', child, folder, String(start)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastAck = start - 1;
    let killedDuring = 'time';
    let buffer = '';
    let stderr = '';
    let acks = 0;
    const kill = (why: string) => {
      killedDuring = why;
      proc.kill('SIGKILL');
    };
    const fallback = setTimeout(() => kill('timeout'), 8000);
    proc.stderr!.on('data', (d) => {
      stderr += d;
    });
    proc.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === 'READY' && trigger.kind === 'time') setTimeout(() => kill('time'), trigger.ms);
        const m = /^ACK (\d+) (\w+)$/.exec(line);
        if (!m) continue;
        lastAck = Number(m[1]);
        acks++;
        if (trigger.kind === 'activity' && m[2] === trigger.activity && acks > 5) kill(trigger.activity);
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(fallback);
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve({ lastAck, killedDuring });
    });
  });
}

function sameState(rows: Map<number, { batch: number; vector: number[] }>, model: Map<number, ModelRow>): boolean {
  if (rows.size !== model.size) return false;
  for (const [id, m] of model) {
    const r = rows.get(id);
    if (!r || r.batch !== m.batch) return false;
    for (let d = 0; d < m.vector.length; d++) if (Math.abs(r.vector[d]! - m.vector[d]!) > 1e-6) return false;
  }
  return true;
}

test(`survives ${RUNS} SIGKILLs with every acknowledged batch intact`, { timeout: 600_000 }, async () => {
  let applied = 0; // batches the store holds
  const seen = { time: 0, sealing: 0, compacting: 0, inflightKept: 0 };
  for (let run = 0; run < RUNS; run++) {
    const trigger: Trigger =
      run % 3 === 1
        ? { kind: 'activity', activity: 'sealing' }
        : run % 3 === 2
          ? { kind: 'activity', activity: 'compacting' }
          : { kind: 'time', ms: 150 + ((run * 7919) % 900) };
    const { lastAck, killedDuring } = await runChild(applied, trigger);
    if (killedDuring in seen) seen[killedDuring as keyof typeof seen]++;

    const db = await Quiver.open({ path: folder, collection: { ...CRASH_COLLECTION_OPTIONS, onWarning: () => {} } });
    try {
      await db.verify();
      const c = await db.collection('c');
      const rows = new Map<number, { batch: number; vector: number[] }>();
      for (const r of await c.query({ outputFields: ['batch', 'embedding'] })) {
        rows.set(r.id as number, { batch: r.batch as number, vector: r.embedding as number[] });
      }
      const acked = lastAck + 1;
      if (sameState(rows, modelAfter(acked))) {
        applied = acked;
      } else {
        // The batch in flight at the kill may have become durable without being acknowledged: all of it, or none.
        expect(sameState(rows, modelAfter(acked + 1)), `run ${run}: state matches neither ${acked} nor ${acked + 1} batches`).toBe(true);
        applied = acked + 1;
        seen.inflightKept++;
      }
      expect(await c.count()).toBe(rows.size);
      if (rows.size >= 10) {
        const { hits } = await c.search({ vector: [0, 0, 0, 0, 0, 0, 0, 0], k: 10 });
        expect(hits).toHaveLength(10);
      }
    } finally {
      await db.close();
    }
  }
  console.log(`crash runs: ${JSON.stringify(seen)}, batches applied: ${applied}`);
  expect(seen.sealing + seen.compacting).toBeGreaterThan(0);
});
