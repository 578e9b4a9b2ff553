/**
 * The HTTP server's public surface: build an app over a context, or start a server that serves it and shuts down
 * gracefully. Re-exports only.
 */

export { type AppOptions, createApp, type QuiverApp } from './app.js';
export {
  createServerContext,
  NO_METRICS,
  type ServerContext,
  type ServerContextOptions,
  type ServerMetrics,
} from './context.js';
export { type ErrorBody, HttpError, type HttpErrorCode } from './http-errors.js';
export { PrometheusMetrics } from './metrics.js';
export type { ApiKey } from './middleware/auth.js';
export type { CorsSetting } from './middleware/cors.js';
export { openApiDocument } from './openapi.js';
export type { ServerState } from './routes/ops.js';
export type { Scope } from './scopes.js';
export { type RunningServer, type StartOptions, startServer } from './server.js';
