/**
 * Builds filter errors: a QuiverError whose message and details carry the 0-based position and an excerpt
 * of the expression with a caret under the offending spot. Short expressions are shown whole; long ones as
 * a window around the position, so a 64 KiB expression does not end up in a log line.
 */

import { type ErrorCode, QuiverError } from '../../errors.js';

const WHOLE = 160;
const WINDOW = 80;

export function excerpt(expression: string, position: number): string {
  const flat = expression.replace(/[\n\r\t]/g, ' ');
  if (flat.length <= WHOLE) return `${flat}\n${' '.repeat(position)}^`;
  const from = Math.max(0, Math.min(position - WINDOW / 2, flat.length - WINDOW));
  const lead = from > 0 ? '…' : '';
  const tail = from + WINDOW < flat.length ? '…' : '';
  return `${lead}${flat.slice(from, from + WINDOW)}${tail}\n${' '.repeat(lead.length + position - from)}^`;
}

export function filterError(
  code: ErrorCode,
  message: string,
  expression: string,
  position: number,
  extra: Record<string, unknown> = {},
): QuiverError {
  const at = Math.max(0, Math.min(position, expression.length));
  const ex = excerpt(expression, at);
  return new QuiverError(code, `${message} at position ${at}\n${ex}`, { ...extra, position: at, excerpt: ex });
}
