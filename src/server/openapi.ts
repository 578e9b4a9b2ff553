/**
 * The OpenAPI 3.1 description served at `/openapi.json`. Request bodies that a route validates with zod are
 * described from those same schemas (`z.toJSONSchema`), so the document cannot drift from what the server
 * accepts; responses are described by hand. Routes register here as they are added.
 */

import { z } from 'zod';

type Json = Record<string, unknown>;

export interface RouteDoc {
  method: 'get' | 'post' | 'delete' | 'put';
  path: string;
  summary: string;
  tag: string;
  /** Scope an API key needs; none for public routes. */
  scope?: 'read' | 'write';
  /** A zod schema for the JSON body, or a JSON Schema, or `multipart` for uploads. */
  body?: z.ZodType | Json | 'multipart';
  /** The success response's JSON Schema (by hand), and its status. */
  response?: Json;
  status?: number;
  /** The success response's media type when it is not JSON (the page is HTML, metrics are Prometheus text). */
  produces?: string;
  /** Also answers `text/event-stream` when the client asks for it. */
  sse?: boolean;
  pathParams?: string[];
}

const errorBody: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A stable error code, e.g. INVALID_ARGUMENT, FILTER_SYNTAX' },
        message: { type: 'string' },
        details: { type: 'object', description: 'Typed fields: position and excerpt for filters, issues, ...' },
      },
    },
  },
};

const routes: RouteDoc[] = [];

/** Adds a route to the document; route modules call this next to their handlers. */
export function documentRoute(doc: RouteDoc): void {
  const existing = routes.findIndex((r) => r.method === doc.method && r.path === doc.path);
  if (existing >= 0) routes[existing] = doc;
  else routes.push(doc);
}

function schemaOf(body: z.ZodType | Json): Json {
  if (body instanceof z.ZodType) {
    const { $schema: _, ...schema } = z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) as Json;
    return schema;
  }
  return body;
}

function operation(doc: RouteDoc): Json {
  const responses: Json = {
    [String(doc.status ?? 200)]: {
      description: 'success',
      content: {
        [doc.produces ?? 'application/json']: { schema: doc.response ?? { type: 'object' } },
        ...(doc.sse ? { 'text/event-stream': { schema: { type: 'string', description: 'SSE events' } } } : {}),
      },
    },
    '4XX': {
      description: 'a bad, unauthorized or unknown request',
      content: { 'application/json': { schema: errorBody } },
    },
    '5XX': { description: 'a server-side failure', content: { 'application/json': { schema: errorBody } } },
  };
  const op: Json = { summary: doc.summary, tags: [doc.tag], responses };
  if (doc.scope) op.security = [{ bearer: [doc.scope] }];
  else op.security = [];
  if (doc.pathParams?.length) {
    op.parameters = doc.pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  }
  if (doc.body === 'multipart') {
    op.requestBody = {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: {
              file: { type: 'array', items: { type: 'string', format: 'binary' } },
              collection: { type: 'string' },
            },
          },
        },
      },
    };
  } else if (doc.body) {
    op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(doc.body) } } };
  }
  return op;
}

/** The whole document, as it stands when called (after every route module has registered). */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const doc of [...routes].sort((a, b) => a.path.localeCompare(b.path))) {
    const path = doc.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][doc.method] = operation(doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Quiver',
      version: '0.1.0',
      description:
        'RAG over an embedded vector database: ask questions with cited sources, search, manage collections and ' +
        'data, ingest documents. Errors are JSON with a stable code. The /v2/vectordb routes follow Milvus REST v2.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key, when keys are set' } },
      schemas: { Error: errorBody },
    },
    paths,
  };
}
