/**
 * The cluster roles as commands: `quiver querynode` and `quiver coordinator`. Both read where the cluster lives
 * from environment variables (src/cluster/cluster-config.ts), log one line per event on stderr, and stop on
 * SIGINT or SIGTERM: leases are revoked, so a stopped query node's segments move at once and a stopped leader's
 * standby takes over without waiting for the TTL. (`kill -9` skips that: then the TTL decides.)
 */

import type { Command } from 'commander';
import { clusterConfigFromEnv, connectCluster, describeCluster } from '../cluster/cluster-config.js';
import { Coordinator } from '../cluster/coordinator.js';
import { startProbeServer } from '../cluster/probe-server.js';
import { QueryNode } from '../cluster/query-node.js';
import { QuiverError } from '../errors.js';

function port(value: string | undefined, fallback: number, flag: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new QuiverError('INVALID_ARGUMENT', `${flag} must be an integer from 0 to 65535, got ${value}`);
  }
  return n;
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const env = (name: string) => process.env[name]?.trim() || undefined;

export function addClusterCommands(program: Command): void {
  program
    .command('querynode')
    .description('cluster role: load assigned segments, tail the WAL, serve searches to proxies')
    .option('--id <id>', 'stable node id (default: QUIVER_NODE_ID, else random)')
    .option('--host <host>', 'interface to listen on (default: QUIVER_HOST, else 127.0.0.1)')
    .option('--port <port>', 'port; 0 picks a free one (default: QUIVER_PORT, else 7710)')
    .option(
      '--advertise <url>',
      'URL proxies reach this node at (default: QUIVER_ADVERTISE_URL, else http://host:port)',
    )
    .option('--cache-dir <folder>', 'disk cache for segment files (default: QUIVER_CACHE_DIR, else none)')
    .action(async (flags: { id?: string; host?: string; port?: string; advertise?: string; cacheDir?: string }) => {
      const config = clusterConfigFromEnv();
      const cluster = await connectCluster(config);
      const node = new QueryNode({
        cluster,
        id: flags.id ?? env('QUIVER_NODE_ID'),
        host: flags.host ?? env('QUIVER_HOST') ?? '127.0.0.1',
        port: port(flags.port ?? env('QUIVER_PORT'), 7710, '--port'),
        advertise: flags.advertise ?? env('QUIVER_ADVERTISE_URL'),
        cacheDir: flags.cacheDir ?? env('QUIVER_CACHE_DIR'),
        log: (m) => console.error(m),
      });
      try {
        await node.start();
      } catch (err) {
        await node.close().catch(() => {});
        await cluster.close();
        throw err;
      }
      console.log(`querynode ${node.id} listening on ${node.address} (${describeCluster(config)})`);
      console.error(`${await untilSignal()}: stopping`);
      await node.close();
      await cluster.close();
    });

  program
    .command('coordinator')
    .description('cluster role: elected leader seals, assigns and compacts; others stand by')
    .option('--id <id>', 'coordinator id (default: QUIVER_NODE_ID, else random)')
    .option('--host <host>', 'interface for /healthz and /readyz (default: QUIVER_HOST, else 127.0.0.1)')
    .option('--port <port>', 'probe port; 0 picks a free one (default: QUIVER_PORT, else 7720)')
    .option('--growing-rows <n>', 'seal growing data at this many rows (default: QUIVER_GROWING_ROWS, else 10000)')
    .option('--seal-idle-ms <ms>', 'seal smaller growing data after this long without writes (default 2000)')
    .action(async (flags: { id?: string; host?: string; port?: string; growingRows?: string; sealIdleMs?: string }) => {
      const config = clusterConfigFromEnv();
      const cluster = await connectCluster(config);
      const growingRows = Number(flags.growingRows ?? env('QUIVER_GROWING_ROWS') ?? 10_000);
      const sealIdleMs = Number(flags.sealIdleMs ?? env('QUIVER_SEAL_IDLE_MS') ?? 2000);
      if (!Number.isInteger(growingRows) || growingRows < 1 || !Number.isInteger(sealIdleMs) || sealIdleMs < 0) {
        throw new QuiverError('INVALID_ARGUMENT', '--growing-rows and --seal-idle-ms must be positive integers');
      }
      const coordinator = new Coordinator({
        cluster,
        id: flags.id ?? env('QUIVER_NODE_ID'),
        sealIdleMs,
        collection: { growingRows },
        log: (m) => console.error(m),
      });
      coordinator.start();
      const host = flags.host ?? env('QUIVER_HOST') ?? '127.0.0.1';
      const probes = await startProbeServer(
        {
          async ready() {
            await cluster.meta.revision(); // etcd answers
            return { ready: true, id: coordinator.id, leading: coordinator.leading, rounds: coordinator.rounds };
          },
        },
        host,
        port(flags.port ?? env('QUIVER_PORT'), 7720, '--port'),
      );
      console.log(`coordinator ${coordinator.id} probes on ${probes.url} (${describeCluster(config)})`);
      console.error(`${await untilSignal()}: stopping`);
      probes.server.close();
      await coordinator.close();
      await cluster.close();
    });
}
