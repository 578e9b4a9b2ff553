/**
 * Milvus REST v2 row operations on Quiver: `entities/insert`, `upsert`, `delete` (by `filter` + `exprParams`,
 * or, with no filter, by `id`: one key or a list), `get` (by `id`) and `query` (`filter`, `outputFields` with
 * `*`, `$meta` and `count(*)`, `limit` default 100, `offset`, `partitionNames`). Rows come back as Milvus
 * returns them: the key under the primary field's name, the output fields, dynamic keys at the top level.
 */

import { MAX_TOPK } from '../../store/collection/search.js';
import { applyDrop, projection } from './output-fields.js';
import { invalid, MilvusCode, MilvusError } from './responses.js';
import { keyOut, keysIn, rowsIn, rowWriter } from './rows.js';
import { type CollectionView, openView } from './schema-meta.js';
import type { MilvusCall, MilvusOp, MilvusRoute } from './types.js';
import { checkConsistency, deleteBody, getBody, nonEmpty, parseBody, queryBody, writeBody } from './validate.js';

async function write(call: MilvusCall, mode: 'insert' | 'upsert') {
  const req = parseBody(writeBody, call.body);
  const view = await openView(call.db, req.collectionName);
  const rows = rowsIn(view, req.data);
  if (rows.length === 0) {
    throw new MilvusError(MilvusCode.MISSING_REQUIRED_PARAMETERS, 'missing required parameters, error: data is empty');
  }
  const options = req.partitionName ? { partition: req.partitionName } : undefined;
  const result =
    mode === 'insert' ? await view.collection.insert(rows, options) : await view.collection.upsert(rows, options);
  const ids = result.ids.map((id) => keyOut(view, id, call.int64AsString));
  return { view, count: result.count, ids };
}

const insert: MilvusOp = async (call) => {
  const { count, ids } = await write(call, 'insert');
  return { data: { insertCount: count, insertIds: ids }, extra: { cost: 0 } };
};

const upsert: MilvusOp = async (call) => {
  const { count, ids } = await write(call, 'upsert');
  return { data: { upsertCount: count, upsertIds: ids }, extra: { cost: 0 } };
};

const remove: MilvusOp = async ({ db, body }) => {
  const req = parseBody(deleteBody, body);
  const view = await openView(db, req.collectionName);
  const partitions = req.partitionName ? [req.partitionName] : undefined;
  const filter = req.filter?.trim() ? req.filter : undefined;
  let deleted: number;
  if (filter !== undefined) {
    // As in Milvus, a filter decides alone; `id` is read only when there is no filter.
    ({ deleted } = await view.collection.delete({ filter, params: req.exprParams, partitions }));
  } else if (req.id !== undefined) {
    ({ deleted } = await view.collection.delete({ ids: keysIn(view, req.id), partitions }));
  } else {
    throw new MilvusError(
      MilvusCode.MISSING_REQUIRED_PARAMETERS,
      'missing required parameters, error: filter is required',
    );
  }
  return { data: { deleteCount: deleted }, extra: { cost: 0 } };
};

const get: MilvusOp = async ({ db, body, int64AsString }) => {
  const req = parseBody(getBody, body);
  if (req.id === undefined || req.id === null) {
    throw new MilvusError(MilvusCode.MISSING_REQUIRED_PARAMETERS, 'missing required parameters, error: id is required');
  }
  const view = await openView(db, req.collectionName);
  const ids = keysIn(view, req.id);
  const p = projection(view, req.outputFields, 'all');
  const partitions = nonEmpty(req.partitionNames);
  const rows = partitions
    ? await view.collection.query({
        filter: `${view.primary.name} in {ids}`,
        params: { ids },
        partitions,
        outputFields: p.fields,
        limit: Math.min(ids.length, MAX_TOPK),
      })
    : await view.collection.get(ids, { outputFields: p.fields });
  const out = rowWriter(view, int64AsString);
  return { data: rows.map((r) => out(applyDrop(r, p.drop))), extra: { cost: 0 } };
};

function isCount(outputFields: string[] | undefined): boolean {
  return outputFields?.some((f) => f.trim().toLowerCase() === 'count(*)') === true;
}

async function count(view: CollectionView, req: ReturnType<typeof parseQuery>, int64AsString: boolean) {
  if (req.outputFields!.length > 1) throw invalid('count(*) cannot be combined with other output fields');
  const n = await view.collection.count({
    filter: req.filter?.trim() ? req.filter : undefined,
    params: req.exprParams,
    partitions: nonEmpty(req.partitionNames),
  });
  // count(*) is an Int64 column in Milvus, and follows Accept-Type-Allow-Int64 like every other.
  return { data: [{ 'count(*)': int64AsString ? String(n) : n }], extra: { cost: 0 } };
}

const parseQuery = (body: Record<string, unknown>) => parseBody(queryBody, body);

const query: MilvusOp = async ({ db, body, int64AsString }) => {
  const req = parseQuery(body);
  checkConsistency(req.consistencyLevel);
  const view = await openView(db, req.collectionName);
  if (isCount(req.outputFields)) return count(view, req, int64AsString);
  const offset = req.offset ?? 0;
  const p = projection(view, req.outputFields, 'all');
  const rows = await view.collection.query({
    filter: req.filter?.trim() ? req.filter : undefined,
    params: req.exprParams,
    partitions: nonEmpty(req.partitionNames),
    outputFields: p.fields,
    // Milvus's default page is 100 rows; a limit of 0 means "no limit", up to the 16,384-row window.
    limit: req.limit === 0 ? Math.max(0, MAX_TOPK - offset) : (req.limit ?? 100),
    offset,
  });
  const out = rowWriter(view, int64AsString);
  return { data: rows.map((r) => out(applyDrop(r, p.drop))), extra: { cost: 0 } };
};

export const entityRoutes: MilvusRoute[] = [
  { path: 'entities/insert', scope: 'write', op: insert, body: writeBody, summary: 'Milvus: insert rows' },
  {
    path: 'entities/upsert',
    scope: 'write',
    op: upsert,
    body: writeBody,
    summary: 'Milvus: insert or replace rows',
  },
  {
    path: 'entities/delete',
    scope: 'write',
    op: remove,
    body: deleteBody,
    summary: 'Milvus: delete rows by filter (or by id)',
  },
  { path: 'entities/get', scope: 'read', op: get, body: getBody, summary: 'Milvus: rows by primary key' },
  {
    path: 'entities/query',
    scope: 'read',
    op: query,
    body: queryBody,
    summary: 'Milvus: rows matching a filter, or count(*)',
  },
];
