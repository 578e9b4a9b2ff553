/**
 * Starting and stopping the HTTP server. `close()` shuts down gracefully: `/health` turns 503, the listener stops
 * taking connections, idle keep-alive connections close, and requests in flight (streams included) get until the
 * deadline to finish before their sockets are destroyed. The caller then closes the store, which flushes the WAL.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QuiverError } from '../errors.js';
import { type AppOptions, createApp, type QuiverApp } from './app.js';
import type { ServerContext } from './context.js';

export interface StartOptions extends AppOptions {
  ctx: ServerContext;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** How long `close()` lets requests in flight run. Default 10 s. */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  /** The base URL, e.g. http://127.0.0.1:7700. */
  url: string;
  port: number;
  app: QuiverApp;
  server: Server;
  /** Graceful shutdown; resolves when every connection is gone and the context is disposed. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { ctx, host = '127.0.0.1', port = 7700, shutdownTimeoutMs = 10_000 } = options;
  const app = createApp(ctx, options);
  const server = createServer(app);
  // A slow client must not hold a connection forever before sending its request.
  server.requestTimeout = 5 * 60_000;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(listenError(err, host, port));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      app.quiver.state.draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), shutdownTimeoutMs);
      // Connections that finish a request while draining are closed instead of kept alive.
      const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
      const stop = Date.now() + shutdownTimeoutMs;
      try {
        await closed;
        // A handler may outlive its connection (its client left); let it finish before the embedder and the store
        // go away under it, up to the same deadline.
        await Promise.race([ctx.inFlight.idle(), new Promise((r) => setTimeout(r, Math.max(0, stop - Date.now())))]);
      } finally {
        clearTimeout(deadline);
        clearInterval(idleSweep);
      }
      await ctx.dispose();
    })();
    return closing;
  };
  return { url: `http://${shownHost}:${address.port}`, port: address.port, app, server, close };
}

/** The usual reasons a listen fails, as an IO_ERROR that names the address; anything else as it came. */
function listenError(err: Error, host: string, port: number): Error {
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the port is in use by another process',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    EADDRNOTAVAIL: 'the address is not one of this machine',
    ENOTFOUND: 'the host name does not resolve',
  };
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === undefined ? undefined : reasons[code];
  if (!reason) return err;
  return new QuiverError('IO_ERROR', `cannot listen on ${host}:${port}: ${reason}`, { host, port }, { cause: err });
}
