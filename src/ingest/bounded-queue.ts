/**
 * A small async queue with a capacity: `push` waits while it is full (backpressure on the producer), `pop`
 * waits while it is empty and returns undefined once the queue is closed and drained. `fail` wakes both sides
 * with an error, so neither hangs when the other dies.
 */

export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly capacity: number;
  private closed = false;
  private error: unknown;
  private failed = false;
  private wakeProducer: (() => void) | undefined;
  private wakeConsumer: (() => void) | undefined;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.failed) {
      await new Promise<void>((resolve) => {
        this.wakeProducer = resolve;
      });
    }
    if (this.failed) throw this.error;
    this.items.push(item);
    this.wake('consumer');
  }

  async pop(): Promise<T | undefined> {
    while (this.items.length === 0 && !this.closed && !this.failed) {
      await new Promise<void>((resolve) => {
        this.wakeConsumer = resolve;
      });
    }
    if (this.failed) throw this.error;
    const item = this.items.shift();
    this.wake('producer');
    return item;
  }

  close(): void {
    this.closed = true;
    this.wake('consumer');
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error;
    this.wake('consumer');
    this.wake('producer');
  }

  private wake(side: 'producer' | 'consumer'): void {
    const fn = side === 'producer' ? this.wakeProducer : this.wakeConsumer;
    if (side === 'producer') this.wakeProducer = undefined;
    else this.wakeConsumer = undefined;
    fn?.();
  }
}
