/**
 * Request validation with zod: a request part that does not match its schema becomes INVALID_ARGUMENT, with
 * every issue's path and message in `details.issues`, so the client can see which field is wrong and why.
 */

import type { z } from 'zod';
import { QuiverError } from '../errors.js';

export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, part = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: [part, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const first = issues[0];
  throw new QuiverError(
    'INVALID_ARGUMENT',
    first ? `${first.path}: ${first.message}` : `the request ${part} is invalid`,
    { issues },
  );
}
