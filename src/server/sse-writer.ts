/**
 * Writing Server-Sent Events: headers that stop proxies from buffering or transforming the stream, one
 * `id:`/`event:`/`data:` block per event with the data as one line of JSON (JSON escapes every newline, so no
 * payload can break the framing), a comment heartbeat that keeps idle connections open, and waiting on
 * backpressure so a slow client cannot make the server buffer without bound.
 */

import type { Response } from 'express';

export interface SseWriterOptions {
  /** How often a `: keep-alive` comment goes out. Default 15 s, under the usual 30–60 s proxy idle timeouts. */
  heartbeatMs?: number;
}

export class SseWriter {
  readonly #res: Response;
  readonly #heartbeat: NodeJS.Timeout;
  #id = 0;
  #closed = false;

  /** Sends the status and headers at once, so the client knows the stream has begun. */
  constructor(res: Response, options: SseWriterOptions = {}) {
    this.#res = res;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
    this.#heartbeat.unref();
    res.once('close', () => {
      this.#closed = true;
      clearInterval(this.#heartbeat);
    });
  }

  /** True once the stream was ended or the client went away: nothing more can be sent. */
  get closed(): boolean {
    return this.#closed || this.#res.writableEnded || this.#res.destroyed;
  }

  /** Sends one event; resolves once the socket has taken it (at once if the client is gone). */
  async send(event: string, data: unknown): Promise<void> {
    if (!/^[\w-]+$/.test(event)) throw new TypeError(`not an SSE event name: ${JSON.stringify(event)}`);
    this.#id += 1;
    if (this.#write(`id: ${this.#id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#res.off('drain', done);
        this.#res.off('close', done);
        resolve();
      };
      this.#res.on('drain', done);
      this.#res.on('close', done);
    });
  }

  end(): void {
    clearInterval(this.#heartbeat);
    if (!this.closed) this.#res.end();
  }

  /** Writes unless closed; false when the socket's buffer is full and the caller should wait for `drain`. */
  #write(text: string): boolean {
    if (this.closed) return true;
    return this.#res.write(text);
  }
}
