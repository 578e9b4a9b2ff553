/**
 * S3ObjectStore: its retry and multipart logic alone (no server), the ObjectStore contract against a real S3
 * server (s3rver: CI's at QUIVER_TEST_S3, else a throwaway one), and what only S3 has: multipart uploads, the
 * stored checksum catching bytes changed behind the store's back, exact ranged reads, retries through a server
 * outage and injected 5xx/429 answers, no retries on 4xx, and deadlines against dead or silent endpoints.
 */

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QuiverError } from '../../src/errors.js';
import { MAX_PARTS, type MultipartOps, planParts, uploadInParts } from '../../src/store/storage/s3-multipart.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../src/store/storage/s3-object-store.js';
import {
  backoffDelay,
  classifyS3Error,
  type RetryEvent,
  type RetryPolicy,
  withRetry,
} from '../../src/store/storage/s3-retry.js';
import { runObjectStoreContract } from '../contracts/object-store.contract.js';
import { expectCode } from '../helpers/errors.js';
import {
  createTestBucket,
  emptyPrefix,
  type FaultProxy,
  freePort,
  makeS3Client,
  removeBucket,
  S3RVER_CREDENTIALS,
  type S3TestServer,
  s3SkipReason,
  startBlackHole,
  startFaultProxy,
  testS3Server,
} from '../helpers/s3.js';

const KiB = 1024;

/** An error shaped like the SDK's service errors. */
function s3Error(name: string, status?: number): Error {
  const err = new Error(`${name} happened`);
  err.name = name;
  return Object.assign(err, status === undefined ? {} : { $metadata: { httpStatusCode: status } });
}

function netError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

const fastPolicy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 4,
  deadlineMs: 5_000,
  attemptTimeoutMs: 5_000,
  baseDelayMs: 1,
  maxDelayMs: 4,
  ...over,
});

describe('S3 retry policy (no server)', () => {
  it('retries network errors, 5xx, 429 and throttling; never 4xx or 501', () => {
    for (const err of [
      netError('ECONNREFUSED'),
      netError('ECONNRESET'),
      new AggregateError([netError('ECONNREFUSED')], 'connect failed'),
      s3Error('InternalError', 500),
      s3Error('ServiceUnavailable', 503),
      s3Error('SlowDown', 503),
      s3Error('TooManyRequests', 429),
      s3Error('502', 502),
      s3Error('RequestTimeout', 400),
      s3Error('BadDigest', 400),
    ]) {
      expect(classifyS3Error(err), `${err.name} ${err.message}`).toBe('transient');
    }
    expect(classifyS3Error(s3Error('NoSuchKey', 404))).toBe('not-found');
    expect(classifyS3Error(s3Error('NotFound', 404))).toBe('not-found');
    expect(classifyS3Error(s3Error('InvalidRange', 416))).toBe('invalid-range');
    for (const err of [
      s3Error('AccessDenied', 403),
      s3Error('NoSuchBucket', 404),
      s3Error('NoSuchUpload', 404),
      s3Error('InvalidArgument', 400),
      s3Error('NotImplemented', 501),
      new Error('something unrelated'),
      new QuiverError('CORRUPT', 'bad bytes'),
    ]) {
      expect(classifyS3Error(err), err.name).toBe('fatal');
    }
  });

  it('backs off between half and all of a doubling, capped delay', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    for (let i = 0; i < 200; i++) {
      const d1 = backoffDelay(1, policy);
      const d3 = backoffDelay(3, policy);
      const d9 = backoffDelay(9, policy);
      expect(d1).toBeGreaterThanOrEqual(50);
      expect(d1).toBeLessThanOrEqual(100);
      expect(d3).toBeGreaterThanOrEqual(200);
      expect(d3).toBeLessThanOrEqual(400);
      expect(d9).toBeGreaterThanOrEqual(500);
      expect(d9).toBeLessThanOrEqual(1000);
    }
  });

  it('retries a transient failure and returns the later success', async () => {
    const events: RetryEvent[] = [];
    let calls = 0;
    const got = await withRetry('get', 's3://b/k', fastPolicy({ onRetry: (e) => events.push(e) }), async () => {
      calls++;
      if (calls < 3) throw s3Error('SlowDown', 503);
      return 'ok';
    });
    expect(got).toBe('ok');
    expect(calls).toBe(3);
    expect(events.map((e) => [e.op, e.file, e.attempt])).toEqual([
      ['get', 's3://b/k', 1],
      ['get', 's3://b/k', 2],
    ]);
  });

  it('does not retry a 4xx, and maps NoSuchKey to NOT_FOUND with the file', async () => {
    let calls = 0;
    const err = await expectCode(
      withRetry('get', 's3://b/k', fastPolicy(), async () => {
        calls++;
        throw s3Error('NoSuchKey', 404);
      }),
      'NOT_FOUND',
    );
    expect(calls).toBe(1);
    expect(err.details.file).toBe('s3://b/k');
    calls = 0;
    const denied = await expectCode(
      withRetry('put', 's3://b/k', fastPolicy(), async () => {
        calls++;
        throw s3Error('AccessDenied', 403);
      }),
      'IO_ERROR',
    );
    expect(calls).toBe(1);
    expect(denied.details).toMatchObject({ s3Code: 'AccessDenied', httpStatus: 403, attempts: 1 });
  });

  it('gives up after maxAttempts with IO_ERROR naming the last error', async () => {
    let calls = 0;
    const err = await expectCode(
      withRetry('put', 's3://b/k', fastPolicy({ maxAttempts: 3 }), async () => {
        calls++;
        throw netError('ECONNREFUSED');
      }),
      'IO_ERROR',
    );
    expect(calls).toBe(3);
    expect(err.details).toMatchObject({ s3Code: 'ECONNREFUSED', attempts: 3 });
  });

  it('times a hung attempt out, retries it, and ends in TIMEOUT at the deadline', async () => {
    let calls = 0;
    const started = Date.now();
    const err = await expectCode(
      withRetry(
        'get',
        's3://b/k',
        fastPolicy({ maxAttempts: 100, attemptTimeoutMs: 60, deadlineMs: 400 }),
        (signal) => {
          calls++;
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
        },
      ),
      'TIMEOUT',
    );
    const elapsed = Date.now() - started;
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(1500);
    expect(err.details.file).toBe('s3://b/k');
  });

  it('stops with ABORTED when cancelled', async () => {
    const cancel = new AbortController();
    const p = withRetry(
      'put',
      's3://b/k',
      fastPolicy(),
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      cancel.signal,
    );
    setTimeout(() => cancel.abort(), 20);
    await expectCode(p, 'ABORTED');
  });
});

describe('S3 multipart orchestration (fake S3)', () => {
  interface Fake extends MultipartOps {
    stored: Map<number, Uint8Array>;
    completed: { partNumber: number; etag: string }[] | undefined;
    aborted: number;
    started: number[];
    maxInFlight: number;
  }

  function fake(options: { failPart?: number; failComplete?: boolean } = {}): Fake {
    let inFlight = 0;
    const f: Fake = {
      stored: new Map(),
      completed: undefined,
      aborted: 0,
      started: [],
      maxInFlight: 0,
      create: async () => 'upload-1',
      uploadPart: async (id, n, body, cancel) => {
        expect(id).toBe('upload-1');
        f.started.push(n);
        inFlight++;
        f.maxInFlight = Math.max(f.maxInFlight, inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (cancel.aborted) throw new Error('cancelled');
          if (n === options.failPart) throw s3Error('AccessDenied', 403);
          f.stored.set(n, body.slice());
          return `etag-${n}`;
        } finally {
          inFlight--;
        }
      },
      complete: async (_id, parts) => {
        if (options.failComplete) throw s3Error('InternalError', 500);
        f.completed = parts;
      },
      abort: async () => {
        f.aborted++;
      },
    };
    return f;
  }

  it('plans parts within the 10,000-part limit', () => {
    expect(planParts(100, 30)).toEqual({ partSize: 30, count: 4 });
    expect(planParts(0, 30)).toEqual({ partSize: 30, count: 1 });
    const huge = planParts(MAX_PARTS * 64 + 1, 8);
    expect(huge.count).toBeLessThanOrEqual(MAX_PARTS);
    expect(huge.partSize * huge.count).toBeGreaterThanOrEqual(MAX_PARTS * 64 + 1);
  });

  it('uploads parts in bounded parallel and completes them in order', async () => {
    const data = randomBytes(1000);
    const f = fake();
    await uploadInParts(data, { partSize: 64, concurrency: 3 }, f);
    expect(f.maxInFlight).toBe(3);
    expect(f.completed?.map((p) => p.partNumber)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(f.completed?.every((p) => p.etag === `etag-${p.partNumber}`)).toBe(true);
    const joined = Buffer.concat([...f.stored.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b));
    expect(Buffer.compare(joined, data)).toBe(0);
    expect(f.aborted).toBe(0);
  });

  it('on a failed part: starts no more parts, aborts the upload, never completes, rethrows the first error', async () => {
    const f = fake({ failPart: 4 });
    const err = await uploadInParts(randomBytes(64 * 20), { partSize: 64, concurrency: 2 }, f).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe('AccessDenied');
    expect(f.aborted).toBe(1);
    expect(f.completed).toBeUndefined();
    expect(Math.max(...f.started)).toBeLessThanOrEqual(5);
  });

  it('aborts when the completion fails', async () => {
    const f = fake({ failComplete: true });
    await expect(uploadInParts(randomBytes(200), { partSize: 64, concurrency: 2 }, f)).rejects.toThrow('InternalError');
    expect(f.aborted).toBe(1);
  });
});

const skip = s3SkipReason();

describe.skipIf(skip !== undefined)(`S3ObjectStore against S3${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let server: S3TestServer;
  let raw: S3Client;
  let shared: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    server = await testS3Server();
    raw = makeS3Client(server.endpoint);
    shared = await createTestBucket(raw);
  });

  afterAll(async () => {
    if (raw !== undefined) {
      await removeBucket(raw, shared).catch(() => undefined);
      raw.destroy();
    }
    await server?.stop();
  });

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const openAt = (options: Partial<S3ObjectStoreOptions> & { bucket: string }) =>
    S3ObjectStore.open({ endpoint: server.endpoint, credentials: S3RVER_CREDENTIALS, ...options });

  /** A store over a fresh prefix of the shared bucket, closed after the test. */
  async function fresh(options: Partial<S3ObjectStoreOptions> = {}): Promise<S3ObjectStore> {
    const prefix = `t-${randomUUID()}`;
    const store = await openAt({ bucket: shared, prefix, ...options });
    cleanups.push(
      () => emptyPrefix(raw, shared, `${prefix}/`),
      () => store.close(),
    );
    return store;
  }

  async function proxy(): Promise<FaultProxy> {
    const p = await startFaultProxy(server.endpoint);
    cleanups.push(() => p.close());
    return p;
  }

  runObjectStoreContract('S3ObjectStore (a fresh bucket)', async () => {
    const bucket = `quiver-test-${randomUUID().slice(0, 18)}`;
    return {
      persistent: true,
      open: () => openAt({ bucket, createBucket: true }),
      dispose: () => removeBucket(raw, bucket),
    };
  });

  runObjectStoreContract('S3ObjectStore (a fresh prefix in a shared bucket)', async () => {
    const prefix = `tenant-${randomUUID()}/nested`;
    return {
      persistent: true,
      open: () => openAt({ bucket: shared, prefix }),
      dispose: () => emptyPrefix(raw, shared, `${prefix}/`),
    };
  });

  const multipartOptions = { multipartThreshold: 256 * KiB, partSize: 64 * KiB, partConcurrency: 3 };
  const isPart = (r: { method: string; url: string }) => r.method === 'PUT' && /[?&]partNumber=\d+/.test(r.url);

  it('uploads a large object in parts, byte-exact, and a small one in one PUT', async () => {
    const p = await proxy();
    const store = await fresh({ endpoint: p.endpoint, ...multipartOptions });
    const data = randomBytes(1024 * KiB + 12_345);
    await store.put('big/obj', data);
    expect(p.requests.filter(isPart)).toHaveLength(Math.ceil(data.length / (64 * KiB)));
    expect(p.requests.filter((r) => r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url))).toHaveLength(1);
    expect(p.requests.filter((r) => r.method === 'POST' && /[?&]uploadId=/.test(r.url))).toHaveLength(1);
    expect(await store.head('big/obj')).toEqual({ key: 'big/obj', size: data.length });
    expect(Buffer.compare(await store.get('big/obj'), data)).toBe(0);

    const before = p.requests.length;
    const small = randomBytes(256 * KiB);
    await store.put('small', small);
    expect(p.requests.slice(before).map((r) => r.method)).toEqual(['PUT']);
    expect(Buffer.compare(await store.get('small'), small)).toBe(0);
  });

  it('reads exact ranges, across part boundaries and at both ends', async () => {
    const store = await fresh(multipartOptions);
    const data = randomBytes(512 * KiB + 77);
    await store.put('r', data);
    const ranges: [number, number][] = [
      [0, 1],
      [0, 2],
      [1, 1],
      [64 * KiB - 3, 7],
      [100_000, 300_000],
      [data.length - 1, 1],
      [0, data.length],
    ];
    for (const [offset, length] of ranges) {
      const got = await store.getRange('r', offset, length);
      expect(got.length, `${offset}+${length}`).toBe(length);
      expect(Buffer.compare(got, data.subarray(offset, offset + length)), `${offset}+${length}`).toBe(0);
    }
    const past = await expectCode(store.getRange('r', data.length - 2, 3), 'INVALID_ARGUMENT');
    expect(past.details.expected).toEqual({ size: data.length });
    const beyond = await expectCode(store.getRange('r', data.length, 1), 'INVALID_ARGUMENT');
    expect(beyond.details.expected).toEqual({ size: data.length });
  });

  it('stores a SHA-256 in the metadata and reports a body changed behind its back as CORRUPT', async () => {
    const store = await fresh();
    const data = randomBytes(4096);
    await store.put('c/obj', data);
    const Key = `${store.prefix}c/obj`;
    const head = await raw.send(new HeadObjectCommand({ Bucket: shared, Key }));
    expect(head.Metadata?.['quiver-sha256']).toBe(createHash('sha256').update(data).digest('base64'));

    const flipped = Buffer.from(data);
    flipped[1000] = flipped[1000]! ^ 0x01;
    await raw.send(new PutObjectCommand({ Bucket: shared, Key, Body: flipped, Metadata: head.Metadata }));
    const err = await expectCode(store.get('c/obj'), 'CORRUPT');
    expect(err.details.file).toBe(store.locate('c/obj'));
    expect(err.details.file).toBe(`s3://${shared}/${Key}`);

    await raw.send(
      new PutObjectCommand({ Bucket: shared, Key, Body: data.subarray(0, 4000), Metadata: head.Metadata }),
    );
    await expectCode(store.get('c/obj'), 'CORRUPT');
    // An append reads the object first, so it refuses to build on damaged bytes.
    await expectCode(store.append('c/obj', new Uint8Array([1])), 'CORRUPT');

    await raw.send(new PutObjectCommand({ Bucket: shared, Key, Body: data, Metadata: head.Metadata }));
    expect(Buffer.compare(await store.get('c/obj'), data)).toBe(0);
  });

  it('returns an object another tool wrote without a checksum, unverified', async () => {
    const store = await fresh();
    await raw.send(new PutObjectCommand({ Bucket: shared, Key: `${store.prefix}foreign`, Body: 'plain' }));
    expect(new TextDecoder().decode(await store.get('foreign'))).toBe('plain');
  });

  it('keeps stores under different prefixes apart, and lists only valid keys', async () => {
    const a = await fresh();
    const b = await fresh();
    await a.put('k', new TextEncoder().encode('from a'));
    await b.put('k', new TextEncoder().encode('from b!'));
    await raw.send(new PutObjectCommand({ Bucket: shared, Key: `${a.prefix}has space`, Body: 'x' }));
    expect(await a.list('')).toEqual([{ key: 'k', size: 6 }]);
    expect(await b.list('')).toEqual([{ key: 'k', size: 7 }]);
    expect(a.locate('k')).toBe(`s3://${shared}/${a.prefix}k`);
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: shared, Prefix: a.prefix }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([`${a.prefix}has space`, `${a.prefix}k`]);
  });

  it('follows continuation tokens through every page of a list', async () => {
    const p = await proxy();
    const store = await fresh({ endpoint: p.endpoint, listPageSize: 2 });
    const keys = ['a', 'b/1', 'b/2', 'c', 'd/e/f', 'g', 'h'];
    for (const k of keys) await store.put(k, new Uint8Array([1]));
    const before = p.requests.length;
    expect((await store.list('')).map((o) => o.key)).toEqual(keys);
    expect(p.requests.slice(before).filter((r) => r.method === 'GET' && r.url.includes('list-type=2'))).toHaveLength(4);
  });

  it('rides out a 2.5 s outage in the middle of a multipart put', async () => {
    const p = await proxy();
    const retries: RetryEvent[] = [];
    const store = await fresh({ endpoint: p.endpoint, ...multipartOptions, onRetry: (e) => retries.push(e) });
    const data = randomBytes(1024 * KiB);
    let downAt = 0;
    p.onRequest((r) => {
      if (downAt !== 0 || !/[?&]partNumber=4(&|$)/.test(r.url)) return;
      downAt = Date.now();
      void p.down().then(() => setTimeout(() => void p.up(), 2500));
    });
    await store.put('outage', data);
    expect(downAt).toBeGreaterThan(0);
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(2400);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((e) => e.op.startsWith('put'))).toBe(true);
    expect(Buffer.compare(await store.get('outage'), data)).toBe(0);
  });

  it('waits for a server that is down when a put starts and comes back within the deadline', async () => {
    const p = await proxy();
    const retries: RetryEvent[] = [];
    const store = await fresh({ endpoint: p.endpoint, onRetry: (e) => retries.push(e) });
    await p.down();
    const started = Date.now();
    setTimeout(() => void p.up(), 2000);
    await store.put('later', new TextEncoder().encode('made it'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((e) => (e.error as { code?: string }).code)).toContain('ECONNREFUSED');
    expect(new TextDecoder().decode(await store.get('later'))).toBe('made it');
  });

  it('retries 503 SlowDown, 429 and a bodiless 500, each to success', async () => {
    const p = await proxy();
    const retries: RetryEvent[] = [];
    const store = await fresh({ endpoint: p.endpoint, onRetry: (e) => retries.push(e) });
    const data = new TextEncoder().encode('throttled');
    p.inject({ times: 2, error: { status: 503, code: 'SlowDown' }, when: (r) => r.method === 'PUT' });
    await store.put('t', data);
    expect(p.requests.filter((r) => r.method === 'PUT')).toHaveLength(3);
    p.inject({ times: 1, error: { status: 429, code: 'TooManyRequests' }, when: (r) => r.method === 'GET' });
    expect(new TextDecoder().decode(await store.get('t'))).toBe('throttled');
    p.inject({ times: 1, error: { status: 500, code: 'InternalError' }, when: (r) => r.method === 'HEAD' });
    expect(await store.head('t')).toEqual({ key: 't', size: data.length });
    expect(retries.map((e) => e.op)).toEqual(['put', 'put', 'get', 'head']);
  });

  it('retries a GET whose body is cut off or stalls midway, within the attempt timeout', async () => {
    const p = await proxy();
    const retries: RetryEvent[] = [];
    const store = await fresh({ endpoint: p.endpoint, attemptTimeoutMs: 300, onRetry: (e) => retries.push(e) });
    const data = randomBytes(256 * KiB);
    await store.put('body', data);
    p.inject({ times: 1, cutAfter: 1000, when: (r) => r.method === 'GET' });
    expect(Buffer.compare(await store.get('body'), data)).toBe(0);
    expect(retries).toHaveLength(1);
    p.inject({ times: 1, stallAfter: 1000, when: (r) => r.method === 'GET' });
    const started = Date.now();
    expect(Buffer.compare(await store.getRange('body', 10, 200_000), data.subarray(10, 200_010))).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(retries.map((e) => e.op)).toEqual(['get', 'getRange']);
    expect(p.requests.filter((r) => r.method === 'GET')).toHaveLength(4);
  });

  it('never retries a 4xx: NoSuchKey is NOT_FOUND and AccessDenied is IO_ERROR, each after one request', async () => {
    const p = await proxy();
    const retries: RetryEvent[] = [];
    const store = await fresh({ endpoint: p.endpoint, onRetry: (e) => retries.push(e) });
    const before = p.requests.length;
    await expectCode(store.get('missing'), 'NOT_FOUND');
    expect(p.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
    p.inject({ times: 1, error: { status: 403, code: 'AccessDenied' }, when: (r) => r.method === 'PUT' });
    const err = await expectCode(store.put('denied', new Uint8Array([1])), 'IO_ERROR');
    expect(err.details).toMatchObject({ s3Code: 'AccessDenied', httpStatus: 403, file: store.locate('denied') });
    expect(p.requests.slice(before).map((r) => r.method)).toEqual(['GET', 'PUT']);
    expect(retries).toEqual([]);
  });

  it('aborts a multipart upload whose part fails for good, leaving the previous object', async () => {
    const p = await proxy();
    const store = await fresh({ endpoint: p.endpoint, ...multipartOptions });
    await store.put('keep', new TextEncoder().encode('previous'));
    p.inject({
      times: 1,
      error: { status: 403, code: 'AccessDenied' },
      when: (r) => /[?&]partNumber=3(&|$)/.test(r.url),
    });
    await expectCode(store.put('keep', randomBytes(640 * KiB)), 'IO_ERROR');
    expect(p.requests.filter((r) => r.method === 'DELETE' && /[?&]uploadId=/.test(r.url))).toHaveLength(1);
    expect(p.requests.filter((r) => r.method === 'POST' && /[?&]uploadId=/.test(r.url))).toHaveLength(0);
    expect(new TextDecoder().decode(await store.get('keep'))).toBe('previous');
  });

  it('treats NoSuchUpload on a retried completion as done when the object is the one it uploaded', async () => {
    const p = await proxy();
    const retries: RetryEvent[] = [];
    const store = await fresh({ endpoint: p.endpoint, ...multipartOptions, onRetry: (e) => retries.push(e) });
    const isComplete = (r: { method: string; url: string }) => r.method === 'POST' && /[?&]uploadId=/.test(r.url);
    // The first completion goes through but its answer is lost; the retry finds the upload gone, as AWS says.
    p.inject({ times: 1, cutAfter: 1, when: isComplete });
    p.inject({ times: 1, error: { status: 404, code: 'NoSuchUpload' }, when: isComplete });
    const data = randomBytes(512 * KiB);
    await store.put('done', data);
    expect(p.requests.filter(isComplete)).toHaveLength(2);
    expect(retries.map((e) => e.op)).toEqual(['put (complete upload)']);
    expect(Buffer.compare(await store.get('done'), data)).toBe(0);

    // The same answer for an upload that never completed is an error.
    p.inject({ times: 1, error: { status: 404, code: 'NoSuchUpload' }, when: isComplete });
    const err = await expectCode(store.put('done', randomBytes(512 * KiB)), 'IO_ERROR');
    expect(err.details.s3Code).toBe('NoSuchUpload');
    expect(Buffer.compare(await store.get('done'), data)).toBe(0);
  });

  it('fails fast against an unreachable endpoint, with IO_ERROR or TIMEOUT inside the deadline', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    let started = Date.now();
    const refused = await expectCode(
      openAt({ endpoint, bucket: shared, maxAttempts: 3, deadlineMs: 5_000 }),
      'IO_ERROR',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(refused.details).toMatchObject({ s3Code: 'ECONNREFUSED', attempts: 3 });

    started = Date.now();
    await expectCode(openAt({ endpoint, bucket: shared, maxAttempts: 1000, deadlineMs: 800 }), 'TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_300);

    // A store whose server goes away after it opened.
    const p = await proxy();
    const store = await fresh({ endpoint: p.endpoint, maxAttempts: 2 });
    await p.down();
    const gone = await expectCode(store.get('k'), 'IO_ERROR');
    expect(gone.details).toMatchObject({ s3Code: 'ECONNREFUSED', attempts: 2, file: store.locate('k') });
  });

  it('times out against a server that accepts connections and never answers', async () => {
    const hole = await startBlackHole();
    cleanups.push(() => hole.close());
    const started = Date.now();
    const err = await expectCode(
      openAt({ endpoint: hole.endpoint, bucket: shared, attemptTimeoutMs: 200, deadlineMs: 700 }),
      'TIMEOUT',
    );
    const elapsed = Date.now() - started;
    // It gives up at the deadline, or earlier when the next backoff would end past it; never before two attempts.
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(1_500);
    expect(err.details.attempts).toBeGreaterThanOrEqual(2);
  });

  it('refuses a missing bucket unless asked to create it, and bad options', async () => {
    const bucket = `quiver-test-${randomUUID().slice(0, 18)}`;
    const err = await expectCode(openAt({ bucket }), 'NOT_FOUND');
    expect(err.details.file).toBe(`s3://${bucket}`);
    const created = await openAt({ bucket, createBucket: true });
    cleanups.push(
      () => removeBucket(raw, bucket),
      () => created.close(),
    );
    await created.put('x', new Uint8Array([7]));
    expect([...(await created.get('x'))]).toEqual([7]);
    await expectCode(openAt({ bucket: 'Not_A_Bucket' }), 'INVALID_ARGUMENT');
    await expectCode(openAt({ bucket: shared, partSize: 0 }), 'INVALID_ARGUMENT');
    await expectCode(openAt({ bucket: shared, prefix: 'a/../b' }), 'INVALID_ARGUMENT');
    const trimmed = await openAt({ bucket: shared, prefix: '/p/q/' });
    cleanups.push(() => trimmed.close());
    expect(trimmed.prefix).toBe('p/q/');
    expect(trimmed.locate('k')).toBe(`s3://${shared}/p/q/k`);
  });
});
