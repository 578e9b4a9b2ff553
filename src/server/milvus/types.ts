/**
 * What every Milvus REST v2 operation receives and returns: the store, the parsed body, and how the client wants
 * Int64 values (`Accept-Type-Allow-Int64`); back comes the `data` of the envelope and any fields beside it.
 */

import type { Quiver } from '../../store/quiver.js';

export interface MilvusCall {
  db: Quiver;
  /** The request body, a JSON object (top-level nulls already dropped, as Go's decoder leaves them unset). */
  body: Record<string, unknown>;
  /**
   * Int64 values (keys and Int64 fields) go out as decimal strings. Milvus does this when the client sends
   * `Accept-Type-Allow-Int64: false`, as the official Node SDK does unless told `acceptInt64: true`.
   */
  int64AsString: boolean;
}

export interface MilvusReply {
  data: unknown;
  /** Top-level fields beside `data`: `cost`, `topks`. */
  extra?: Record<string, unknown>;
}

export type MilvusOp = (call: MilvusCall) => Promise<MilvusReply>;

export interface MilvusRoute {
  /** `collections/create`, `entities/search`, ... */
  path: string;
  scope: 'read' | 'write';
  op: MilvusOp;
  /** A zod schema (or JSON Schema) of the body, for the OpenAPI document. */
  body: unknown;
  summary: string;
}
