/**
 * Recursive-descent parser for Milvus-style boolean expressions. Precedence, lowest first: `or`, `and`,
 * `not`, predicates (comparisons, chained ranges `1 < x < 5`, `in`, `like`, `is null`), `+ -`, `* / %`,
 * `**` (right-associative), unary minus, primaries. Length and nesting are capped so no input can overflow
 * the stack, and every error is a FILTER_SYNTAX QuiverError with a position.
 */

import { type CompareOp, type Expr, FUNCTIONS, type FunctionName } from './ast.js';
import { filterError } from './filter-error.js';
import { type Token, tokenize } from './lexer.js';

export const MAX_EXPRESSION_LENGTH = 65_536;
export const MAX_DEPTH = 256;
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  private get tok(): Token {
    return this.tokens[this.pos]!;
  }

  private fail(message: string, at = this.tok.start): never {
    throw filterError('FILTER_SYNTAX', message, this.src, at);
  }

  private describe(t: Token): string {
    return t.type === 'eof' ? 'the end of the expression' : `"${this.src.slice(t.start, t.end)}"`;
  }

  private is(type: Token['type'], text?: string): boolean {
    return this.tok.type === type && (text === undefined || this.tok.text === text);
  }

  private eat(type: Token['type'], text?: string): Token | undefined {
    if (!this.is(type, text)) return undefined;
    return this.tokens[this.pos++];
  }

  private expect(type: Token['type'], text: string, what: string): Token {
    return this.eat(type, text) ?? this.fail(`expected ${what} but found ${this.describe(this.tok)}`);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`expression nested more than ${MAX_DEPTH} levels deep`);
  }

  parse(): Expr {
    if (this.is('eof')) this.fail('empty expression');
    const e = this.or();
    if (!this.is('eof')) this.fail(`unexpected ${this.describe(this.tok)}`);
    return e;
  }

  private or(): Expr {
    let left = this.and();
    while (this.eat('keyword', 'or') ?? this.eat('op', '||')) {
      const right = this.and();
      left = { kind: 'logic', op: 'or', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.eat('keyword', 'and') ?? this.eat('op', '&&')) {
      const right = this.not();
      left = { kind: 'logic', op: 'and', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private not(): Expr {
    const t = this.eat('keyword', 'not') ?? this.eat('op', '!');
    if (!t) return this.predicate();
    this.enter();
    const operand = this.not();
    this.depth--;
    return { kind: 'not', operand, start: t.start, end: operand.end };
  }

  private predicate(): Expr {
    const left = this.additive();
    if (this.tok.type === 'op' && COMPARE.has(this.tok.text)) {
      const op = this.tokens[this.pos++]!.text as CompareOp;
      const mid = this.additive();
      const first: Expr = { kind: 'compare', op, left, right: mid, start: left.start, end: mid.end };
      if (!(this.tok.type === 'op' && COMPARE.has(this.tok.text))) return first;
      const op2Tok = this.tokens[this.pos++]!;
      const op2 = op2Tok.text as CompareOp;
      const up = (o: string) => o === '<' || o === '<=';
      const down = (o: string) => o === '>' || o === '>=';
      if (!((up(op) && up(op2)) || (down(op) && down(op2)))) {
        this.fail('a chained range must use < and <=, or > and >=, in one direction', op2Tok.start);
      }
      const right = this.additive();
      const second: Expr = { kind: 'compare', op: op2, left: mid, right, start: mid.start, end: right.end };
      return { kind: 'logic', op: 'and', left: first, right: second, start: left.start, end: right.end };
    }
    if (
      this.is('keyword', 'not') &&
      this.tokens[this.pos + 1]?.type === 'keyword' &&
      this.tokens[this.pos + 1]?.text === 'in'
    ) {
      this.pos += 2;
      const list = this.additive();
      return { kind: 'in', negated: true, operand: left, list, start: left.start, end: list.end };
    }
    if (this.eat('keyword', 'in')) {
      const list = this.additive();
      return { kind: 'in', negated: false, operand: left, list, start: left.start, end: list.end };
    }
    if (this.eat('keyword', 'like')) {
      const pattern = this.additive();
      return { kind: 'like', operand: left, pattern, start: left.start, end: pattern.end };
    }
    if (this.eat('keyword', 'is')) {
      const negated = this.eat('keyword', 'not') !== undefined;
      const end = this.expect('keyword', 'null', '"null" after "is"').end;
      return { kind: 'isnull', negated, operand: left, start: left.start, end };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.is('op', '+') || this.is('op', '-')) {
      const op = this.tokens[this.pos++]!.text as '+' | '-';
      const right = this.multiplicative();
      left = { kind: 'arith', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.power();
    while (this.is('op', '*') || this.is('op', '/') || this.is('op', '%')) {
      const op = this.tokens[this.pos++]!.text as '*' | '/' | '%';
      const right = this.power();
      left = { kind: 'arith', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private power(): Expr {
    const base = this.unary();
    if (!this.eat('op', '**')) return base;
    this.enter();
    const exp = this.power();
    this.depth--;
    return { kind: 'arith', op: '**', left: base, right: exp, start: base.start, end: exp.end };
  }

  private unary(): Expr {
    const t = this.eat('op', '-');
    if (!t) return this.primary();
    this.enter();
    const operand = this.unary();
    this.depth--;
    if (operand.kind === 'literal' && typeof operand.value === 'number') {
      return { kind: 'literal', value: -operand.value, start: t.start, end: operand.end };
    }
    return { kind: 'neg', operand, start: t.start, end: operand.end };
  }

  private primary(): Expr {
    const t = this.tok;
    switch (t.type) {
      case 'number':
        this.pos++;
        if (!Number.isFinite(t.value)) this.fail('number out of range', t.start);
        return { kind: 'literal', value: t.value!, start: t.start, end: t.end };
      case 'string':
        this.pos++;
        return { kind: 'literal', value: t.text, start: t.start, end: t.end };
      case 'param':
        this.pos++;
        return { kind: 'param', name: t.text, start: t.start, end: t.end };
      case 'keyword':
        if (t.text === 'true' || t.text === 'false') {
          this.pos++;
          return { kind: 'literal', value: t.text === 'true', start: t.start, end: t.end };
        }
        if (t.text === 'null') this.fail('null is not a value here; use "is null" or "is not null"');
        return this.fail(`unexpected keyword "${t.text}"`);
      case 'ident':
        return this.identifier();
      case 'op':
        if (t.text === '(') return this.group();
        if (t.text === '[') return this.array();
        return this.fail(`unexpected ${this.describe(t)}`);
      default:
        return this.fail(`expected a value but found ${this.describe(t)}`);
    }
  }

  private group(): Expr {
    const open = this.tokens[this.pos++]!;
    this.enter();
    const inner = this.or();
    this.depth--;
    if (!this.eat('op', ')'))
      this.fail(`expected ")" to close the "(" at ${open.start} but found ${this.describe(this.tok)}`);
    return inner;
  }

  private array(): Expr {
    const open = this.tokens[this.pos++]!;
    this.enter();
    const items: Expr[] = [];
    if (!this.is('op', ']')) {
      do {
        items.push(this.additive());
      } while (this.eat('op', ','));
    }
    const close =
      this.eat('op', ']') ?? this.fail(`expected "," or "]" in the list but found ${this.describe(this.tok)}`);
    this.depth--;
    return { kind: 'array', items, start: open.start, end: close.end };
  }

  private identifier(): Expr {
    const id = this.tokens[this.pos++]!;
    if (this.is('op', '(')) {
      const name = id.text.toLowerCase();
      if (!(FUNCTIONS as readonly string[]).includes(name)) this.fail(`unknown function "${id.text}"`, id.start);
      this.pos++;
      this.enter();
      const args: Expr[] = [];
      if (!this.is('op', ')')) {
        do {
          args.push(this.additive());
        } while (this.eat('op', ','));
      }
      const close =
        this.eat('op', ')') ?? this.fail(`expected "," or ")" in the call but found ${this.describe(this.tok)}`);
      this.depth--;
      return { kind: 'call', name: name as FunctionName, args, start: id.start, end: close.end };
    }
    if (id.text.startsWith('$') && id.text !== '$meta') this.fail(`unknown name "${id.text}"`, id.start);
    const path: (string | number)[] = [];
    let end = id.end;
    while (this.is('op', '[')) {
      this.pos++;
      const key = this.tok;
      if (key.type === 'string') path.push(key.text);
      else if (key.type === 'number' && Number.isInteger(key.value) && key.value! >= 0) path.push(key.value!);
      else this.fail('a JSON path step is a quoted key or a non-negative integer index', key.start);
      this.pos++;
      end = this.expect('op', ']', '"]" after the path step').end;
    }
    if (id.text === '$meta' && path.length === 0) this.fail('$meta needs a key, as in $meta["name"]', id.start);
    return { kind: 'field', name: id.text, path, start: id.start, end };
  }
}

/** Parses an expression into an AST (syntax only; see `bindFilter` for schema checks). */
export function parseFilter(expression: string): Expr {
  if (typeof expression !== 'string') {
    throw filterError('FILTER_SYNTAX', 'a filter must be a string', '', 0);
  }
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw filterError(
      'FILTER_SYNTAX',
      `expression longer than ${MAX_EXPRESSION_LENGTH} characters`,
      expression,
      MAX_EXPRESSION_LENGTH,
    );
  }
  return new Parser(expression, tokenize(expression)).parse();
}
