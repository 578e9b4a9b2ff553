/**
 * `quiver serve` refusing to start, in process: an API key variable that is unset, an ingest root that is not a
 * folder, a bad port, and a port another process holds each end the command with its error code and exit code
 * before anything listens, and leave the store closed (unlocked) behind them. Serving itself, and SIGTERM, are
 * tested on a real child process in test/server/shutdown.test.ts.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { resolveIngestRoots } from '../../src/cli/serve-command.js';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { Quiver } from '../../src/store/quiver.js';

let dir: string;
let printed: string[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-cli-serve-'));
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => printed.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => printed.push(a.join(' ')));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const store = () => join(dir, 'store');
const serve = (...args: string[]) => main(['node', 'quiver', '--path', store(), 'serve', ...args]);
const output = () => printed.join('\n');
async function pipeline(yaml: string): Promise<string> {
  const file = join(dir, 'pipeline.yaml');
  await writeFile(file, yaml);
  return file;
}
/** The store can be opened again: the failed command closed it. */
async function expectStoreUnlocked(): Promise<void> {
  const db = await Quiver.open({ path: store() });
  await db.close();
}

describe('quiver serve refuses to start', () => {
  test('when an API key variable is unset: CONFIG_INVALID naming it, exit 2', async () => {
    delete process.env.QUIVER_TEST_UNSET_KEY;
    const file = await pipeline('server:\n  apiKeys:\n    - keyEnv: QUIVER_TEST_UNSET_KEY\n      scopes: [read]\n');
    expect(await serve('--pipeline', file, '--port', '0')).toBe(2);
    expect(output()).toMatch(/error CONFIG_INVALID: .*QUIVER_TEST_UNSET_KEY/);
    expect(output()).not.toMatch(/listening/);
  });

  test('when an ingest root is not a folder: CONFIG_INVALID naming the key, exit 2', async () => {
    const file = await pipeline(`server:\n  ingestRoots: [${JSON.stringify(join(dir, 'nowhere'))}]\n`);
    expect(await serve('--pipeline', file, '--port', '0')).toBe(2);
    expect(output()).toMatch(/error CONFIG_INVALID: server\.ingestRoots\[0\] is .*nowhere/);
  });

  test('when the port is not a port: INVALID_ARGUMENT, exit 2', async () => {
    for (const port of ['70000', 'http', '-1', '1.5']) {
      printed = [];
      expect(await serve('--port', port)).toBe(2);
      expect(output()).toMatch(/error INVALID_ARGUMENT: --port must be an integer from 0 to 65535/);
    }
  });

  test('when another process holds the port: IO_ERROR naming the address, exit 6, and the store is closed', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      expect(await serve('--host', '127.0.0.1', '--port', String(port))).toBe(6);
      expect(output()).toContain(`error IO_ERROR: cannot listen on 127.0.0.1:${port}: the port is in use`);
      await expectStoreUnlocked();
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('ingest roots', () => {
  test('relative roots are resolved from the working directory', async () => {
    const server = pipelineSchema.parse({ server: { ingestRoots: ['.', dir] } }).server;
    expect(await resolveIngestRoots(server)).toEqual([process.cwd(), dir]);
  });

  test('a file is not a root', async () => {
    await writeFile(join(dir, 'a.txt'), 'x');
    const server = pipelineSchema.parse({ server: { ingestRoots: [join(dir, 'a.txt')] } }).server;
    await expect(resolveIngestRoots(server)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
