/**
 * A whole Quiver cluster for tests, on loopback: an etcd cluster of `etcdMembers` (Debian's etcd), a throwaway
 * s3rver behind a fault proxy (so a test can take S3 away and bring it back), a fresh bucket and etcd root, and
 * any number of Quiver role processes (`quiver querynode`, `quiver coordinator`, `quiver --cluster serve`, run
 * from the sources), each
 * configured through the same environment variables a deployment sets. `stop()` kills everything it started
 * and removes its data. Role processes are also killed if the test process exits first.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterConfig, type ClusterConnection, connectCluster } from '../../src/cluster/cluster-config.js';
import { type EtcdCluster, startEtcd } from './etcd.js';
import {
  createTestBucket,
  type FaultProxy,
  makeS3Client,
  removeBucket,
  S3RVER_CREDENTIALS,
  type S3TestServer,
  startFaultProxy,
  startS3rver,
} from './s3.js';

const CHILD = fileURLToPath(new URL('./cli-child.ts', import.meta.url));

export interface RoleProcess {
  readonly id: string;
  /** The node's service URL (query node) or probe URL (coordinator). */
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  log(): string;
  /** Sends a signal and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface TestCluster {
  etcd: EtcdCluster;
  s3: S3TestServer;
  /** In front of s3rver: `down()` makes S3 unreachable, `up()` brings it back. */
  s3proxy: FaultProxy;
  config: ClusterConfig;
  /** The environment variables roles read (as a manifest or compose file would set them). */
  env: Record<string, string>;
  roles: RoleProcess[];
  startQueryNode(id: string, extraEnv?: Record<string, string>): Promise<RoleProcess>;
  startCoordinator(id: string, extraEnv?: Record<string, string>): Promise<RoleProcess>;
  /** `quiver --cluster serve`: the HTTP API as a cluster proxy. */
  startProxy(id: string, extraEnv?: Record<string, string>): Promise<RoleProcess>;
  /** Any `quiver` command line with exactly this environment (over the test process's own). */
  startProcess(id: string, args: string[], env: Record<string, string>): Promise<RoleProcess>;
  /** A scratch folder removed by stop(). */
  dir: string;
  /** An in-process connection, for the proxy side of a test. */
  connect(): Promise<ClusterConnection>;
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  etcdMembers?: number;
  /** Lease TTL in seconds. Default 3. */
  leaseTtl?: number;
  /** Coordinator: seal at this many rows. Default 2000. */
  growingRows?: number;
  /** Coordinator: seal idle growing data after this long. Default 500 ms. */
  sealIdleMs?: number;
}

const live = new Set<ChildProcess>();
let hooked = false;

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'quiver-cluster-'));
  const etcd = await startEtcd({ members: options.etcdMembers ?? 3 });
  const s3 = await startS3rver();
  const s3proxy = await startFaultProxy(s3.endpoint);
  const client = makeS3Client(s3.endpoint);
  const bucket = await createTestBucket(client);
  const root = `quiver-test-${randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    QUIVER_ETCD_ENDPOINTS: etcd.endpoints.join(','),
    QUIVER_ETCD_ROOT: root,
    QUIVER_S3_ENDPOINT: s3proxy.endpoint,
    QUIVER_S3_BUCKET: bucket,
    QUIVER_S3_PREFIX: 'cluster',
    QUIVER_S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    QUIVER_LEASE_TTL: String(options.leaseTtl ?? 3),
    QUIVER_GROWING_ROWS: String(options.growingRows ?? 2000),
    QUIVER_SEAL_IDLE_MS: String(options.sealIdleMs ?? 500),
  };
  const config: ClusterConfig = {
    etcd: { endpoints: etcd.endpoints, root },
    s3: {
      bucket,
      endpoint: s3proxy.endpoint,
      prefix: 'cluster',
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
    },
    leaseTtl: options.leaseTtl ?? 3,
  };
  const roles: RoleProcess[] = [];
  const connections: ClusterConnection[] = [];

  const startRole = async (role: string, id: string, extra: Record<string, string> = {}): Promise<RoleProcess> => {
    const args = role === 'proxy' ? ['--cluster', 'serve', '--port', '0'] : [role, '--id', id, '--port', '0'];
    if (role === 'querynode') args.push('--cache-dir', join(dir, `cache-${id}`));
    return startProcess(id, args, { ...env, ...extra });
  };

  const startProcess = async (
    id: string,
    cliArgs: string[],
    processEnv: Record<string, string>,
  ): Promise<RoleProcess> => {
    const role = cliArgs.find((a) => !a.startsWith('-')) ?? 'quiver';
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...cliArgs], {
      env: { ...process.env, ...processEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let stderr = '';
    let output = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
      output += d;
    });
    child.stdout!.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    exited.then(() => live.delete(child));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${role} ${id} did not start:\n${stderr}`)), 30_000);
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /(?:listening on|probes on) (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${role} ${id} exited with ${code}:\n${stderr}`));
      });
    });
    const proc: RoleProcess = {
      id,
      url,
      process: child,
      log: () => output,
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      },
    };
    roles.push(proc);
    return proc;
  };

  return {
    etcd,
    s3,
    s3proxy,
    config,
    env,
    roles,
    startQueryNode: (id, extra) => startRole('querynode', id, extra),
    startCoordinator: (id, extra) => startRole('coordinator', id, extra),
    startProxy: (id, extra) => startRole('proxy', id, extra),
    startProcess,
    dir,
    async connect() {
      const c = await connectCluster(config);
      connections.push(c);
      return c;
    },
    async stop() {
      for (const r of roles) await r.kill('SIGKILL');
      for (const c of connections) await c.close().catch(() => {});
      await s3proxy.up().catch(() => {});
      await removeBucket(client, bucket).catch(() => {});
      await s3proxy.close();
      await s3.stop();
      await etcd.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
