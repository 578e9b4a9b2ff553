/**
 * The query node role (`quiver querynode`). It registers itself under a lease, watches the collection manifests
 * and the segment assignments in etcd, keeps one Replica per collection (its assigned sealed segments, loaded
 * from S3 through a disk cache, plus the growing data it tails from the shared WAL), and answers the proxy's
 * calls (node-rpc.ts) over HTTP. `GET /readyz` is 200 only when every collection serves exactly its current
 * manifest and assignment; `GET /healthz` is 200 while the process runs.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isQuiverError, QuiverError } from '../errors.js';
import { type Manifest, parseManifest } from '../store/collection/manifest.js';
import type { EtcdMetaStore } from '../store/storage/etcd-meta-store.js';
import type { MetaWatch } from '../store/storage/etcd-watch.js';
import type { ClusterConnection } from './cluster-config.js';
import { assignPrefix, QUERY_NODE } from './keys.js';
import type { ListsRequest, MatchRequest, RowsRequest, StatsRequest } from './node-rpc.js';
import { Replica } from './replica.js';
import { SegmentCache } from './segment-cache.js';

export interface QueryNodeOptions {
  cluster: ClusterConnection;
  /** Node id; default a random one. Give a stable id so a restarted node gets its segments back. */
  id?: string;
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** The URL the proxy reaches this node at. Default http://<host>:<port>. */
  advertise?: string;
  /** Disk cache folder for segment files. Default: none (read from S3). */
  cacheDir?: string;
  /** How often to re-read manifests and assignments besides the watches. Default 2000 ms. */
  refreshMs?: number;
  log?: (message: string) => void;
}

const MAX_BODY = 64 * 1024 * 1024;

export class QueryNode {
  readonly id: string;
  address = '';
  readonly #o: QueryNodeOptions;
  readonly #replicas = new Map<string, Replica>();
  readonly #cache: SegmentCache;
  #server: Server | undefined;
  #watches: MetaWatch[] = [];
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #refreshedOnce = false;

  constructor(options: QueryNodeOptions) {
    this.#o = options;
    this.id = options.id ?? `qn-${randomUUID().slice(0, 8)}`;
    this.#cache = new SegmentCache(options.cluster.objects, options.cacheDir);
  }

  #log(message: string): void {
    (this.#o.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(`querynode ${this.id}: ${message}`);
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err) => send(res, 500, { error: { code: 'INTERNAL', message: String(err) } }));
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port ?? 0, this.#o.host ?? '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    this.address = this.#o.advertise ?? `http://${this.#o.host ?? '127.0.0.1'}:${port}`;
    const meta = this.#o.cluster.meta as EtcdMetaStore;
    const revision = await meta.revision();
    for (const prefix of ['collections/', 'assign/']) {
      this.#watches.push(
        await meta.watch(prefix, {
          fromRevision: revision + 1,
          onChange: () => this.#kick(),
          onError: (err) => this.#log(`watch on ${prefix} failed: ${(err as Error).message}`),
        }),
      );
    }
    this.#kick();
    await this.#refreshing;
    const poll = () => {
      if (this.#closed) return;
      this.#kick();
      this.#timer = setTimeout(poll, this.#o.refreshMs ?? 2000);
    };
    this.#timer = setTimeout(poll, this.#o.refreshMs ?? 2000);
    await this.#o.cluster.session.register(QUERY_NODE, this.id, JSON.stringify({ address: this.address }), (err) =>
      this.#log(`lease lost (${err.message}); registering again`),
    );
    this.#log(`serving at ${this.address}`);
  }

  /** True once every collection serves its current manifest and assignment. */
  get ready(): boolean {
    return this.#refreshedOnce && [...this.#replicas.values()].every((r) => r.settled);
  }

  #kick(): void {
    if (this.#closed) return;
    if (this.#refreshing) {
      this.#again = true;
      return;
    }
    this.#refreshing = this.#refresh()
      .catch((err) => this.#log(`refresh failed: ${(err as Error).message}`))
      .finally(() => {
        this.#refreshing = undefined;
        if (this.#again) {
          this.#again = false;
          this.#kick();
        }
      });
  }

  async #refresh(): Promise<void> {
    const meta = this.#o.cluster.meta;
    const manifests: Manifest[] = (await meta.list('collections/')).map((e) => parseManifest(e.value, e.key));
    const assignments = await meta.list('assign/');
    const live = new Set<string>();
    for (const manifest of manifests) {
      live.add(manifest.name);
      const prefix = assignPrefix(manifest.name);
      const mine = new Set<number>();
      for (const a of assignments) {
        if (a.key.startsWith(prefix) && a.value === this.id) mine.add(Number(a.key.slice(prefix.length)));
      }
      let replica = this.#replicas.get(manifest.name);
      if (!replica) {
        replica = new Replica(manifest.name, {
          meta,
          objects: this.#o.cluster.objects,
          cache: this.#cache,
          log: (m) => this.#log(m),
        });
        this.#replicas.set(manifest.name, replica);
      }
      replica.sync(manifest, mine);
    }
    for (const [name, replica] of this.#replicas) {
      if (live.has(name)) continue;
      this.#replicas.delete(name);
      await replica.close();
    }
    this.#refreshedOnce = true;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok', node: this.id });
    if (req.method === 'GET' && path === '/readyz') {
      const collections = Object.fromEntries(
        [...this.#replicas].map(([name, r]) => [name, { settled: r.settled, view: r.view?.info() ?? null }]),
      );
      return send(res, this.ready ? 200 : 503, { ready: this.ready, node: this.id, collections });
    }
    if (req.method !== 'POST' || !path?.startsWith('/internal/')) {
      return send(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } });
    }
    try {
      const body = await readJson(req);
      const call = path.slice('/internal/'.length);
      const replica = this.#replicas.get(body.collection);
      if (!replica) {
        throw new QuiverError('COLLECTION_NOT_FOUND', `collection "${body.collection}" is not served here`, {
          collection: body.collection,
        });
      }
      const view = await replica.whenApplied(body.minSeq ?? 0, body.waitMs ?? 5000);
      if (call === 'stats') {
        const r = body as StatsRequest;
        return send(res, 200, { view: view.info(), ...view.stats(r.fields) });
      }
      if (call === 'lists') return send(res, 200, { view: view.info(), lists: view.lists(body as ListsRequest) });
      if (call === 'match') {
        const r = body as MatchRequest;
        return send(res, 200, { view: view.info(), ids: view.match(r.filter, r.params, r.partitions, r.limit) });
      }
      if (call === 'rows') {
        const r = body as RowsRequest;
        return send(res, 200, { view: view.info(), rows: view.rows(r.ids, r.outputFields) });
      }
      throw new QuiverError('NOT_FOUND', `no call "${call}"`);
    } catch (err) {
      const e = isQuiverError(err) ? err : new QuiverError('INTERNAL', (err as Error).message);
      const status = e.code === 'INTERNAL' ? 500 : e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT' ? 503 : 400;
      send(res, status, { error: { code: e.code, message: e.message, details: e.details } });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const w of this.#watches) await w.close().catch(() => {});
    await this.#refreshing;
    for (const r of this.#replicas.values()) await r.close();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
    this.#server?.closeAllConnections();
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function readJson(req: IncomingMessage): Promise<StatsRequest & ListsRequest & RowsRequest & MatchRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new QuiverError('BATCH_TOO_LARGE', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new QuiverError('INVALID_ARGUMENT', 'request body is not JSON');
  }
}
