/**
 * A growing segment that writes leave alone is sealed (and so indexed) after `sealIdleMs`, once it holds
 * `sealIdleMinRows`; every write restarts the countdown; 0 turns it off. Also after a reopen, whose growing
 * segment comes back from the WAL.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { type Collection, Quiver } from '../../../src/index.js';
import { tempFolder } from '../../helpers/store.js';

const schema = {
  fields: [
    { name: 'id', type: 'int' as const, primary: true },
    { name: 'v', type: 'vector' as const, dim: 4, metric: 'l2' as const },
  ],
};

const folders: { remove: () => void }[] = [];
const dbs: Quiver[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close();
  for (const f of folders.splice(0)) f.remove();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const growingRows = (c: Collection): number =>
  c
    .stats()
    .segments.filter((s) => s.state === 'growing')
    .reduce((n, s) => n + s.rows, 0);

async function insert(c: Collection, from: number, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => ({ id: from + i, v: [from + i, 1, 2, 3] }));
  await c.insert(rows);
}

async function open(path: string, sealIdleMs: number): Promise<Collection> {
  const db = await Quiver.open({ path, collection: { sealIdleMs, sealIdleMinRows: 50 } });
  dbs.push(db);
  return (await db.listCollections()).includes('docs') ? db.collection('docs') : db.createCollection('docs', schema);
}

describe('idle seal', () => {
  it('seals an idle growing segment that has enough rows, and leaves a small one growing', async () => {
    const folder = tempFolder();
    folders.push(folder);
    const c = await open(folder.path, 150);
    await insert(c, 0, 30);
    await sleep(400);
    expect(growingRows(c)).toBe(30); // under sealIdleMinRows
    await insert(c, 30, 30);
    // Writes keep re-arming the timer: still growing while they come faster than 150 ms apart.
    for (let i = 0; i < 4; i++) {
      await sleep(60);
      await insert(c, 100 + i, 1);
    }
    expect(growingRows(c)).toBe(64);
    await sleep(500);
    await c.waitForIndexes();
    expect(growingRows(c)).toBe(0);
    expect(c.stats().rows).toBe(64);
    const { hits } = await c.search({ vector: [31, 1, 2, 3], field: 'v', k: 1 });
    expect(hits[0]!.id).toBe(31);
  });

  it('seals what a reopen replayed from the WAL, and never with sealIdleMs 0', async () => {
    const folder = tempFolder();
    folders.push(folder);
    let c = await open(folder.path, 0);
    await insert(c, 0, 80);
    await sleep(300);
    expect(growingRows(c)).toBe(80);
    await dbs.pop()!.close();

    c = await open(folder.path, 100);
    expect(growingRows(c)).toBe(80);
    await sleep(400);
    await c.waitForIndexes();
    expect(growingRows(c)).toBe(0);
    expect(c.stats().rows).toBe(80);
  });
});
