/**
 * The README's library example (examples/quickstart.ts) runs and prints what the README says it does.
 */

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { tempFolder } from './helpers/store.js';

test('examples/quickstart.ts runs end to end', () => {
  const folder = tempFolder();
  try {
    const script = fileURLToPath(new URL('../examples/quickstart.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, `${folder.path}/store`], {
      encoding: 'utf8',
    });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^hnsw {2}score=0\.99\d/);
    expect(lines[1]).toMatch(/^ivf {2}score=/);
    expect(out).toContain("[ { id: 'hnsw', year: 2016 } ]");
    expect(out).toMatch(/FILTER_SYNTAX: unexpected ">" at position 6/);
    expect(out).toContain('after reopen: 3 rows');
  } finally {
    folder.remove();
  }
});
