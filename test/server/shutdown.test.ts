/**
 * Graceful shutdown. In process: a streaming answer in flight when `close()` is called still completes, `/health`
 * turns 503 meanwhile, and afterwards new connections are refused; a stream that outlasts the deadline is cut there,
 * so shutdown never hangs. As a real process: `quiver serve` takes its API key from the variable its pipeline names,
 * then on SIGTERM finishes, closes its store (a write acknowledged before is there when the store is reopened) and
 * exits 0.
 */

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { Quiver } from '../../src/store/quiver.js';
import { TEST_MODEL_DIR } from '../helpers/model.js';
import { slowTokens, startTestServer } from '../helpers/server.js';
import { parseSse } from '../helpers/sse.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  test('an answer streaming when close() is called completes; then nothing connects', async () => {
    const server = await startTestServer({ generator: (g) => slowTokens(g, 60) });
    try {
      const streaming = fetch(`${server.url}/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ question: 'What causes the tides?' }),
      }).then((r) => r.text());
      // Let the stream begin, then shut down while it runs.
      await new Promise((r) => setTimeout(r, 200));
      const closing = server.close();
      expect(server.app.quiver.state.draining).toBe(true);
      const events = parseSse(await streaming);
      expect(events.at(-1)!.event).toBe('done');
      expect(events.filter((e) => e.event === 'token').length).toBeGreaterThan(3);
      await closing;
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    } finally {
      await server.stop();
    }
  }, 60_000);

  test('a stream slower than the deadline is cut at the deadline: close() does not hang, the client sees the end', async () => {
    const server = await startTestServer({ generator: (g) => slowTokens(g, 2_000), shutdownTimeoutMs: 500 });
    try {
      const res = await fetch(`${server.url}/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ question: 'What causes the tides?' }),
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      const began = Date.now();
      await server.close();
      const took = Date.now() - began;
      expect(took).toBeGreaterThanOrEqual(450);
      // The deadline, then at most one more word for the handler to notice its client is gone.
      expect(took).toBeLessThan(5_000);
      // The client's read ends (the socket was destroyed) instead of waiting forever.
      const rest = (async () => {
        for (;;) if ((await reader.read()).done) return 'ended';
      })().catch(() => 'cut');
      expect(['ended', 'cut']).toContain(await rest);
      expect(server.ctx.inFlight.count).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);

  test('close() waits for a handler that outlives its client before releasing the embedder and store', async () => {
    let finished = false;
    const server = await startTestServer({
      generator: (inner) => ({
        modelId: inner.modelId,
        stream: (r) => inner.stream(r),
        // Slow, and deaf to cancellation: like a handler stuck in a store call after its client left.
        async generate(request) {
          await new Promise((r) => setTimeout(r, 600));
          const result = await inner.generate({ ...request, signal: undefined });
          finished = true;
          return result;
        },
      }),
    });
    try {
      const client = new AbortController();
      const asked = fetch(`${server.url}/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'What causes the tides?' }),
        signal: client.signal,
      }).catch(() => 'aborted');
      await new Promise((r) => setTimeout(r, 200));
      client.abort();
      expect(await asked).toBe('aborted');
      expect(server.ctx.inFlight.count).toBe(1);
      await server.close();
      expect(finished).toBe(true);
      expect(server.ctx.inFlight.count).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);

  test('while draining, /health answers 503 shutting_down so load balancers stop sending', async () => {
    const server = await startTestServer();
    try {
      server.app.quiver.state.draining = true;
      const res = await fetch(`${server.url}/health`);
      expect(res.status).toBe(503);
      expect(res.headers.get('connection')).toBe('close');
      expect(await res.json()).toEqual({ status: 'shutting_down' });
    } finally {
      await server.stop();
    }
  }, 60_000);

  test('quiver serve: keys from the environment; SIGTERM stops it with exit 0, its acknowledged writes kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quiver-serve-'));
    dirs.push(dir);
    const store = join(dir, 'store');
    // The pipeline names a key variable; the key itself comes only through the environment.
    const pipeline = join(dir, 'pipeline.yaml');
    await writeFile(pipeline, 'server:\n  apiKeys:\n    - keyEnv: QUIVER_TEST_SERVE_KEY\n');
    const cli = fileURLToPath(new URL('../helpers/cli-child.ts', import.meta.url));
    const args = [cli, '--path', store, 'serve', '--pipeline', pipeline, '--port', '0', '--collection', 'kept'];
    const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
      env: { ...process.env, QUIVER_MODEL_DIR: TEST_MODEL_DIR, QUIVER_TEST_SERVE_KEY: 'serve-secret' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    let url: string | undefined;
    for await (const line of createInterface({ input: proc.stdout! })) {
      url = /^quiver listening on (http:\/\/127\.0\.0\.1:\d+) \(collection kept\b/.exec(line)?.[1];
      if (url) break;
    }
    expect(url, stderr).toBeDefined();
    const post = (path: string, body: unknown, key = 'serve-secret') =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
    expect((await post('/collections/kept/count', {}, 'wrong')).status).toBe(401);
    const created = await post('/collections', {
      name: 'kept',
      schema: {
        fields: [
          { name: 'id', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
        ],
      },
    });
    expect(created.status).toBe(201);
    const inserted = await post('/collections/kept/insert', { rows: [{ id: 7, v: [1, 2] }] });
    expect(inserted.status).toBe(200);

    proc.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/SIGTERM: finishing requests in flight/);
    const db = await Quiver.open({ path: store });
    try {
      expect(await (await db.collection('kept')).get([7], { outputFields: ['v'] })).toEqual([{ id: 7, v: [1, 2] }]);
    } finally {
      await db.close();
    }
  }, 60_000);
});
