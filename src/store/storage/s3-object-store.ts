/**
 * S3ObjectStore: the ObjectStore over any S3-compatible endpoint (AWS S3, MinIO, Ceph RGW, s3rver), for
 * cluster mode. The only file that imports the AWS SDK. Objects live at `<prefix><key>` in one bucket.
 *
 * - put is one PutObject, or a multipart upload above `multipartThreshold`; either way S3 makes the new object
 *   visible all at once, so readers see the old object or the new one, never a mix.
 * - Every request retries transient failures with backoff under a per-call deadline (s3-retry.ts).
 * - Full reads verify a SHA-256 stored in the object's metadata (s3-integrity.ts explains ranged reads).
 * - S3 has no append: append reads the object, and puts it back longer. That costs the whole object per call,
 *   and two processes appending to one key would lose writes. Cluster mode never appends: its WAL writes
 *   immutable objects and commits them by compare-and-set in etcd, so it needs no conditional writes from S3
 *   (which s3rver and many S3-compatible servers do not support).
 */

import {
  AbortMultipartUploadCommand,
  type BucketLocationConstraint,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  type CreateBucketCommandInput,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { isQuiverError, QuiverError } from '../../errors.js';
import { KeyedMutex } from '../util/mutex.js';
import { validateData, validateObjectKey, validatePrefix, validateRange } from './object-key.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';
import {
  CHECKSUM_META_KEY,
  contentMd5,
  parseContentRange,
  readBody,
  sha256Base64,
  verifyChecksum,
} from './s3-integrity.js';
import { type UploadedPart, uploadInParts } from './s3-multipart.js';
import { type ResolvedS3Options, resolveS3Options, type S3ObjectStoreOptions } from './s3-options.js';
import { withRetry } from './s3-retry.js';

export type { S3ObjectStoreOptions } from './s3-options.js';

function makeClient(o: S3ObjectStoreOptions, region: string | undefined): S3Client {
  return new S3Client({
    endpoint: o.endpoint,
    region,
    credentials: o.credentials,
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    // Retries are ours (s3-retry.ts), so that one deadline covers them all.
    maxAttempts: 1,
    // Left to compute checksums itself, the SDK frames streamed bodies as aws-chunked, which servers that do
    // not know the framing store inside the object. The store does its own integrity checks instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  /** The folder inside the bucket, '' or ending in '/'. */
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly opts: ResolvedS3Options;
  private readonly keyLocks = new KeyedMutex();
  private closed = false;

  private constructor(client: S3Client, opts: ResolvedS3Options) {
    this.client = client;
    this.opts = opts;
    this.bucket = opts.bucket;
    this.prefix = opts.prefix;
  }

  /**
   * Connects, and checks (or with `createBucket`, creates) the bucket.
   * @example
   * const store = await S3ObjectStore.open({ endpoint: 'http://127.0.0.1:9000', bucket: 'quiver', prefix: 'prod' });
   */
  static async open(options: S3ObjectStoreOptions): Promise<S3ObjectStore> {
    const resolved = resolveS3Options(options);
    const store = new S3ObjectStore(makeClient(options, resolved.region), resolved);
    try {
      await store.ensureBucket();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  locate(key: string): string {
    validateObjectKey(key);
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.checkKey(key);
    validateData(data);
    await this.keyLocks.run(key, () => this.upload(key, data, file));
  }

  async get(key: string): Promise<Uint8Array> {
    const file = this.checkKey(key);
    const { body, metadata } = await this.call('get', file, async (signal) => {
      const res = await this.client.send(this.getCommand(key), { abortSignal: signal });
      return { body: await readBody(res.Body, signal, res.ContentLength), metadata: res.Metadata };
    });
    await verifyChecksum(body, metadata, file);
    return body;
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const file = this.checkKey(key);
    validateRange(offset, length);
    const pastEnd = (size: number) =>
      new QuiverError('INVALID_ARGUMENT', `range ${offset}+${length} is past the end of ${file} (${size} bytes)`, {
        file,
        received: { offset, length },
        expected: { size },
      });
    if (length === 0) {
      const info = await this.head(key);
      if (info === undefined) throw new QuiverError('NOT_FOUND', `object not found: ${file}`, { file });
      if (offset > info.size) throw pastEnd(info.size);
      return new Uint8Array(0);
    }
    const range = `bytes=${offset}-${offset + length - 1}`;
    try {
      return await this.call('getRange', file, async (signal) => {
        const res = await this.client.send(this.getCommand(key, range), { abortSignal: signal });
        const body = await readBody(res.Body, signal, res.ContentLength);
        const served = parseContentRange(res.ContentRange, file);
        if (served === undefined) {
          // The server ignored the Range header and sent the whole object, which can at least be verified.
          await verifyChecksum(body, res.Metadata, file);
          if (offset + length > body.length) throw pastEnd(body.length);
          return body.slice(offset, offset + length);
        }
        if (offset + length > served.total) throw pastEnd(served.total);
        if (served.start !== offset || served.end - served.start + 1 < length) {
          throw new QuiverError('IO_ERROR', `getRange of ${file}: asked for ${range}, got ${res.ContentRange}`, {
            file,
            expected: range,
            received: res.ContentRange,
          });
        }
        // Some servers (s3rver on bytes=0-0) send more than asked for, from the right start.
        return body.length === length ? body : body.slice(0, length);
      });
    } catch (err) {
      if (isQuiverError(err, 'INVALID_ARGUMENT') && err.details.rangeNotSatisfiable === true) {
        // The server's refusal does not say how long the object is; the message should.
        const info = await this.head(key);
        if (info === undefined) throw new QuiverError('NOT_FOUND', `object not found: ${file}`, { file });
        throw pastEnd(info.size);
      }
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.checkKey(key);
    const res = await this.headRaw(key, file);
    return res === undefined ? undefined : { key, size: res.size };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.checkOpen();
    validatePrefix(prefix);
    const out: ObjectInfo[] = [];
    const where = `s3://${this.bucket}/${this.prefix}${prefix}`;
    let token: string | undefined;
    do {
      const page = await this.call('list', where, (signal) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ContinuationToken: token,
            MaxKeys: this.opts.listPageSize,
          }),
          { abortSignal: signal },
        ),
      );
      for (const obj of page.Contents ?? []) {
        const key = obj.Key?.slice(this.prefix.length);
        // Objects another tool put under the prefix with names no key can have are not the store's.
        if (key !== undefined && obj.Key?.startsWith(this.prefix) && isValidKey(key)) {
          out.push({ key, size: obj.Size ?? 0 });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && token === undefined) {
        throw new QuiverError('IO_ERROR', `list of ${where}: a truncated page came without a continuation token`, {
          file: where,
        });
      }
    } while (token !== undefined);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const file = this.checkKey(key);
    await this.keyLocks.run(key, async () => {
      try {
        await this.call('delete', file, (signal) =>
          this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }), {
            abortSignal: signal,
          }),
        );
      } catch (err) {
        if (!isQuiverError(err, 'NOT_FOUND')) throw err;
      }
    });
  }

  async append(key: string, data: Uint8Array): Promise<void> {
    const file = this.checkKey(key);
    validateData(data);
    await this.keyLocks.run(key, async () => {
      let prev: Uint8Array | undefined;
      try {
        prev = await this.get(key);
      } catch (err) {
        if (!isQuiverError(err, 'NOT_FOUND')) throw err;
      }
      if (prev !== undefined && data.length === 0) return;
      const next = new Uint8Array((prev?.length ?? 0) + data.length);
      if (prev !== undefined) next.set(prev, 0);
      next.set(data, prev?.length ?? 0);
      await this.upload(key, next, file);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }

  private async upload(key: string, data: Uint8Array, file: string): Promise<void> {
    const sha256 = await sha256Base64(data);
    if (data.length > this.opts.multipartThreshold) {
      await this.uploadMultipart(key, data, sha256, file);
      return;
    }
    const md5 = contentMd5(data);
    await this.call('put', file, (signal) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: data,
          ContentLength: data.length,
          ContentMD5: md5,
          ContentType: 'application/octet-stream',
          Metadata: { [CHECKSUM_META_KEY]: sha256 },
        }),
        { abortSignal: signal },
      ),
    );
  }

  private async uploadMultipart(key: string, data: Uint8Array, sha256: string, file: string): Promise<void> {
    const Bucket = this.bucket;
    const Key = this.prefix + key;
    const send = <T>(op: string, run: (signal: AbortSignal) => Promise<T>, cancel?: AbortSignal) =>
      this.call(op, file, run, cancel);
    await uploadInParts(
      data,
      { partSize: this.opts.partSize, concurrency: this.opts.partConcurrency },
      {
        create: async () => {
          const res = await send('put (create upload)', (signal) =>
            this.client.send(
              new CreateMultipartUploadCommand({
                Bucket,
                Key,
                ContentType: 'application/octet-stream',
                Metadata: { [CHECKSUM_META_KEY]: sha256 },
              }),
              { abortSignal: signal },
            ),
          );
          if (!res.UploadId) throw new QuiverError('IO_ERROR', `put of ${file}: no upload id came back`, { file });
          return res.UploadId;
        },
        uploadPart: async (UploadId, PartNumber, body, cancel) => {
          const md5 = contentMd5(body);
          const res = await send(
            `put (part ${PartNumber})`,
            (signal) =>
              this.client.send(
                new UploadPartCommand({
                  Bucket,
                  Key,
                  UploadId,
                  PartNumber,
                  Body: body,
                  ContentLength: body.length,
                  ContentMD5: md5,
                }),
                { abortSignal: signal },
              ),
            cancel,
          );
          if (!res.ETag) throw new QuiverError('IO_ERROR', `put of ${file}: part ${PartNumber} has no ETag`, { file });
          return res.ETag;
        },
        complete: async (UploadId, parts: UploadedPart[]) => {
          try {
            await send('put (complete upload)', (signal) =>
              this.client.send(
                new CompleteMultipartUploadCommand({
                  Bucket,
                  Key,
                  UploadId,
                  MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
                }),
                { abortSignal: signal },
              ),
            );
          } catch (err) {
            // A retried complete whose first try did succeed finds the upload gone; the object tells.
            if (isQuiverError(err) && err.details.s3Code === 'NoSuchUpload') {
              const now = await this.headRaw(key, file);
              if (now?.sha256 === sha256 && now.size === data.length) return;
            }
            throw err;
          }
        },
        abort: async (UploadId) => {
          await send('put (abort upload)', (signal) =>
            this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }), { abortSignal: signal }),
          );
        },
      },
    );
  }

  private async headRaw(key: string, file: string): Promise<{ size: number; sha256?: string } | undefined> {
    try {
      const res = await this.call('head', file, (signal) =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }), {
          abortSignal: signal,
        }),
      );
      return { size: res.ContentLength ?? 0, sha256: res.Metadata?.[CHECKSUM_META_KEY] };
    } catch (err) {
      if (isQuiverError(err, 'NOT_FOUND')) return undefined;
      throw err;
    }
  }

  private async ensureBucket(): Promise<void> {
    const { region } = this.opts;
    const where = `s3://${this.bucket}`;
    const Bucket = this.bucket;
    if (this.opts.createBucket) {
      const input: CreateBucketCommandInput = { Bucket };
      // us-east-1 is the one region that refuses a location constraint naming itself.
      if (region !== undefined && region !== 'us-east-1') {
        input.CreateBucketConfiguration = { LocationConstraint: region as BucketLocationConstraint };
      }
      try {
        await this.call('create bucket', where, (signal) =>
          this.client.send(new CreateBucketCommand(input), { abortSignal: signal }),
        );
        return;
      } catch (err) {
        const code = isQuiverError(err) ? err.details.s3Code : undefined;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
        // Already there: fall through and check that it is ours to use.
      }
    }
    try {
      await this.call('open bucket', where, (signal) =>
        this.client.send(new HeadBucketCommand({ Bucket }), { abortSignal: signal }),
      );
    } catch (err) {
      if (!isQuiverError(err, 'NOT_FOUND')) throw err;
      throw new QuiverError('NOT_FOUND', `bucket ${where} does not exist (pass createBucket: true to create it)`, {
        file: where,
      });
    }
  }

  private getCommand(key: string, range?: string): GetObjectCommand {
    return new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Range: range });
  }

  private call<T>(op: string, file: string, run: (signal: AbortSignal) => Promise<T>, cancel?: AbortSignal) {
    return withRetry(op, file, this.opts.retry, run, cancel);
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new QuiverError('CLOSED', `object store s3://${this.bucket}/${this.prefix} is closed`, {
        file: `s3://${this.bucket}/${this.prefix}`,
      });
    }
  }

  private checkKey(key: string): string {
    this.checkOpen();
    return this.locate(key);
  }
}

function isValidKey(key: string): boolean {
  try {
    validateObjectKey(key);
    return true;
  } catch {
    return false;
  }
}
