/**
 * Quiver's public API. Everything a user imports comes from here; nothing else is public.
 */

export * from './embed/index.js';
export { type ErrorCode, ErrorCodes, isQuiverError, QuiverError, type QuiverErrorDetails } from './errors.js';
export * from './ingest/index.js';
export * from './pipeline/index.js';
export * from './store/index.js';
