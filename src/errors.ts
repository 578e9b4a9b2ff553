/**
 * The one error type Quiver throws on purpose. Every failure a caller can act on carries a stable `code`
 * from the table below; `details` holds typed fields (expected/received dimension, the file that failed a
 * checksum, the position in a filter expression). Only the HTTP layer maps codes to statuses and only the
 * CLI maps them to exit codes.
 */

export const ErrorCodes = {
  /** A caller passed an argument that is malformed or out of range. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A collection schema is malformed. */
  SCHEMA_INVALID: 'SCHEMA_INVALID',
  COLLECTION_NOT_FOUND: 'COLLECTION_NOT_FOUND',
  COLLECTION_EXISTS: 'COLLECTION_EXISTS',
  PARTITION_NOT_FOUND: 'PARTITION_NOT_FOUND',
  PARTITION_EXISTS: 'PARTITION_EXISTS',
  /** A row or expression names a field the schema does not have. */
  FIELD_NOT_FOUND: 'FIELD_NOT_FOUND',
  /** A value does not have the type its field declares. */
  TYPE_MISMATCH: 'TYPE_MISMATCH',
  /** A required (non-nullable) field is missing from a row. */
  MISSING_FIELD: 'MISSING_FIELD',
  DIMENSION_MISMATCH: 'DIMENSION_MISMATCH',
  /** A vector holds NaN or an infinity, or is all zeros under the cosine metric. */
  INVALID_VECTOR: 'INVALID_VECTOR',
  /** Two rows of one batch share a primary key, or an insert names a key that already exists. */
  DUPLICATE_KEY: 'DUPLICATE_KEY',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  /** A filter expression does not parse. `details.position` is the 0-based offset. */
  FILTER_SYNTAX: 'FILTER_SYNTAX',
  /** A filter expression parses but does not type-check against the schema. */
  FILTER_TYPE: 'FILTER_TYPE',
  /** A templated filter names a `{param}` that was not supplied, or supplies one of the wrong kind. */
  FILTER_PARAM: 'FILTER_PARAM',
  /** An object or key does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** Stored bytes fail their checksum or structure check. `details.file` names the file. */
  CORRUPT: 'CORRUPT',
  /** Stored data was written by a newer format version than this build reads. */
  UNSUPPORTED_FORMAT: 'UNSUPPORTED_FORMAT',
  IO_ERROR: 'IO_ERROR',
  /** A source file cannot be ingested: binary content, not UTF-8, or an extension no loader handles. */
  UNSUPPORTED_FILE: 'UNSUPPORTED_FILE',
  /** A source file does not parse (bad JSON line, broken PDF, bad front matter). `details.file`, `details.line`. */
  MALFORMED_FILE: 'MALFORMED_FILE',
  /** A source file is password-protected (an encrypted PDF) and must be decrypted before ingestion. */
  ENCRYPTED_FILE: 'ENCRYPTED_FILE',
  /** A pipeline or configuration file is invalid. `details.file`, `details.line`, `details.path` point at the key. */
  CONFIG_INVALID: 'CONFIG_INVALID',
  /** An existing collection cannot take this data, e.g. it was embedded with another model or dimension. */
  INCOMPATIBLE: 'INCOMPATIBLE',
  /** The store or collection was used after close(). */
  CLOSED: 'CLOSED',
  /** Another process holds the store's folder. */
  LOCKED: 'LOCKED',
  /** An optimistic (compare-and-set) update lost a race. */
  CONFLICT: 'CONFLICT',
  /** A path the configuration does not allow, e.g. a file outside the folders ingestion is confined to. */
  FORBIDDEN: 'FORBIDDEN',
  /** The caller cancelled the operation (an AbortSignal fired). */
  ABORTED: 'ABORTED',
  /** A remote service (an LLM or embedding endpoint) did not answer in time. */
  TIMEOUT: 'TIMEOUT',
  /** A remote service answered with an error or something unusable. */
  UPSTREAM: 'UPSTREAM',
  /** Cluster mode: not enough of the cluster answered to serve the request in full (say, a query node died and
   * its segments are not reassigned yet). Retrying later may succeed. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A bug: an invariant did not hold. Please report it. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface QuiverErrorDetails {
  /** 0-based offset into a filter expression. */
  position?: number;
  /** The expression with a caret line under `position`. */
  excerpt?: string;
  /** A file or object the error concerns, as the storage layer locates it. */
  file?: string;
  field?: string;
  expected?: unknown;
  received?: unknown;
  [key: string]: unknown;
}

export class QuiverError extends Error {
  readonly code: ErrorCode;
  readonly details: QuiverErrorDetails;

  constructor(code: ErrorCode, message: string, details: QuiverErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QuiverError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: QuiverErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isQuiverError(err: unknown, code?: ErrorCode): err is QuiverError {
  return err instanceof QuiverError && (code === undefined || err.code === code);
}
