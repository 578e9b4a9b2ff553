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
import { applyBatch, batchText, CRASH_COLLECTION_OPTIONS, type ModelRow } from '../helpers/crash-workload.js';

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
    const fallback = setTimeout(() => kill('timeout'), 4000);
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

function diff(rows: Map<number, { batch: number }>, model: Map<number, ModelRow>): string {
  const out: string[] = [];
  for (const [id, m] of model) {
    const r = rows.get(id);
    if (!r) out.push(`missing ${id} (batch ${m.batch})`);
    else if (r.batch !== m.batch) out.push(`${id}: batch ${r.batch}, expected ${m.batch}`);
  }
  for (const [id, r] of rows) if (!model.has(id)) out.push(`unexpected ${id} (batch ${r.batch})`);
  return out.slice(0, 12).join('; ');
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
  let model = new Map<number, ModelRow>(); // the model after `applied` batches
  const advance = (to: number) => {
    const next = new Map(model);
    for (let i = applied; i < to; i++) applyBatch(next, i);
    return next;
  };
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
      // A query returns at most 16,384 rows, so read the whole store in id ranges.
      const total = await c.count();
      for (let lo = 0; rows.size < total; lo += 10_000) {
        const chunk = await c.query({
          filter: 'id >= {lo} and id < {hi}',
          params: { lo, hi: lo + 10_000 },
          outputFields: ['batch', 'embedding'],
        });
        for (const r of chunk) rows.set(r.id as number, { batch: r.batch as number, vector: r.embedding as number[] });
        if (lo > 100_000_000) throw new Error('ids out of the expected range');
      }
      const acked = lastAck + 1;
      const expected = advance(acked);
      if (sameState(rows, expected)) {
        model = expected;
        applied = acked;
      } else {
        // The batch in flight at the kill may have become durable without being acknowledged: all of it, or none.
        const withInflight = new Map(expected);
        applyBatch(withInflight, acked);
        expect(
          sameState(rows, withInflight),
          `run ${run} (killed during ${killedDuring}): state matches neither ${acked} nor ${acked + 1} batches: ${diff(rows, expected)}`,
        ).toBe(true);
        model = withInflight;
        applied = acked + 1;
        seen.inflightKept++;
      }
      expect(await c.count()).toBe(rows.size);
      if (rows.size >= 10) {
        const { hits } = await c.search({ vector: [0, 0, 0, 0, 0, 0, 0, 0], k: 10 });
        expect(hits).toHaveLength(10);
      }
      // The BM25 indexes (persisted with sealed segments, rebuilt from the WAL for the growing one) agree
      // with the rows: the term of a batch finds exactly that batch's live rows, by search and by filter.
      const batches = [...new Set([...model.values()].map((r) => r.batch))].slice(-3);
      for (const b of batches) {
        const want = [...model]
          .filter(([, r]) => r.batch === b)
          .map(([id]) => id)
          .sort((x, y) => x - y);
        const text = batchText(b).split(' ').pop()!;
        const found = (await c.search({ text, k: 1000, outputFields: [] })).hits.map((h) => h.id as number);
        expect(found.sort((x, y) => x - y)).toEqual(want);
        expect(await c.count({ filter: 'text_match(text, {t})', params: { t: text } })).toBe(want.length);
      }
    } finally {
      await db.close();
    }
  }
  console.log(`crash runs: ${JSON.stringify(seen)}, batches applied: ${applied}`);
  expect(seen.sealing + seen.compacting).toBeGreaterThan(0);
});
