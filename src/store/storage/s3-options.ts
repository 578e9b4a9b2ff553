/**
 * Options of S3ObjectStore, and the one place their defaults are filled in and checked. Kept apart from the
 * store so that the store file holds only the S3 calls.
 */

import { QuiverError } from '../../errors.js';
import { validateObjectKey } from './object-key.js';
import type { RetryEvent, RetryPolicy } from './s3-retry.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** An S3-compatible endpoint, e.g. http://127.0.0.1:9000. Default: AWS S3 for the region. */
  endpoint?: string;
  /** Default: AWS_REGION, else us-east-1 with a custom endpoint, else the SDK's default chain. */
  region?: string;
  /** A folder inside the bucket that holds this store's objects, e.g. `quiver/prod`. Default: the bucket root. */
  prefix?: string;
  /** Default: the SDK's default chain (environment, shared config files, instance or container roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Bucket in the URL path rather than the host name. Default: true with a custom endpoint. */
  forcePathStyle?: boolean;
  /** Create the bucket when it does not exist. Default false: open() fails with NOT_FOUND instead. */
  createBucket?: boolean;
  /** Objects larger than this go up as multipart uploads. Default 16 MiB. */
  multipartThreshold?: number;
  /** Part size of multipart uploads; AWS wants at least 5 MiB. Default 8 MiB. */
  partSize?: number;
  /** Parts of one upload in flight at once. Default 4. */
  partConcurrency?: number;
  /** Most attempts per request, the first included. Default 8. */
  maxAttempts?: number;
  /** Deadline of each request (an upload part, a GET, one page of a list), retries included. Default 60 s. */
  deadlineMs?: number;
  /** Timeout of one attempt; a timed-out attempt is retried while the deadline allows. Default 20 s. */
  attemptTimeoutMs?: number;
  /** First backoff, doubled per retry up to `retryMaxDelayMs`. Defaults 100 ms and 5 s. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Keys per ListObjectsV2 page. Default 1000 (the S3 maximum). */
  listPageSize?: number;
  /** Called before each retry, for logs and metrics. */
  onRetry?: (event: RetryEvent) => void;
}

/** Options with every default filled in. */
export interface ResolvedS3Options {
  bucket: string;
  /** undefined: left to the SDK's default chain. */
  region: string | undefined;
  prefix: string;
  createBucket: boolean;
  multipartThreshold: number;
  partSize: number;
  partConcurrency: number;
  listPageSize: number;
  retry: RetryPolicy;
}

const MiB = 1024 * 1024;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new QuiverError('INVALID_ARGUMENT', `S3ObjectStore option ${name} must be a positive integer`, {
      field: name,
      received: value,
    });
  }
  return value;
}

/** Fills in defaults; throws INVALID_ARGUMENT for a bad bucket name, prefix or number. */
export function resolveS3Options(o: S3ObjectStoreOptions): ResolvedS3Options {
  if (typeof o?.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(o.bucket)) {
    throw new QuiverError('INVALID_ARGUMENT', 'S3ObjectStore needs a valid bucket name (3-63 of [a-z0-9.-])', {
      field: 'bucket',
      received: o?.bucket,
    });
  }
  const prefix = (o.prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix !== '') validateObjectKey(prefix);
  return {
    bucket: o.bucket,
    region: o.region ?? process.env.AWS_REGION ?? (o.endpoint !== undefined ? 'us-east-1' : undefined),
    prefix: prefix === '' ? '' : `${prefix}/`,
    createBucket: o.createBucket ?? false,
    multipartThreshold: positiveInt('multipartThreshold', o.multipartThreshold, 16 * MiB),
    partSize: positiveInt('partSize', o.partSize, 8 * MiB),
    partConcurrency: positiveInt('partConcurrency', o.partConcurrency, 4),
    listPageSize: Math.min(1000, positiveInt('listPageSize', o.listPageSize, 1000)),
    retry: {
      maxAttempts: positiveInt('maxAttempts', o.maxAttempts, 8),
      deadlineMs: positiveInt('deadlineMs', o.deadlineMs, 60_000),
      attemptTimeoutMs: positiveInt('attemptTimeoutMs', o.attemptTimeoutMs, 20_000),
      baseDelayMs: positiveInt('retryBaseDelayMs', o.retryBaseDelayMs, 100),
      maxDelayMs: positiveInt('retryMaxDelayMs', o.retryMaxDelayMs, 5_000),
      onRetry: o.onRetry,
    },
  };
}
