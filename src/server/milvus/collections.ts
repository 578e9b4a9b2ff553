/**
 * Milvus REST v2 collection operations on Quiver: create (quick setup or full schema), describe, list, has and
 * drop, plus get_stats, load, release and get_load_state, which Milvus clients call routinely (a Quiver collection
 * is always loaded, so those two are no-ops).
 */

import { QuiverError } from '../../errors.js';
import type { Quiver } from '../../store/quiver.js';
import { type MilvusCreateRequest, toMilvusDescription, toQuiverSchema } from './schema-map.js';

type Body = Record<string, unknown>;

const nameOf = (body: Body): string => {
  const name = body.collectionName;
  if (typeof name !== 'string' || name === '') {
    throw new QuiverError('INVALID_ARGUMENT', 'collectionName is required', { field: 'collectionName' });
  }
  return name;
};

export const collectionOps: Record<string, (db: Quiver, body: Body) => Promise<unknown>> = {
  async create(db, body) {
    nameOf(body);
    await db.createCollection(String(body.collectionName), toQuiverSchema(body as unknown as MilvusCreateRequest));
    return {};
  },
  async describe(db, body) {
    const collection = await db.collection(nameOf(body));
    return toMilvusDescription(collection.describe());
  },
  async list(db) {
    return db.listCollections();
  },
  async has(db, body) {
    return { has: await db.hasCollection(nameOf(body)) };
  },
  async drop(db, body) {
    await db.dropCollection(nameOf(body));
    return {};
  },
  async get_stats(db, body) {
    return { rowCount: await (await db.collection(nameOf(body))).count() };
  },
  async load(db, body) {
    await db.collection(nameOf(body));
    return {};
  },
  async release(db, body) {
    await db.collection(nameOf(body));
    return {};
  },
  async get_load_state(db, body) {
    await db.collection(nameOf(body));
    return { loadState: 'LoadStateLoaded', loadProgress: 100 };
  },
};

/** Operations that change data or schema, which need the `write` scope. */
export const COLLECTION_WRITES = new Set(['create', 'drop']);
