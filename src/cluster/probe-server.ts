/**
 * A tiny HTTP server for a role's probes: `GET /healthz` (the process runs) and `GET /readyz` (the role can do its
 * work), each answering 200 or 503 with a JSON body. Used by the coordinator; the query node and the proxy
 * answer the same paths on their own servers.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Probes {
  ready(): Promise<{ ready: boolean; [key: string]: unknown }>;
}

export async function startProbeServer(
  probes: Probes,
  host: string,
  port: number,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && path === '/healthz') return send(200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      probes.ready().then(
        (r) => send(r.ready ? 200 : 503, r),
        (err: Error) => send(503, { ready: false, error: err.message }),
      );
      return;
    }
    send(404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://${host}:${bound}`, server };
}
