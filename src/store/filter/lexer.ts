/**
 * Splits a filter expression into tokens with their offsets. Keywords are case-insensitive; strings take
 * single or double quotes with backslash escapes; numbers are decimal with an optional fraction and exponent.
 */

import { filterError } from './filter-error.js';

export type TokenType = 'number' | 'string' | 'ident' | 'keyword' | 'op' | 'param' | 'eof';

export interface Token {
  type: TokenType;
  /** For keywords: lower-cased. For strings: the unescaped value. For params: the name. */
  text: string;
  value?: number;
  start: number;
  end: number;
}

export const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'is', 'null', 'true', 'false']);
const OPERATORS = [
  '**',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  '[',
  ']',
  ',',
  '!',
];
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '0': '\0',
  '%': '\\%',
  _: '\\_',
};

export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const s = expression;
  let i = 0;
  const fail = (message: string, at: number) => filterError('FILTER_SYNTAX', message, s, at);
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(s.slice(i))!;
      i += m[0].length;
      if (/[A-Za-z_]/.test(s[i] ?? '')) throw fail(`unexpected character "${s[i]}" after a number`, i);
      tokens.push({ type: 'number', text: m[0], value: Number(m[0]), start, end: i });
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_]*/.exec(s.slice(i))!;
      i += m[0].length;
      const lower = m[0].toLowerCase();
      if (KEYWORDS.has(lower)) tokens.push({ type: 'keyword', text: lower, start, end: i });
      else tokens.push({ type: 'ident', text: m[0], start, end: i });
      continue;
    }
    if (c === '"' || c === "'") {
      let out = '';
      i++;
      for (;;) {
        if (i >= s.length) throw fail('unterminated string', start);
        const ch = s[i]!;
        if (ch === c) break;
        if (ch === '\\') {
          const next = s[i + 1];
          if (next === undefined) throw fail('unterminated string', start);
          if (next === 'u') {
            const hex = s.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw fail('bad \\u escape (four hex digits expected)', i);
            out += String.fromCharCode(Number.parseInt(hex, 16));
            i += 6;
            continue;
          }
          const esc = ESCAPES[next];
          if (esc === undefined) throw fail(`unknown escape "\\${next}"`, i);
          out += esc;
          i += 2;
          continue;
        }
        out += ch;
        i++;
      }
      i++;
      tokens.push({ type: 'string', text: out, start, end: i });
      continue;
    }
    if (c === '{') {
      const m = /^\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/.exec(s.slice(i));
      if (!m) throw fail('a template placeholder looks like {name}', i);
      i += m[0].length;
      tokens.push({ type: 'param', text: m[1]!, start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => s.startsWith(o, i));
    if (!op) throw fail(`unexpected character "${c}"`, i);
    i += op.length;
    tokens.push({ type: 'op', text: op, start, end: i });
  }
  tokens.push({ type: 'eof', text: '', start: s.length, end: s.length });
  return tokens;
}
