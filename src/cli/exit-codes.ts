/**
 * The one place that maps error codes to process exit codes, by class of error, so scripts can tell
 * "you passed something wrong" from "the data is damaged" from "try again later".
 */

import type { ErrorCode } from '../errors.js';

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  corrupt: 5,
  io: 6,
  badInput: 7,
  /** Cancelled (Ctrl-C), as shells report SIGINT. */
  interrupted: 130,
} as const;

export function exitCodeFor(code: ErrorCode | undefined): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'SCHEMA_INVALID':
    case 'FIELD_NOT_FOUND':
    case 'TYPE_MISMATCH':
    case 'MISSING_FIELD':
    case 'DIMENSION_MISMATCH':
    case 'INVALID_VECTOR':
    case 'DUPLICATE_KEY':
    case 'BATCH_TOO_LARGE':
    case 'FILTER_SYNTAX':
    case 'FILTER_TYPE':
    case 'FILTER_PARAM':
    case 'CONFIG_INVALID':
    case 'FORBIDDEN':
      return EXIT.usage;
    case 'COLLECTION_NOT_FOUND':
    case 'PARTITION_NOT_FOUND':
    case 'NOT_FOUND':
      return EXIT.notFound;
    case 'COLLECTION_EXISTS':
    case 'PARTITION_EXISTS':
    case 'CONFLICT':
    case 'LOCKED':
    case 'INCOMPATIBLE':
      return EXIT.conflict;
    case 'CORRUPT':
    case 'UNSUPPORTED_FORMAT':
      return EXIT.corrupt;
    case 'IO_ERROR':
    case 'CLOSED':
    case 'TIMEOUT':
    case 'UPSTREAM':
    case 'UNAVAILABLE':
      return EXIT.io;
    case 'ABORTED':
      return EXIT.interrupted;
    case 'UNSUPPORTED_FILE':
    case 'MALFORMED_FILE':
    case 'ENCRYPTED_FILE':
      return EXIT.badInput;
    default:
      return EXIT.internal;
  }
}
