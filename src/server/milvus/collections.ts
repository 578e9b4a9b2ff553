/**
 * Milvus REST v2 `collections/*` on Quiver: create (quick setup or full schema), describe, list, has, drop, and
 * the housekeeping calls Milvus clients make routinely: get_stats, flush, load, release, get_load_state. A Quiver
 * collection is always loaded, so load and release only check that it exists. Dropping a collection that does
 * not exist succeeds, as Milvus makes it idempotent.
 */

import { z } from 'zod';
import { isQuiverError } from '../../errors.js';
import { toMilvusDescription, toQuiverSchema } from './schema-map.js';
import { openView } from './schema-meta.js';
import type { MilvusOp, MilvusRoute } from './types.js';
import { collectionNameBody, createBody, parseBody } from './validate.js';

const create: MilvusOp = async ({ db, body }) => {
  const req = parseBody(createBody, body);
  await db.createCollection(req.collectionName, toQuiverSchema(req));
  return { data: {} };
};

const describe: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  return { data: toMilvusDescription(await openView(db, collectionName)) };
};

const list: MilvusOp = async ({ db }) => ({ data: await db.listCollections() });

const has: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  return { data: { has: await db.hasCollection(collectionName) } };
};

const drop: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  try {
    await db.dropCollection(collectionName);
  } catch (err) {
    if (!isQuiverError(err, 'COLLECTION_NOT_FOUND')) throw err;
  }
  return { data: {} };
};

const getStats: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  return { data: { rowCount: await (await db.collection(collectionName)).count() } };
};

const flush: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  await (await db.collection(collectionName)).flush();
  return { data: {} };
};

/** load and release: nothing to do but say whether the collection exists. */
const exists: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  await db.collection(collectionName);
  return { data: {} };
};

const loadState: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  await db.collection(collectionName);
  return { data: { loadState: 'LoadStateLoaded', loadProgress: 100 } };
};

export const collectionRoutes: MilvusRoute[] = [
  {
    path: 'collections/create',
    scope: 'write',
    op: create,
    body: createBody,
    summary: 'Milvus: create a collection (quick setup or full schema)',
  },
  {
    path: 'collections/describe',
    scope: 'read',
    op: describe,
    body: collectionNameBody,
    summary: 'Milvus: describe a collection',
  },
  { path: 'collections/list', scope: 'read', op: list, body: z.looseObject({}), summary: 'Milvus: list collections' },
  {
    path: 'collections/has',
    scope: 'read',
    op: has,
    body: collectionNameBody,
    summary: 'Milvus: whether a collection exists',
  },
  {
    path: 'collections/drop',
    scope: 'write',
    op: drop,
    body: collectionNameBody,
    summary: 'Milvus: drop a collection',
  },
  {
    path: 'collections/get_stats',
    scope: 'read',
    op: getStats,
    body: collectionNameBody,
    summary: "Milvus: a collection's row count",
  },
  {
    path: 'collections/flush',
    scope: 'write',
    op: flush,
    body: collectionNameBody,
    summary: 'Milvus: seal and index the rows written so far',
  },
  {
    path: 'collections/load',
    scope: 'read',
    op: exists,
    body: collectionNameBody,
    summary: 'Milvus: load a collection (always loaded in Quiver)',
  },
  {
    path: 'collections/release',
    scope: 'read',
    op: exists,
    body: collectionNameBody,
    summary: 'Milvus: release a collection (a no-op in Quiver)',
  },
  {
    path: 'collections/get_load_state',
    scope: 'read',
    op: loadState,
    body: collectionNameBody,
    summary: "Milvus: a collection's load state (always loaded)",
  },
];
