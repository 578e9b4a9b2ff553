/**
 * Counts the route handlers still running. A handler can outlive its connection (the client left, the socket
 * closed, but the handler is still awaiting the store), so shutdown waits for this count to reach zero, not just
 * for the sockets to close, before it releases the embedder and the store under them.
 */

import type { RequestHandler } from 'express';

export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.#count += 1;
    try {
      return await work();
    } finally {
      this.#count -= 1;
      if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /** Resolves when nothing is running (at once if nothing is). */
  idle(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** A handler counted while it runs, its rejection passed on to express's error handling. */
  track(handler: RequestHandler): RequestHandler {
    return (req, res, next) => this.run(async () => handler(req, res, next));
  }
}
