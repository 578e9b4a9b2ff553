/**
 * Writing Server-Sent Events: headers that stop proxies from buffering, one `event:`/`data:` pair per event with
 * the data as one line of JSON (so no payload can break the framing), a comment heartbeat that keeps idle
 * connections open, and waiting on backpressure so a slow client cannot make the server buffer without bound.
 */

import { once } from 'node:events';
import type { Response } from 'express';

export class SseWriter {
  readonly #res: Response;
  readonly #heartbeat: NodeJS.Timeout;
  #id = 0;

  constructor(res: Response, heartbeatMs = 15_000) {
    this.#res = res;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), heartbeatMs);
    this.#heartbeat.unref();
    res.once('close', () => clearInterval(this.#heartbeat));
  }

  get closed(): boolean {
    return this.#res.writableEnded || this.#res.destroyed;
  }

  /** Sends one event; resolves once the socket has taken it (or at once if the client is gone). */
  async send(event: string, data: unknown): Promise<void> {
    this.#id += 1;
    if (!this.#write(`id: ${this.#id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`) && !this.closed) {
      await Promise.race([once(this.#res, 'drain'), once(this.#res, 'close')]);
    }
  }

  end(): void {
    clearInterval(this.#heartbeat);
    if (!this.closed) this.#res.end();
  }

  #write(text: string): boolean {
    if (this.closed) return true;
    return this.#res.write(text);
  }
}
