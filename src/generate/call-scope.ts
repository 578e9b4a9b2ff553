/**
 * One chat call's cancellation: the caller's signal, the overall deadline, the first-token deadline and the
 * consumer leaving early all feed one AbortController, and whichever fires first decides the error the caller
 * sees (ABORTED or TIMEOUT).
 */

import { QuiverError } from '../errors.js';
import { AttemptFailure } from './chat-wire.js';

type Stop = 'aborted' | 'timeout' | 'first-token' | 'closed';

/** One call's cancellation: whichever of the caller's signal, the deadlines or `dispose` comes first wins. */
export class CallScope {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #timeoutMs: number;
  readonly #firstTokenMs: number | undefined;
  readonly #deadline: NodeJS.Timeout;
  #firstToken: NodeJS.Timeout | undefined;
  #stop: Stop | undefined;
  readonly #onAbort = (): void => this.#halt('aborted');

  constructor(caller: AbortSignal | undefined, timeoutMs: number, firstTokenMs: number | undefined) {
    this.#caller = caller;
    this.#timeoutMs = timeoutMs;
    this.#firstTokenMs = firstTokenMs;
    if (caller?.aborted) this.#halt('aborted');
    caller?.addEventListener('abort', this.#onAbort, { once: true });
    this.#deadline = setTimeout(() => this.#halt('timeout'), timeoutMs);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get stopped(): boolean {
    return this.#stop !== undefined;
  }

  armFirstToken(): void {
    if (this.#firstTokenMs === undefined) return;
    clearTimeout(this.#firstToken);
    this.#firstToken = setTimeout(() => this.#halt('first-token'), this.#firstTokenMs);
  }

  disarmFirstToken(): void {
    clearTimeout(this.#firstToken);
  }

  /** The error saying why the call stopped. */
  error(cause?: unknown): QuiverError {
    const inner = cause instanceof AttemptFailure ? cause.error : cause;
    const options = inner === undefined ? undefined : { cause: inner };
    switch (this.#stop) {
      case 'timeout':
        return new QuiverError(
          'TIMEOUT',
          `no complete answer within ${this.#timeoutMs} ms`,
          { timeoutMs: this.#timeoutMs },
          options,
        );
      case 'first-token':
        return new QuiverError(
          'TIMEOUT',
          `no first token within ${this.#firstTokenMs} ms`,
          { firstTokenTimeoutMs: this.#firstTokenMs },
          options,
        );
      default:
        return new QuiverError('ABORTED', 'generation was aborted', {}, options);
    }
  }

  /** Waits `ms`, or rejects with `error()` as soon as the call stops. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(this.error());
      const onStop = (): void => {
        clearTimeout(timer);
        reject(this.error());
      };
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onStop);
        resolve();
      }, ms);
      this.signal.addEventListener('abort', onStop, { once: true });
    });
  }

  /** Ends the call: clears the timers and cancels whatever is still in flight. */
  dispose(): void {
    clearTimeout(this.#deadline);
    clearTimeout(this.#firstToken);
    this.#caller?.removeEventListener('abort', this.#onAbort);
    this.#halt('closed');
  }

  #halt(stop: Stop): void {
    if (this.#stop !== undefined) return;
    this.#stop = stop;
    this.#controller.abort();
  }
}
