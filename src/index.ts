/**
 * Quiver's public API. Everything a user imports comes from here; nothing else is public.
 */

export * from './store/index.js';
export * from './embed/index.js';
export { QuiverError, ErrorCodes, isQuiverError, type ErrorCode, type QuiverErrorDetails } from './errors.js';
