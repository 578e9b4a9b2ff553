/**
 * The only file that imports etcd3. It opens a client whose every call runs under one absolute deadline,
 * decides itself which failures to retry, and turns etcd failures into QuiverError codes: TIMEOUT when
 * etcd did not answer in time, IO_ERROR when it failed, INVALID_ARGUMENT when it refused the request,
 * NOT_FOUND (details.compacted) when a revision was compacted away, CLOSED after close().
 *
 * Retries. Reads retry any transient failure until the deadline. A write is retried only when it provably
 * never left (circuit open, no connection): etcd may still apply a write whose answer was lost, so that
 * failure says `details.outcome: 'unknown'`. etcd3's own global retry would resend such a write, so it is
 * replaced with a policy that runs each call once; its per-host circuit breaker (5 s open by default, longer
 * than a call's deadline) is replaced with one that skips a failing host for one second.
 */

import {
  ClientClosedError,
  Etcd3,
  GRPCDeadlineExceededError,
  GRPCInvalidArgumentError,
  GRPCResourceExhastedError,
  type IOptions,
  type IRangeRequest,
  type IRangeResponse,
  type ITxnRequest,
  type ITxnResponse,
  isRecoverableError,
} from 'etcd3';
import { QuiverError } from '../../errors.js';
import type { EtcdWatchStream } from './etcd-watch.js';

export type { IRangeResponse, IRequestOp, IResponseOp } from 'etcd3';

/** 'idempotent': retry any transient failure; 'if-unsent': only failures that prove nothing was sent. */
export type Retry = 'idempotent' | 'if-unsent';

/** etcd's user/password authentication (when the cluster has auth enabled). */
export interface EtcdAuth {
  username: string;
  password: string;
}

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
type Run = (context: { signal: AbortSignal }) => PromiseLike<unknown> | unknown;

const HOST_FAILURES = 3;
const HOST_COOLDOWN_MS = 1000;

// etcd3 only ever calls execute() on its policies, so these implement just that.
function runOnce(): Policy {
  return { execute: async (fn: Run) => fn({ signal: new AbortController().signal }) } as unknown as Policy;
}

/** After HOST_FAILURES transport failures in a row, refuses calls to the host for HOST_COOLDOWN_MS. */
function hostBreaker(host: string): Policy {
  let failures = 0;
  let openUntil = 0;
  let lastFailure = '';
  const execute = async (fn: Run) => {
    if (Date.now() < openUntil) {
      // etcd3 moves on to the next host when the error says the circuit is open.
      const message = `etcd host ${host} skipped after ${HOST_FAILURES} failures in a row (last: ${lastFailure})`;
      throw Object.assign(new Error(message), { isBrokenCircuitError: true });
    }
    try {
      const result = await fn({ signal: new AbortController().signal });
      failures = 0;
      return result;
    } catch (err) {
      if (err instanceof Error && isRecoverableError(err) && ++failures >= HOST_FAILURES) {
        failures = 0;
        openUntil = Date.now() + HOST_COOLDOWN_MS;
        lastFailure = err.message;
      }
      throw err;
    }
  };
  return { execute } as unknown as Policy;
}

export class EtcdClient {
  private closed = false;

  private constructor(
    private readonly etcd: Etcd3,
    readonly deadlineMs: number,
    /** Names the endpoints and root in messages. */
    readonly where: string,
  ) {}

  static create(endpoints: string[], deadlineMs: number, where: string, auth?: EtcdAuth): EtcdClient {
    const etcd = new Etcd3({
      hosts: endpoints,
      ...(auth ? { auth } : {}),
      // Calls below pass their own deadline; this covers anything else. Streams (watches) have none.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + deadlineMs }),
      faultHandling: { global: runOnce(), host: (host) => hostBreaker(host) },
      grpcOptions: {
        // Replies hold up to 128 values of up to 1 MiB; gRPC's default cap is 4 MiB.
        'grpc.max_receive_message_length': -1,
        // Reconnect soon after etcd comes back (gRPC's backoff otherwise grows to two minutes).
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
        // Notice a silently dead server even while only a watch is open (etcd allows pings every 5 s).
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5000,
      },
    });
    return new EtcdClient(etcd, deadlineMs, where);
  }

  range(what: string, deadline: number, req: IRangeRequest): Promise<IRangeResponse> {
    return this.call(what, deadline, 'idempotent', (o) => this.etcd.kv.range(req, o));
  }

  txn(what: string, deadline: number, retry: Retry, req: ITxnRequest): Promise<ITxnResponse> {
    return this.call(what, deadline, retry, (o) => this.etcd.kv.txn(req, o));
  }

  /** A fresh watch stream; etcd3's stream is an EtcdWatchStream, and the cast only bridges its overloaded `on`. */
  async watchStream(): Promise<EtcdWatchStream> {
    return (await this.etcd.watchClient.watch()) as unknown as EtcdWatchStream;
  }

  close(): void {
    this.closed = true;
    this.etcd.close();
  }

  private async call<T>(
    what: string,
    deadline: number,
    retry: Retry,
    fn: (options: { deadline: number }) => Promise<T>,
  ): Promise<T> {
    if (Date.now() >= deadline) {
      // Queued behind other calls until its time ran out: fail without sending anything.
      throw new QuiverError('TIMEOUT', `${this.where}: ${what} ran out of time before it could be sent`, {
        etcd: this.where,
      });
    }
    for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
      try {
        return await fn({ deadline });
      } catch (err) {
        const retryable = retry === 'idempotent' ? isTransient(err) : notSent(err);
        if (retryable && !this.closed && Date.now() + delay < deadline) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        throw this.toQuiverError(err, what, retry === 'if-unsent' && !notSent(err));
      }
    }
  }

  private toQuiverError(err: unknown, what: string, outcomeUnknown: boolean): QuiverError {
    const message = err instanceof Error ? err.message : String(err);
    const details = { etcd: this.where, ...(outcomeUnknown ? { outcome: 'unknown' } : {}) };
    const options = { cause: err };
    if (err instanceof ClientClosedError || this.closed) {
      return new QuiverError('CLOSED', `${this.where} is closed`, {}, options);
    }
    if (/required revision has been compacted/.test(message)) {
      return new QuiverError('NOT_FOUND', `${this.where}: ${what}: ${message}`, { compacted: true }, options);
    }
    if (err instanceof GRPCDeadlineExceededError) {
      const text = `${this.where}: ${what} got no answer within ${this.deadlineMs} ms: ${message}`;
      return new QuiverError('TIMEOUT', text, details, options);
    }
    if (err instanceof GRPCInvalidArgumentError || err instanceof GRPCResourceExhastedError) {
      return new QuiverError('INVALID_ARGUMENT', `${this.where}: etcd refused the ${what}: ${message}`, {}, options);
    }
    return new QuiverError('IO_ERROR', `${this.where}: ${what} failed: ${message}`, details, options);
  }
}

/** Worth retrying a read: network and server faults and an open circuit, but not a spent deadline. */
function isTransient(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof GRPCDeadlineExceededError) return false;
  return isRecoverableError(err) || notSent(err);
}

/** The request provably never reached etcd: a circuit breaker stopped it, or there was no connection. */
function notSent(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return 'isBrokenCircuitError' in err || /No connection established/.test(err.message);
}
