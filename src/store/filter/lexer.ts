/**
 * Splits a filter expression into tokens with their offsets. Keywords are case-insensitive; strings take
 * single or double quotes with backslash escapes; numbers are decimal with an optional fraction and exponent;
 * `{name}` is a template placeholder. Sticky regexes keep the scan linear in the expression's length.
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

/** Longest first, so `**` wins over `*` and `!=` over `!`. */
const OPERATORS = ['**', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']'];
const PUNCT = [',', '!'];

/**
 * Escapes inside string literals. `\%` and `\_` keep their backslash so a `like` pattern can tell a literal
 * percent sign from a wildcard; everywhere else they read as the two characters.
 */
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

const NUMBER = /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z_$][A-Za-z0-9_]*/y;
const PARAM = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isWordStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
}

function sticky(re: RegExp, s: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(s);
}

function readString(s: string, start: number): { text: string; end: number } {
  const quote = s[start]!;
  let out = '';
  let i = start + 1;
  for (;;) {
    if (i >= s.length) throw filterError('FILTER_SYNTAX', 'unterminated string', s, start);
    const ch = s[i]!;
    if (ch === quote) return { text: out, end: i + 1 };
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === undefined) throw filterError('FILTER_SYNTAX', 'unterminated string', s, start);
    if (next === 'u') {
      const hex = s.slice(i + 2, i + 6);
      if (!HEX4.test(hex)) throw filterError('FILTER_SYNTAX', 'bad \\u escape (four hex digits expected)', s, i);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 6;
      continue;
    }
    const esc = ESCAPES[next];
    if (esc === undefined) throw filterError('FILTER_SYNTAX', `unknown escape "\\${next}"`, s, i);
    out += esc;
    i += 2;
  }
}

export function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(s[i + 1]))) {
      const m = sticky(NUMBER, s, i)!;
      i += m[0].length;
      const after = s[i];
      if (after !== undefined && (isWordStart(after) || after === '.')) {
        throw filterError('FILTER_SYNTAX', `unexpected character "${after}" after a number`, s, i);
      }
      tokens.push({ type: 'number', text: m[0], value: Number(m[0]), start, end: i });
    } else if (isWordStart(c)) {
      const m = sticky(WORD, s, i)!;
      i += m[0].length;
      const lower = m[0].toLowerCase();
      if (KEYWORDS.has(lower)) tokens.push({ type: 'keyword', text: lower, start, end: i });
      else tokens.push({ type: 'ident', text: m[0], start, end: i });
    } else if (c === '"' || c === "'") {
      const str = readString(s, i);
      i = str.end;
      tokens.push({ type: 'string', text: str.text, start, end: i });
    } else if (c === '{') {
      const m = sticky(PARAM, s, i);
      if (!m) throw filterError('FILTER_SYNTAX', 'a template placeholder looks like {name}', s, i);
      i += m[0].length;
      tokens.push({ type: 'param', text: m[1]!, start, end: i });
    } else {
      const op = OPERATORS.find((o) => s.startsWith(o, i)) ?? PUNCT.find((o) => o === c);
      if (!op) throw filterError('FILTER_SYNTAX', `unexpected character "${c}"`, s, i);
      i += op.length;
      tokens.push({ type: 'op', text: op, start, end: i });
    }
  }
  tokens.push({ type: 'eof', text: '', start: s.length, end: s.length });
  return tokens;
}
