/**
 * `POST /ingest`: documents into a chunk collection, in two forms. A multipart upload (`file` fields) is saved to
 * a private temporary folder under sanitised names and ingested with the source `uploads/<name>`, so uploading a
 * file of the same name again replaces its chunks instead of adding a second copy; the folder is removed before
 * the answer. A JSON body `{ paths }` names server-side files or folders, allowed only inside the configured
 * `server.ingestRoots`: each path is resolved through symlinks, and a folder's links to files are checked too,
 * so no `..` or link can reach outside a root. Ingests into one collection run one at a time; the answer is the
 * ingest summary with the time spent queued and ingesting.
 */

import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { QuiverError } from '../../errors.js';
import type { IngestPath } from '../../ingest/ingest.js';
import { embedderModelId } from '../../pipeline/create-embedder.js';
import { runIngest } from '../../pipeline/run-ingest.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../http-errors.js';
import { documentRoute } from '../openapi.js';
import { requireScope } from '../scopes.js';
import { parseRequest } from '../validate.js';

/** Most files one upload may carry. */
export const MAX_UPLOAD_FILES = 100;

const collectionName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,254}$/, 'letters, digits, _ and -');

export const ingestBody = z.strictObject({
  paths: z.array(z.string().min(1).max(4096)).min(1).max(1000),
  collection: collectionName.optional(),
  prune: z.boolean().optional(),
});
const uploadFields = z.strictObject({ collection: collectionName.optional() });

const ingestSummary = {
  type: 'object',
  properties: {
    collection: { type: 'string' },
    files: { type: 'object' },
    documents: { type: 'object' },
    chunks: { type: 'object', properties: { written: { type: 'integer' }, deleted: { type: 'integer' } } },
    seconds: { type: 'number' },
    timings: {
      type: 'object',
      properties: { queuedSeconds: { type: 'number' }, ingestSeconds: { type: 'number' } },
    },
  },
};
documentRoute({
  method: 'post',
  path: '/ingest',
  summary:
    'Ingest uploaded files (multipart/form-data, fields "file" and optional "collection"), or, with a JSON body, ' +
    'server-side paths inside server.ingestRoots',
  tag: 'rag',
  scope: 'write',
  body: ingestBody,
  response: ingestSummary,
});

/** A client's file name as a safe base name, or an error saying why it is not one. */
export function safeFileName(original: string): string {
  const base = original.replace(/\\/g, '/').split('/').pop() ?? '';
  // Control characters (NUL included) never belong in a file name; 255 bytes is the usual file system limit.
  const cleaned = base.replace(/\p{Cc}/gu, '').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..' || Buffer.byteLength(cleaned) > 255) {
    throw new QuiverError('INVALID_ARGUMENT', `the upload's file name ${JSON.stringify(original)} is not usable`, {
      field: 'file',
    });
  }
  return cleaned;
}

/**
 * Each of `paths` resolved through symlinks, if it lies inside one of `roots` (also resolved); else FORBIDDEN, or
 * NOT_FOUND for a missing path inside a root. Links inside a folder are checked by the ingest walk itself, which is
 * confined to the real roots returned here (`within`), before any file is read or written.
 */
async function allowedPaths(
  paths: readonly string[],
  roots: readonly string[],
): Promise<{ paths: string[]; realRoots: string[] }> {
  if (roots.length === 0) {
    throw new HttpError(
      'FORBIDDEN',
      'this server takes no server-side paths; upload files instead, or list folders in server.ingestRoots',
    );
  }
  const realRoots: string[] = [];
  for (const root of roots) {
    const real = await realpath(root).catch(() => undefined);
    if (real !== undefined) realRoots.push(real);
  }
  const inside = (real: string) => realRoots.some((root) => within(real, root));
  const out: string[] = [];
  for (const path of paths) {
    if (!isAbsolute(path)) {
      throw new HttpError(
        'FORBIDDEN',
        `paths must be absolute and inside server.ingestRoots; got ${JSON.stringify(path)}`,
      );
    }
    const real = await realpath(path).catch(() => undefined);
    if (real === undefined) {
      // Say "not found" only for paths inside a root, so the answer does not probe the rest of the disk.
      if ([...roots, ...realRoots].some((root) => within(path, root))) {
        throw new QuiverError('NOT_FOUND', `no such file or folder: ${path}`, { file: path });
      }
      throw new HttpError('FORBIDDEN', `${path} is outside server.ingestRoots`);
    }
    if (!inside(real)) throw new HttpError('FORBIDDEN', `${path} is outside server.ingestRoots`);
    out.push(real);
  }
  return { paths: out, realRoots };
}

function within(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export function ingestRoutes(ctx: ServerContext, options: { uploadLimit: number }): Router {
  const router = Router();
  const queues = new Map<string, Promise<unknown>>();
  /** Runs `task` after every earlier ingest into `collection` has finished. */
  const serial = <T>(collection: string, task: () => Promise<T>): Promise<T> => {
    const run = (queues.get(collection) ?? Promise.resolve()).catch(() => {}).then(task);
    queues.set(collection, run);
    run
      .finally(() => {
        if (queues.get(collection) === run) queues.delete(collection);
      })
      .catch(() => {}); // the caller sees the failure through `run`
    return run;
  };
  const ingestInto = async (collection: string, paths: IngestPath[], prune: boolean, within?: readonly string[]) => {
    const queued = performance.now();
    let started = queued;
    const summary = await serial(collection, () => {
      started = performance.now();
      return runIngest({
        db: ctx.db,
        collectionName: collection,
        config: ctx.config,
        embedder: ctx.embedder,
        modelId: embedderModelId(ctx.config.embedder),
        paths,
        prune,
        within,
      });
    });
    // Time spent waiting behind other ingests is reported, but not counted as ingest time in the metrics.
    const ingestSeconds = (performance.now() - started) / 1000;
    ctx.metrics.observeIngest(summary.documents.written, summary.chunks.written, ingestSeconds);
    return { collection, ...summary, timings: { queuedSeconds: (started - queued) / 1000, ingestSeconds } };
  };

  /** Streams the request's files to disk in `folder` (under random names) within the size limits. */
  const upload = (folder: string) =>
    multer({
      storage: multer.diskStorage({ destination: folder, filename: (_req, _file, cb) => cb(null, randomUUID()) }),
      limits: { fileSize: options.uploadLimit, files: MAX_UPLOAD_FILES, fields: 10, parts: MAX_UPLOAD_FILES + 10 },
      // Browsers and fetch send file names as raw UTF-8; busboy's default (latin1) would garble "café.md".
      defParamCharset: 'utf8',
    }).array('file', MAX_UPLOAD_FILES);

  router.post(
    '/ingest',
    requireScope('write'),
    ctx.inFlight.track(async (req, res) => {
      if (!req.is('multipart/form-data')) {
        const body = parseRequest(ingestBody, req.body);
        const { paths, realRoots } = await allowedPaths(body.paths, ctx.ingestRoots);
        res.json(await ingestInto(body.collection ?? ctx.collectionName, paths, body.prune ?? false, realRoots));
        return;
      }
      const folder = await mkdtemp(join(tmpdir(), 'quiver-upload-'));
      let result: Awaited<ReturnType<typeof ingestInto>>;
      try {
        await new Promise<void>((resolve, reject) =>
          upload(folder)(req, res, (err) => (err ? reject(uploadError(err)) : resolve())),
        );
        const files = (req.files as Express.Multer.File[] | undefined) ?? [];
        const fields = parseRequest(uploadFields, { ...req.body }, 'form');
        if (files.length === 0) {
          throw new QuiverError('INVALID_ARGUMENT', 'the upload has no "file" field', { field: 'file' });
        }
        const names = files.map((f) => safeFileName(f.originalname));
        const dup = names.find((n, i) => names.indexOf(n) !== i);
        if (dup)
          throw new QuiverError('INVALID_ARGUMENT', `two uploaded files are both named ${dup}`, { field: 'file' });
        const paths: IngestPath[] = [];
        for (const [i, file] of files.entries()) {
          // One folder per file, named by the client's (sanitised) name, so the loader sees its extension.
          const dir = join(folder, `f${i}`);
          await mkdir(dir);
          const path = join(dir, names[i]!);
          await rename(file.path, path);
          paths.push({ path, as: `uploads/${names[i]}` });
        }
        result = await ingestInto(fields.collection ?? ctx.collectionName, paths, false);
      } finally {
        // Removed before answering, so a client that has its answer never finds the files still on disk.
        await rm(folder, { recursive: true, force: true });
      }
      res.json(result);
    }),
  );
  return router;
}

function uploadError(err: unknown): unknown {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') {
      return new HttpError('PAYLOAD_TOO_LARGE', 'an uploaded file is over the upload limit', { field: err.field });
    }
    if (err.code === 'LIMIT_FILE_COUNT') {
      return new HttpError('PAYLOAD_TOO_LARGE', `an upload carries at most ${MAX_UPLOAD_FILES} files`, {
        limit: MAX_UPLOAD_FILES,
      });
    }
    return new QuiverError('INVALID_ARGUMENT', `the upload is malformed: ${err.message}`, { field: err.field });
  }
  // busboy's own parse errors ("Unexpected end of form", a missing boundary).
  if (err instanceof Error) return new QuiverError('INVALID_ARGUMENT', `the upload is malformed: ${err.message}`);
  return err;
}
