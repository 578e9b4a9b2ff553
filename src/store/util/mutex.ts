/**
 * A small async mutex. Callers queue critical sections with `run`; they execute one at a time in the order
 * they were queued (FIFO). A section that throws rejects only its own promise: the next one still runs.
 * `KeyedMutex` gives one such queue per key, for state that needs serializing per object, not globally.
 */

export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /**
   * Runs `fn` once every previously queued section has settled.
   * @example
   * const m = new Mutex();
   * await m.run(async () => { await writeSnapshot(); });
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // The chain continues whatever `fn` did, so one failure never poisons the sections behind it.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** One FIFO mutex per key; a key's queue is dropped once it drains, so the map stays small. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
