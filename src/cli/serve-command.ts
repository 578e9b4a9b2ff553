/**
 * `quiver serve`: the HTTP server over the embedded store (or, with the global --cluster flag, a cluster proxy), configured by the pipeline file's `server` section
 * (flags override host, port and collection). API keys are read from the environment variables the pipeline
 * names. SIGINT or SIGTERM shuts it down gracefully, then closes the store, which flushes the WAL.
 */

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ClusterClient } from '../cluster/cluster-client.js';
import { clusterConfigFromEnv, connectCluster, describeCluster } from '../cluster/cluster-config.js';
import { QuiverError } from '../errors.js';
import { loadPipeline } from '../pipeline/load-pipeline.js';
import type { PipelineConfig } from '../pipeline/pipeline-schema.js';
import { createServerContext } from '../server/context.js';
import type { ApiKey } from '../server/middleware/auth.js';
import { startServer } from '../server/server.js';
import { Quiver } from '../store/quiver.js';

interface ServeFlags {
  host?: string;
  port?: string;
  pipeline?: string;
  collection?: string;
}

/** The API keys the pipeline names, read from their variables; a variable that is unset is a config error. */
export function resolveApiKeys(server: PipelineConfig['server']): ApiKey[] {
  return server.apiKeys.map((k, i) => {
    const key = process.env[k.keyEnv];
    if (!key) {
      throw new QuiverError('CONFIG_INVALID', `server.apiKeys[${i}].keyEnv names ${k.keyEnv}, which is not set`, {
        path: `server.apiKeys.${i}.keyEnv`,
      });
    }
    return { key, scopes: k.scopes };
  });
}

/** The folders `/ingest` may read, absolute (relative ones are taken from the working directory); each must exist. */
export async function resolveIngestRoots(server: PipelineConfig['server']): Promise<string[]> {
  const roots: string[] = [];
  for (const [i, root] of server.ingestRoots.entries()) {
    const absolute = resolve(root);
    const isFolder = await stat(absolute).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isFolder) {
      throw new QuiverError('CONFIG_INVALID', `server.ingestRoots[${i}] is ${absolute}, which is not a folder`, {
        path: `server.ingestRoots.${i}`,
      });
    }
    roots.push(absolute);
  }
  return roots;
}

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve /ask, /search, the data API, Milvus REST v2 and the web page over HTTP')
    .option('--host <host>', "interface to listen on (default: the pipeline's server.host, 127.0.0.1)")
    .option('--port <port>', "port; 0 picks a free one (default: the pipeline's server.port, 7700)")
    .option('--pipeline <file>', 'pipeline file (default: pipelines/default.yaml)')
    .option('--collection <name>', 'collection for /ask, /search and /ingest (overrides the pipeline)')
    .action(async (flags: ServeFlags) => {
      const config = await loadPipeline(flags.pipeline);
      const s = config.server;
      const port = flags.port === undefined ? s.port : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new QuiverError('INVALID_ARGUMENT', `--port must be an integer from 0 to 65535, got ${flags.port}`);
      }
      const apiKeys = resolveApiKeys(s);
      const ingestRoots = await resolveIngestRoots(s);
      const path = program.getOptionValueSource('path') === 'default' ? config.store.path : program.opts().path;
      // --cluster: this process is a proxy of the cluster the QUIVER_* variables name; else the embedded store.
      const cluster = program.opts().cluster === true ? await connectCluster(clusterConfigFromEnv()) : undefined;
      const db = cluster ? new ClusterClient(cluster) : await Quiver.open({ path });
      const closeDb = () => (cluster ? cluster.close() : (db as Quiver).close());
      let running: Awaited<ReturnType<typeof startServer>>;
      try {
        const ctx = createServerContext({
          db,
          config,
          collectionName: flags.collection,
          ingestRoots,
        });
        running = await startServer({
          ctx,
          host: flags.host ?? s.host,
          port,
          bodyLimit: s.bodyLimit,
          uploadLimit: s.uploadLimit,
          cors: s.cors,
          apiKeys,
        });
      } catch (err) {
        await closeDb();
        throw err;
      }
      const collection = flags.collection ?? config.collection.name;
      const where = cluster ? `cluster: ${describeCluster(cluster.config)}` : `store ${path}`;
      console.log(`quiver listening on ${running.url} (collection ${collection}, ${where})`);
      if (apiKeys.length === 0 && !['127.0.0.1', 'localhost', '::1'].includes(flags.host ?? s.host)) {
        console.error('warning: no API keys are configured and the server listens beyond loopback');
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          console.error(`${signal}: finishing requests in flight, then closing the store`);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      try {
        await running.close();
      } finally {
        await closeDb();
      }
      console.error('stopped');
    });
}
