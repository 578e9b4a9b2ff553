/**
 * How an EtcdMetaStore lays out its root in etcd, and the byte formats it stores there. Under `<root>/`:
 *
 *   rev        the store-local revision counter: the decimal revision of the last write ("17")
 *   kv/<key>   one entry per MetaStore key, its value wrapped in an envelope: "q1:<modRevision>:<value>"
 *
 * The envelope carries the store-local revision at which the key was written, so reads and watches report
 * local revisions without any lookup. Everything here is pure (no etcd client), so it is cheap to test.
 * The limits keep every request well below etcd's defaults (--max-request-bytes 1.5 MiB, --max-txn-ops 128):
 * an oversized request is refused here, before it can reach etcd and trip the client's circuit breaker.
 */

import { QuiverError } from '../../errors.js';
import type { MetaCompare, MetaOp } from './meta-store.js';

/** The largest value, in UTF-8 bytes, that one key may hold. */
export const MAX_VALUE_BYTES = 1024 * 1024;
/** The most bytes (keys and envelopes) one write may send: etcd refuses requests over 1.5 MiB. */
export const MAX_WRITE_BYTES = MAX_VALUE_BYTES + 256 * 1024;
/** The most ops one txn may carry: etcd's default limit is 128 and every write also bumps the counter. */
export const MAX_TXN_OPS = 127;

const ENVELOPE_TAG = 'q1:';
const COLON = 0x3a;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// With the u flag a well-formed surrogate pair is one code point, so this matches only lone surrogates,
// which UTF-8 cannot carry: etcd would store U+FFFD and the key or value would silently change.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The etcd key names of one store root. */
export class EtcdKeyspace {
  /** `<root>/`: everything the store owns, and what its watches cover. */
  readonly prefix: Buffer;
  readonly prefixEnd: Buffer;
  readonly counterKey: Buffer;
  readonly dataPrefix: Buffer;

  constructor(readonly root: string) {
    requireWellFormed(root, 'etcd root');
    this.prefix = Buffer.from(root.endsWith('/') ? root : `${root}/`, 'utf8');
    this.prefixEnd = prefixEnd(this.prefix);
    this.counterKey = Buffer.concat([this.prefix, Buffer.from('rev')]);
    this.dataPrefix = Buffer.concat([this.prefix, Buffer.from('kv/')]);
  }

  dataKey(key: string): Buffer {
    return Buffer.concat([this.dataPrefix, Buffer.from(key, 'utf8')]);
  }

  /** The MetaStore key an etcd key stands for, or undefined when it is not a data key of this root. */
  userKey(etcdKey: Buffer): string | undefined {
    if (etcdKey.length <= this.dataPrefix.length || !startsWith(etcdKey, this.dataPrefix)) return undefined;
    try {
      return utf8.decode(etcdKey.subarray(this.dataPrefix.length));
    } catch {
      throw corrupt(etcdKey.toString('utf8'), 'its name is not valid UTF-8');
    }
  }

  isCounter(etcdKey: Buffer): boolean {
    return etcdKey.equals(this.counterKey);
  }

  /** The etcd range [start, end) holding every data key that starts with `prefix`. */
  dataRange(prefix: string): { start: Buffer; end: Buffer } {
    const start = Buffer.concat([this.dataPrefix, Buffer.from(prefix, 'utf8')]);
    return { start, end: prefixEnd(start) };
  }
}

/** The smallest key greater than every key that starts with `prefix` (etcd's prefix range end). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  // Only reachable for a prefix of 0xff bytes, which no root produces (roots are UTF-8 text).
  return Buffer.from([0]);
}

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.subarray(0, prefix.length).equals(prefix);
}

/** Refuses strings that UTF-8 cannot carry unchanged (lone surrogates). */
export function requireWellFormed(s: string, what: string): void {
  if (LONE_SURROGATE.test(s)) {
    throw new QuiverError('INVALID_ARGUMENT', `${what} holds a lone UTF-16 surrogate, which etcd cannot store`);
  }
}

/**
 * Refuses, before anything is sent, what etcd would refuse and what would trip etcd3's circuit breaker:
 * too many ops, a value over MAX_VALUE_BYTES, a write over MAX_WRITE_BYTES, text UTF-8 cannot carry.
 * Runs after the reference txn checks (types, duplicates), so keys and values are strings here.
 */
export function checkWriteLimits(space: EtcdKeyspace, compares: MetaCompare[], ops: MetaOp[]): void {
  for (const c of compares) requireWellFormed(c.key, 'meta key');
  if (ops.length > MAX_TXN_OPS) {
    throw new QuiverError('INVALID_ARGUMENT', `a txn on etcd takes at most ${MAX_TXN_OPS} ops`, {
      expected: MAX_TXN_OPS,
      received: ops.length,
    });
  }
  // Per op: the etcd key plus protobuf framing (16 bytes is generous), and for a put the envelope.
  let total = space.counterKey.length + 32;
  for (const op of ops) {
    requireWellFormed(op.key, 'meta key');
    total += space.dataPrefix.length + Buffer.byteLength(op.key, 'utf8') + 16;
    if (op.type !== 'put') continue;
    requireWellFormed(op.value, `value of "${op.key}"`);
    const bytes = Buffer.byteLength(op.value, 'utf8');
    if (bytes > MAX_VALUE_BYTES) {
      throw new QuiverError('INVALID_ARGUMENT', `value of "${op.key}" is ${bytes} bytes; etcd values stay small`, {
        field: op.key,
        expected: MAX_VALUE_BYTES,
        received: bytes,
      });
    }
    total += ENVELOPE_TAG.length + 17 + bytes;
  }
  if (total > MAX_WRITE_BYTES) {
    throw new QuiverError('INVALID_ARGUMENT', `a write of ${total} bytes is more than etcd takes in one request`, {
      expected: MAX_WRITE_BYTES,
      received: total,
    });
  }
}

export function encodeEnvelope(revision: number, value: string): Buffer {
  return Buffer.concat([Buffer.from(`${ENVELOPE_TAG}${revision}:`, 'latin1'), Buffer.from(value, 'utf8')]);
}

/** Unwraps a stored value; `where` names the etcd key in errors. */
export function decodeEnvelope(bytes: Buffer, where: string): { modRevision: number; value: string } {
  const tag = /^q(\d+):/.exec(bytes.subarray(0, 12).toString('latin1'));
  if (tag !== null && tag[1] !== '1') {
    throw new QuiverError(
      'UNSUPPORTED_FORMAT',
      `etcd key ${where} has envelope version ${tag[1]}; this build reads 1`,
      {
        file: where,
        expected: 1,
        received: Number(tag[1]),
      },
    );
  }
  const end = tag === null ? -1 : bytes.indexOf(COLON, ENVELOPE_TAG.length);
  const modRevision = end < 0 ? Number.NaN : parseRevision(bytes.subarray(ENVELOPE_TAG.length, end));
  if (!(modRevision > 0)) throw corrupt(where, 'its value is not a Quiver envelope');
  try {
    return { modRevision, value: utf8.decode(bytes.subarray(end + 1)) };
  } catch {
    throw corrupt(where, 'its value is not valid UTF-8');
  }
}

export function encodeCounter(revision: number): Buffer {
  return Buffer.from(String(revision), 'latin1');
}

export function decodeCounter(bytes: Buffer, where: string): number {
  const revision = parseRevision(bytes);
  if (!(revision > 0)) throw corrupt(where, 'the revision counter is not a positive integer');
  return revision;
}

/** A positive decimal integer without leading zeros, or NaN. */
function parseRevision(bytes: Buffer): number {
  const text = bytes.toString('latin1');
  return /^[1-9]\d{0,15}$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : Number.NaN;
}

function corrupt(where: string, why: string): QuiverError {
  return new QuiverError('CORRUPT', `etcd key ${where} was not written by an EtcdMetaStore: ${why}`, { file: where });
}
