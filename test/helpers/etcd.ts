/**
 * Throwaway etcd servers for tests: one member, or a loopback cluster of several for fault tests. Each
 * member gets free loopback ports and a data folder under one temp folder; members can be SIGKILLed and
 * started again on the same ports and data (to test reconnects), and `stop()` kills them all and removes
 * the folder. Members are also SIGKILLed if the test process exits first. Plus two raw calls through
 * etcd's JSON gateway, for setup and cleanup without an etcd client.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly running: boolean;
  /** SIGKILLs the member and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the member again on its ports and data, and waits until it answers /health. */
  start(): Promise<void>;
}

export interface EtcdCluster {
  endpoints: string[];
  members: EtcdMember[];
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** How many members (default 1). */
  members?: number;
  /** How long to wait for the cluster to be healthy (default 20 s). */
  timeoutMs?: number;
}

/** The etcd binary on PATH, or undefined. */
export function findEtcdBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'etcd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Starts a fresh cluster of `members` loopback members and waits until every member reports healthy.
 * @example
 * const etcd = await startEtcd();
 * try { ... etcd.endpoints ... } finally { await etcd.stop(); }
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdCluster> {
  const { members: count = 1, timeoutMs = 20_000 } = options;
  const binary = findEtcdBinary();
  if (binary === undefined) throw new Error('no etcd binary on PATH');
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'quiver-etcd-'));
  const ports = await freePorts(count * 2);
  const names = Array.from({ length: count }, (_, i) => `m${i}`);
  const peerUrl = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  const token = `quiver-test-${randomUUID()}`;
  const members = names.map((name, i) => {
    const clientUrl = `http://127.0.0.1:${ports[2 * i]}`;
    const args = [
      ['--name', name],
      ['--data-dir', join(dir, name)],
      ['--listen-client-urls', clientUrl],
      ['--advertise-client-urls', clientUrl],
      ['--listen-peer-urls', peerUrl(i)],
      ['--initial-advertise-peer-urls', peerUrl(i)],
      ['--initial-cluster', initialCluster],
      ['--initial-cluster-token', token],
      ['--initial-cluster-state', 'new'],
      ['--logger', 'zap'],
      ['--log-outputs', 'stderr'],
    ].flat();
    return new Member(name, clientUrl, binary, args, join(dir, `${name}.log`), timeoutMs);
  });
  const cluster: EtcdCluster = {
    endpoints: members.map((m) => m.clientUrl),
    members,
    stop: async () => {
      await Promise.all(members.map((m) => m.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    // Members of a new cluster wait for each other, so start them all before waiting on any.
    await Promise.all(members.map((m) => m.start()));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

class Member implements EtcdMember {
  private child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly clientUrl: string,
    private readonly binary: string,
    private readonly args: string[],
    private readonly logFile: string,
    private readonly timeoutMs: number,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child !== undefined) return;
    const log = openSync(this.logFile, 'a');
    const child = spawn(this.binary, this.args, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    live.add(child);
    let exited = false;
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      if (this.child === child) this.child = undefined;
    });
    const until = Date.now() + this.timeoutMs;
    while (Date.now() < until) {
      if (exited) throw new Error(`etcd member ${this.name} exited at start:\n${this.logTail()}`);
      if (await healthy(this.clientUrl)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`etcd member ${this.name} not healthy after ${this.timeoutMs} ms:\n${this.logTail()}`);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}

/** `n` distinct free loopback ports (all held open together while chosen, so none repeats). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** One free loopback port with nothing listening on it (for "unreachable" tests). */
export async function deadPort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

async function gateway(endpoint: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${endpoint}/v3/${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`etcd ${path} answered ${res.status}: ${await res.text()}`);
}

/** Writes raw bytes at `key`, bypassing any store (to plant foreign data). */
export function etcdPutRaw(endpoint: string, key: string, value: string | Buffer): Promise<void> {
  return gateway(endpoint, 'kv/put', { key: b64(key), value: b64(value) });
}

/** Deletes every key that starts with `prefix` (cleanup of a test's root on a shared etcd). */
export function etcdDeletePrefix(endpoint: string, prefix: string): Promise<void> {
  const start = Buffer.from(prefix);
  const end = Buffer.from(start);
  end[end.length - 1] = end[end.length - 1]! + 1; // prefixes here are ASCII, never ending in 0xff
  return gateway(endpoint, 'kv/deleterange', { key: b64(start), range_end: b64(end) });
}

/** Compacts etcd's whole history up to its current revision; returns that revision. */
export async function etcdCompact(endpoint: string): Promise<number> {
  const res = await fetch(`${endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64('\0') }),
    signal: AbortSignal.timeout(5000),
  });
  const revision = Number(((await res.json()) as { header: { revision: string } }).header.revision);
  await gateway(endpoint, 'kv/compaction', { revision, physical: true });
  return revision;
}

/** The running member that is the raft leader now (asks each member's status through the JSON gateway). */
export async function etcdLeader(cluster: EtcdCluster): Promise<EtcdMember | undefined> {
  for (const member of cluster.members.filter((m) => m.running)) {
    try {
      const res = await fetch(`${member.clientUrl}/v3/maintenance/status`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(2000),
      });
      const status = (await res.json()) as { header: { member_id: string }; leader: string };
      if (status.header.member_id === status.leader) return member;
    } catch {
      // Not answering; ask the next one.
    }
  }
  return undefined;
}
