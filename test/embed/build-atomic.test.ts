/**
 * A build killed part-way leaves nothing that passes as built: files are written into a temporary
 * dot-folder and renamed into place only when complete, and the next build starts clean.
 */

import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDefaultModel, defaultModelDir, listModels, verifyModel } from '../../src/embed/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('default model build', () => {
  it('leaves no model behind when killed mid-build, and builds cleanly afterwards', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'quiver-kill-'));
    dirs.push(cacheDir);
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'build-child.ts'), cacheDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it as soon as its temporary folder has files in it.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const temp = readdirSync(cacheDir).find((n) => n.startsWith('.building-'));
      if (temp !== undefined && readdirSync(join(cacheDir, temp)).length > 0) break;
      if (Date.now() > deadline) throw new Error('the child never started writing');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;

    expect(existsSync(defaultModelDir(cacheDir))).toBe(false);
    expect(await listModels(cacheDir)).toEqual([]);
    const built = await buildDefaultModel({ cacheDir });
    expect(built.reused).toBe(false);
    await verifyModel(built.dir);
    expect((await listModels(cacheDir)).map((m) => m.dir)).toEqual([built.dir]);
  }, 120_000);
});
