/**
 * Milvus REST v2 `partitions/*` on Quiver's partitions: list, has, create, drop, get_stats, and load/release
 * (no-ops: Quiver keeps every partition loaded). `_default` exists in every collection and cannot be dropped.
 */

import { openView } from './schema-meta.js';
import type { MilvusOp, MilvusRoute } from './types.js';
import { collectionNameBody, parseBody, partitionBody } from './validate.js';

const list: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  return { data: (await openView(db, collectionName)).partitions };
};

const has: MilvusOp = async ({ db, body }) => {
  const { collectionName, partitionName } = parseBody(partitionBody, body);
  return { data: { has: (await openView(db, collectionName)).partitions.includes(partitionName) } };
};

const create: MilvusOp = async ({ db, body }) => {
  const { collectionName, partitionName } = parseBody(partitionBody, body);
  await (await db.collection(collectionName)).createPartition(partitionName);
  return { data: {} };
};

const drop: MilvusOp = async ({ db, body }) => {
  const { collectionName, partitionName } = parseBody(partitionBody, body);
  await (await db.collection(collectionName)).dropPartition(partitionName);
  return { data: {} };
};

const getStats: MilvusOp = async ({ db, body }) => {
  const { collectionName, partitionName } = parseBody(partitionBody, body);
  const collection = await db.collection(collectionName);
  return { data: { rowCount: await collection.count({ partitions: [partitionName] }) } };
};

/** load and release: the partitions must exist; there is nothing else to do. */
const exists: MilvusOp = async ({ db, body }) => {
  const { collectionName } = parseBody(collectionNameBody, body);
  const view = await openView(db, collectionName);
  const names = Array.isArray(body.partitionNames) ? (body.partitionNames as unknown[]) : [];
  const collection = view.collection;
  // count() checks every name and answers PARTITION_NOT_FOUND for one that does not exist.
  if (names.length > 0) await collection.count({ partitions: names.map(String) });
  return { data: {} };
};

export const partitionRoutes: MilvusRoute[] = [
  { path: 'partitions/list', scope: 'read', op: list, body: collectionNameBody, summary: 'Milvus: list partitions' },
  {
    path: 'partitions/has',
    scope: 'read',
    op: has,
    body: partitionBody,
    summary: 'Milvus: whether a partition exists',
  },
  {
    path: 'partitions/create',
    scope: 'write',
    op: create,
    body: partitionBody,
    summary: 'Milvus: create a partition',
  },
  {
    path: 'partitions/drop',
    scope: 'write',
    op: drop,
    body: partitionBody,
    summary: 'Milvus: drop a partition and its rows',
  },
  {
    path: 'partitions/get_stats',
    scope: 'read',
    op: getStats,
    body: partitionBody,
    summary: "Milvus: a partition's row count",
  },
  {
    path: 'partitions/load',
    scope: 'read',
    op: exists,
    body: collectionNameBody,
    summary: 'Milvus: load partitions (always loaded in Quiver)',
  },
  {
    path: 'partitions/release',
    scope: 'read',
    op: exists,
    body: collectionNameBody,
    summary: 'Milvus: release partitions (a no-op in Quiver)',
  },
];
