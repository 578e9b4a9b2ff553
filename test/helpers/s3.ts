/**
 * S3 for tests: a throwaway s3rver child process (on a free loopback port, its data in a temp folder), the
 * endpoint the tests should use (QUIVER_TEST_S3 when CI started one, else a throwaway one), a raw SDK client
 * configured the way s3rver needs (to plant or damage objects behind a store's back), bucket set-up and
 * clean-up, and a fault proxy: an HTTP pass-through in front of S3 that records requests, can answer with
 * injected S3 errors or cut or stall an answer's body, and can go down (refusing connections) and come back.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** s3rver's fixed account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const S3RVER_BIN = fileURLToPath(new URL('../../node_modules/s3rver/bin/s3rver.js', import.meta.url));

export function s3rverInstalled(): boolean {
  return existsSync(S3RVER_BIN);
}

export interface S3TestServer {
  endpoint: string;
  /** Stops a throwaway server and removes its data; a no-op for an external one. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts s3rver on a free loopback port and waits until it answers.
 * @example
 * const s3 = await startS3rver();
 * try { ... s3.endpoint ... } finally { await s3.stop(); }
 */
export async function startS3rver(timeoutMs = 20_000): Promise<S3TestServer> {
  if (!s3rverInstalled()) throw new Error('s3rver is not installed (it is a devDependency: run npm install)');
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'quiver-s3rver-'));
  const port = await freePort();
  const logFile = join(dir, 's3rver.log');
  const log = openSync(logFile, 'a');
  // Without the legacy provider, s3rver's continuation tokens fail and every truncated list answers 500.
  const args = ['--openssl-legacy-provider', S3RVER_BIN, '-d', join(dir, 'data'), '-a', '127.0.0.1'];
  const child = spawn(process.execPath, [...args, '-p', String(port), '--silent'], {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  live.add(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !exited) {
    if (await answers(endpoint)) return { endpoint, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  await stop();
  throw new Error(`s3rver did not start on ${endpoint}:\n${tail}`);
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** The S3 server tests use: CI's (QUIVER_TEST_S3) when set, else a throwaway s3rver. */
export async function testS3Server(): Promise<S3TestServer> {
  const external = process.env.QUIVER_TEST_S3;
  if (external) return { endpoint: external.replace(/\/+$/, ''), stop: async () => undefined };
  return startS3rver();
}

/** Why S3 tests must skip, or undefined when they can run. Without CI they skip only when s3rver is missing. */
export function s3SkipReason(): string | undefined {
  if (process.env.QUIVER_TEST_S3 || s3rverInstalled() || process.env.CI) return undefined;
  return 'no S3 server: QUIVER_TEST_S3 is unset and s3rver (a devDependency) is not installed';
}

/** A raw client for `endpoint`, set up as s3rver needs (path-style, no aws-chunked bodies). */
export function makeS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A fresh bucket with a random name; returns the name. */
export async function createTestBucket(client: S3Client): Promise<string> {
  const bucket = `quiver-test-${randomUUID().slice(0, 18)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Deletes every object under `prefix` in `bucket`. */
export async function emptyPrefix(client: S3Client, bucket: string, prefix = ''): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => k !== undefined);
    if (keys.length === 0) return;
    // One at a time: s3rver removes emptied folders after a delete, and parallel deletes in one folder race
    // on that and answer 500.
    for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  }
}

/** Deletes a bucket and everything in it. */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  await emptyPrefix(client, bucket);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

export interface RecordedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
}

export interface InjectedFault {
  /** How many matching requests get the fault. */
  times: number;
  /** Only requests for which this holds. Default: every request. */
  when?: (req: RecordedRequest) => boolean;
  /** Answer with this HTTP status and S3 error code (e.g. 503 SlowDown) instead of passing the request on. */
  error?: { status: number; code: string };
  /** Pass the request on, but close the connection after this many bytes of the answer's body. */
  cutAfter?: number;
  /** Pass the request on, but stop sending the answer's body after this many bytes; the connection stays open. */
  stallAfter?: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request that reached the proxy while it was up, in order. */
  readonly requests: RecordedRequest[];
  /** Makes the next matching requests fail: an S3 error answer, or an answer body cut off or stalled. */
  inject(fault: InjectedFault): void;
  /** Calls `hook` with each request before it is passed on (or answered with a fault). */
  onRequest(hook: ((req: RecordedRequest) => void) | undefined): void;
  /** Stops listening and cuts every open connection: the server looks gone. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a pass-through proxy to `target` on a free loopback port. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  const requests: RecordedRequest[] = [];
  const faults: InjectedFault[] = [];
  let hook: ((req: RecordedRequest) => void) | undefined;
  const handler: Parameters<typeof createHttpServer>[1] = (req, res) => {
    const rec = { method: req.method ?? 'GET', url: req.url ?? '/' };
    requests.push(rec);
    hook?.(rec);
    const fault = faults.find((f) => f.times > 0 && (f.when?.(rec) ?? true));
    if (fault !== undefined) fault.times--;
    const error = fault?.error;
    if (error !== undefined) {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>injected by the test proxy</Message><RequestId>test</RequestId></Error>`;
      // Read the request to its end first, so the client is not cut off mid-upload.
      req.resume();
      req.once('end', () => {
        res.writeHead(error.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(rec.method === 'HEAD' ? undefined : body);
      });
      return;
    }
    const upstream = request(
      { host: to.hostname, port: to.port, method: rec.method, path: rec.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const limit = fault?.cutAfter ?? fault?.stallAfter;
        if (limit === undefined) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        const stop = () => {
          answer.destroy();
          // Cut: the client sees the connection end early. Stall: it waits for bytes that never come.
          if (fault?.cutAfter !== undefined) res.destroy();
        };
        if (limit <= 0) return stop();
        answer.on('data', (chunk: Buffer) => {
          if (sent >= limit) return;
          res.write(chunk.subarray(0, limit - sent));
          sent += Math.min(chunk.length, limit - sent);
          if (sent >= limit) stop();
        });
      },
    );
    upstream.on('error', () => res.destroy());
    // A client cut off by down() must not leave its request running upstream.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
  let server: Server = createHttpServer(handler);
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  let isUp = true;
  const down = async () => {
    if (!isUp) return;
    isUp = false;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    inject: (fault) => faults.push({ ...fault }),
    onRequest: (h) => {
      hook = h;
    },
    down,
    up: async () => {
      if (isUp) return;
      server = createHttpServer(handler);
      await listen(server, port);
      isUp = true;
    },
    close: down,
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A free loopback port (nothing listens on it once this resolves). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never answers: requests to it hang until timed out. */
export async function startBlackHole(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
