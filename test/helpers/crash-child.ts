/**
 * The child process of the crash test. It runs the deterministic workload from batch `start` on, and
 * prints "ACK <i> <activity>" once batch i is acknowledged, until it is killed.
 * Usage: node --import tsx crash-child.ts <folder> <start>
 */

import { Quiver } from '../../src/index.js';
import { batchAt, batchText, CRASH_COLLECTION_OPTIONS, CRASH_SCHEMA } from './crash-workload.js';

const [folder, startArg] = process.argv.slice(2);
const db = await Quiver.open({ path: folder!, collection: { ...CRASH_COLLECTION_OPTIONS, onWarning: () => {} } });
const c = await db.createCollection('c', CRASH_SCHEMA, { ifNotExists: true });
process.stdout.write('READY\n');
for (let i = Number(startArg); ; i++) {
  const b = batchAt(i);
  const row = (r: { id: number; vector: number[] }) => ({
    id: r.id,
    embedding: r.vector,
    batch: i,
    text: batchText(i),
  });
  if (b.op === 'insert') await c.insert(b.rows.map(row));
  else if (b.op === 'upsert') await c.upsert(b.rows.map(row));
  else if (b.op === 'delete') await c.delete({ ids: b.ids });
  else await c.delete({ filter: 'batch == {b}', params: { b: b.batch } });
  process.stdout.write(`ACK ${i} ${c.stats().activity}\n`);
  // Pace the writer so that runs stay a few hundred batches long while seals and compactions keep up.
  await new Promise((r) => setTimeout(r, 1));
}
