/**
 * Builds filter errors: a QuiverError whose message and details carry the 0-based position and an excerpt
 * of the expression with a caret under the offending spot.
 */

import { type ErrorCode, QuiverError } from '../../errors.js';

const EXCERPT_WIDTH = 70;

export function excerpt(expression: string, position: number): string {
  const from = Math.max(0, Math.min(position - 30, expression.length - EXCERPT_WIDTH));
  const line = expression.slice(from, from + EXCERPT_WIDTH).replace(/[\n\r\t]/g, ' ');
  const lead = from > 0 ? '…' : '';
  return `${lead}${line}\n${' '.repeat(lead.length + position - from)}^`;
}

export function filterError(
  code: ErrorCode,
  message: string,
  expression: string,
  position: number,
  extra = {},
): QuiverError {
  const at = Math.max(0, Math.min(position, expression.length));
  const ex = excerpt(expression, at);
  return new QuiverError(code, `${message} at position ${at}\n${ex}`, { position: at, excerpt: ex, ...extra });
}
