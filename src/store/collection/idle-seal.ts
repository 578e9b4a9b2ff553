/**
 * Seals a growing segment that writes have left alone. A growing segment is searched by exact scan, which is
 * cheap while it is small and young but not for a collection that was loaded once and then only read (a
 * 9,855-row corpus under the 10,000-row seal size was scanned on every query, 512 floats a row). Milvus seals
 * idle segments for the same reason. This is only the timer: every write re-arms it, and when it fires the
 * collection decides whether the growing segment is worth sealing.
 */

export class IdleSealTimer {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  /** `afterMs` 0 disables the timer. */
  constructor(
    private readonly afterMs: number,
    private readonly fire: () => void,
  ) {}

  /** (Re)starts the countdown; called after every write. */
  touch(): void {
    if (this.afterMs <= 0 || this.#stopped) return;
    if (this.#timer === undefined) {
      // unref: an idle timer never keeps a process alive (a CLI that wrote and is done may exit).
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (!this.#stopped) this.fire();
      }, this.afterMs).unref();
    } else {
      this.#timer.refresh();
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
