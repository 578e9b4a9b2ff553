/**
 * `kill -9` in the middle of `quiver ingest`, then the same command again: the collection ends with exactly
 * the chunk set (same ids, same texts, same count) of an ingest that was never interrupted. Kills land at
 * several points of the write phase, chosen from the progress lines the child prints.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Quiver } from '../../src/store/quiver.js';
import { TEST_MODEL_DIR, testEmbedder } from '../helpers/model.js';
import { paragraph, writeSources } from '../ingest/fixtures.js';

const child = fileURLToPath(new URL('../helpers/cli-child.ts', import.meta.url));
let dir: string;
let src: string;

beforeAll(async () => {
  await (await testEmbedder()).dispose(); // builds the shared model once, before any child needs it
  dir = await mkdtemp(join(tmpdir(), 'quiver-ingest-kill-'));
  src = join(dir, 'src');
  // Enough text for many write batches, so kills land mid-run.
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++)
    files[`doc${String(i).padStart(2, '0')}.md`] = `# Doc ${i}\n\n${paragraph(`topic${i}`, 60)}\n`;
  await writeSources(src, files);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runIngest(
  store: string,
  killAfterWrites?: number,
): Promise<{ code: number | null; killed: boolean; out: string }> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', child, '--path', store, 'ingest', src, '--pipeline', join(dir, 'p.yaml')];
    const proc: ChildProcess = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, QUIVER_MODEL_DIR: TEST_MODEL_DIR, QUIVER_PROGRESS_EVERY_MS: '0' },
    });
    let out = '';
    let writes = 0;
    let killed = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      writes = (out.match(/chunks\/s/g) ?? []).length;
      if (killAfterWrites !== undefined && !killed && writes >= killAfterWrites) {
        killed = true;
        proc.kill('SIGKILL');
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('error', reject);
    proc.on('exit', (code) => resolve({ code, killed, out }));
  });
}

async function chunkSet(store: string) {
  const db = await Quiver.open({ path: store });
  try {
    const c = await db.collection('docs');
    const out: { id: unknown; text: unknown; doc_hash: unknown }[] = [];
    for await (const rows of c.iterate({ outputFields: ['text', 'doc_hash'] })) {
      out.push(...rows.map((r) => ({ id: r.id, text: r.text, doc_hash: r.doc_hash })));
    }
    return out.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  } finally {
    await db.close();
  }
}

test('kill -9 mid-ingest, then run again: exactly the uninterrupted chunk set', async () => {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'p.yaml'), 'ingest:\n  batchSize: 8\n');
  const reference = join(dir, 'reference');
  const first = await runIngest(reference);
  expect(first.code, first.out).toBe(0);
  const expected = await chunkSet(reference);
  expect(expected.length).toBeGreaterThan(80);

  for (const killAt of [1, 4, 9]) {
    const store = join(dir, `killed-${killAt}`);
    const killed = await runIngest(store, killAt);
    expect(killed.killed, `the ingest finished before write ${killAt}:\n${killed.out}`).toBe(true);
    const partial = await chunkSet(store).catch(() => []);
    expect(partial.length).toBeLessThan(expected.length);
    const again = await runIngest(store);
    expect(again.code, again.out).toBe(0);
    expect(await chunkSet(store)).toEqual(expected);
    // And a third run has nothing left to do.
    const third = await runIngest(store);
    expect(third.out).toMatch(/0 changed/);
  }
}, 240_000);
