/**
 * Recursive-descent parser for Milvus-style boolean expressions. Precedence, lowest first: `or`, `and`,
 * `not`, predicates (comparisons, chained ranges `1 < x < 5`, `in`, `like`, `is null`), `+ -`, `* / %`,
 * unary minus, `**` (right-associative), primaries. Runs of `and` / `or` become balanced trees (both are
 * associative under Kleene logic), and every other kind of nesting is capped, so no input can overflow the
 * stack here or in the binder and evaluator. Every error is a FILTER_SYNTAX QuiverError with a position.
 */

import type { CompareOp, Expr, FunctionName } from './ast.js';
import { filterError } from './filter-error.js';
import { type Token, tokenize } from './lexer.js';

export const MAX_EXPRESSION_LENGTH = 65_536;
export const MAX_DEPTH = 256;
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);
const ARITY: Record<FunctionName, number> = {
  array_contains: 2,
  array_contains_all: 2,
  array_contains_any: 2,
  array_length: 1,
  json_contains: 2,
  json_contains_all: 2,
  json_contains_any: 2,
  text_match: 2,
};

class Parser {
  private pos = 0;
  private depth = 0;
  /** Height of each built subtree, so long arithmetic chains are capped like explicit nesting. */
  private readonly heights = new WeakMap<Expr, number>();

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

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) this.fail(`expression nested more than ${MAX_DEPTH} levels deep`, at);
  }

  /** Records a new node's height (1 + its tallest child) and rejects trees taller than MAX_DEPTH. */
  private built<E extends Expr>(e: E, children: Expr[], at: number): E {
    let h = 0;
    for (const c of children) h = Math.max(h, this.heights.get(c) ?? 1);
    if (h + 1 > MAX_DEPTH) this.fail(`expression nested more than ${MAX_DEPTH} levels deep`, at);
    this.heights.set(e, h + 1);
    return e;
  }

  parse(): Expr {
    if (this.is('eof')) this.fail('empty expression');
    const e = this.or();
    if (!this.is('eof')) this.fail(`unexpected ${this.describe(this.tok)}`);
    return e;
  }

  private or(): Expr {
    const parts = [this.and()];
    while (this.eat('keyword', 'or') ?? this.eat('op', '||')) parts.push(this.and());
    return this.balanced('or', parts, 0, parts.length);
  }

  private and(): Expr {
    const parts = [this.not()];
    while (this.eat('keyword', 'and') ?? this.eat('op', '&&')) parts.push(this.not());
    return this.balanced('and', parts, 0, parts.length);
  }

  private balanced(op: 'and' | 'or', parts: Expr[], from: number, to: number): Expr {
    if (to - from === 1) return parts[from]!;
    const mid = (from + to) >>> 1;
    const left = this.balanced(op, parts, from, mid);
    const right = this.balanced(op, parts, mid, to);
    return this.built({ kind: 'logic', op, left, right, start: left.start, end: right.end }, [left, right], left.start);
  }

  private not(): Expr {
    const t = this.eat('keyword', 'not') ?? this.eat('op', '!');
    if (!t) return this.predicate();
    this.enter(t.start);
    const operand = this.not();
    this.depth--;
    return this.built({ kind: 'not', operand, start: t.start, end: operand.end }, [operand], t.start);
  }

  private predicate(): Expr {
    const left = this.additive();
    const t = this.tok;
    if (t.type === 'op' && COMPARE.has(t.text)) return this.comparison(left);
    if (t.type === 'keyword' && t.text === 'not') {
      const next = this.tokens[this.pos + 1]!;
      if (next.type === 'keyword' && next.text === 'in') {
        this.pos += 2;
        const list = this.additive();
        const e: Expr = { kind: 'in', negated: true, operand: left, list, start: left.start, end: list.end };
        return this.built(e, [left, list], left.start);
      }
      if (next.type === 'keyword' && next.text === 'like') {
        this.pos++;
        const inner = this.predicateTail(left);
        return this.built({ kind: 'not', operand: inner, start: left.start, end: inner.end }, [inner], t.start);
      }
    }
    return this.predicateTail(left);
  }

  /** `in`, `like` and `is [not] null` after their operand; `not like` arrives here with `not` consumed. */
  private predicateTail(left: Expr): Expr {
    if (this.eat('keyword', 'in')) {
      const list = this.additive();
      return this.built(
        { kind: 'in', negated: false, operand: left, list, start: left.start, end: list.end },
        [left, list],
        left.start,
      );
    }
    if (this.eat('keyword', 'like')) {
      const pattern = this.additive();
      return this.built(
        { kind: 'like', operand: left, pattern, start: left.start, end: pattern.end },
        [left, pattern],
        left.start,
      );
    }
    if (this.eat('keyword', 'is')) {
      const negated = this.eat('keyword', 'not') !== undefined;
      const end = this.expect('keyword', 'null', '"null" after "is"').end;
      return this.built({ kind: 'isnull', negated, operand: left, start: left.start, end }, [left], left.start);
    }
    return left;
  }

  /** `a op b`, or a chained range `a op b op c` with both operators pointing the same way. */
  private comparison(left: Expr): Expr {
    const op = this.tokens[this.pos++]!.text as CompareOp;
    const mid = this.additive();
    const first = this.built(
      { kind: 'compare', op, left, right: mid, start: left.start, end: mid.end },
      [left, mid],
      0,
    );
    if (!(this.tok.type === 'op' && COMPARE.has(this.tok.text))) return first;
    const op2Tok = this.tokens[this.pos++]!;
    const op2 = op2Tok.text as CompareOp;
    const up = (o: string) => o === '<' || o === '<=';
    const down = (o: string) => o === '>' || o === '>=';
    if (!((up(op) && up(op2)) || (down(op) && down(op2)))) {
      this.fail('a chained range must use < and <=, or > and >=, in one direction', op2Tok.start);
    }
    const right = this.additive();
    const second = this.built(
      { kind: 'compare', op: op2, left: mid, right, start: mid.start, end: right.end },
      [mid, right],
      0,
    );
    if (this.tok.type === 'op' && COMPARE.has(this.tok.text)) this.fail('a range chains at most two comparisons');
    return this.built(
      { kind: 'logic', op: 'and', left: first, right: second, start: left.start, end: right.end },
      [first, second],
      0,
    );
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.is('op', '+') || this.is('op', '-')) {
      const t = this.tokens[this.pos++]!;
      const right = this.multiplicative();
      const e: Expr = { kind: 'arith', op: t.text as '+' | '-', left, right, start: left.start, end: right.end };
      left = this.built(e, [left, right], t.start);
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.is('op', '*') || this.is('op', '/') || this.is('op', '%')) {
      const t = this.tokens[this.pos++]!;
      const right = this.unary();
      const e: Expr = { kind: 'arith', op: t.text as '*' | '/' | '%', left, right, start: left.start, end: right.end };
      left = this.built(e, [left, right], t.start);
    }
    return left;
  }

  /** Unary minus binds looser than `**`, as in mathematics: `-x ** 2` is `-(x ** 2)`. */
  private unary(): Expr {
    const t = this.eat('op', '-');
    if (!t) return this.power();
    this.enter(t.start);
    const operand = this.unary();
    this.depth--;
    if (operand.kind === 'literal' && typeof operand.value === 'number') {
      return { kind: 'literal', value: -operand.value, start: t.start, end: operand.end };
    }
    return this.built({ kind: 'neg', operand, start: t.start, end: operand.end }, [operand], t.start);
  }

  private power(): Expr {
    const base = this.primary();
    const t = this.eat('op', '**');
    if (!t) return base;
    this.enter(t.start);
    const exp = this.unary();
    this.depth--;
    return this.built(
      { kind: 'arith', op: '**', left: base, right: exp, start: base.start, end: exp.end },
      [base, exp],
      t.start,
    );
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
    this.enter(open.start);
    const inner = this.or();
    this.depth--;
    if (!this.eat('op', ')')) {
      this.fail(`expected ")" to close the "(" at ${open.start} but found ${this.describe(this.tok)}`);
    }
    return inner;
  }

  /** Comma-separated items up to `close`; a trailing comma is allowed in lists, as Milvus allows. */
  private items(close: string, what: string, trailingComma: boolean): { items: Expr[]; end: number } {
    const items: Expr[] = [];
    while (!this.is('op', close)) {
      items.push(this.additive());
      if (!this.eat('op', ',')) break;
      if (!trailingComma && this.is('op', close)) this.fail(`expected a value after ","`);
    }
    const end =
      this.eat('op', close) ??
      this.fail(`expected "," or "${close}" in the ${what} but found ${this.describe(this.tok)}`);
    return { items, end: end.end };
  }

  private array(): Expr {
    const open = this.tokens[this.pos++]!;
    this.enter(open.start);
    const { items, end } = this.items(']', 'list', true);
    this.depth--;
    return this.built({ kind: 'array', items, start: open.start, end }, items, open.start);
  }

  private call(id: Token): Expr {
    const name = id.text.toLowerCase() as FunctionName;
    if (!Object.hasOwn(ARITY, name)) this.fail(`unknown function "${id.text}"`, id.start);
    this.pos++;
    this.enter(id.start);
    const { items: args, end } = this.items(')', 'call', false);
    this.depth--;
    const arity = ARITY[name];
    if (args.length > arity) this.fail(`${name} takes ${arity} argument${arity > 1 ? 's' : ''}`, args[arity]!.start);
    if (args.length < arity) this.fail(`${name} takes ${arity} argument${arity > 1 ? 's' : ''}`, end - 1);
    return this.built({ kind: 'call', name, args, start: id.start, end }, args, id.start);
  }

  private identifier(): Expr {
    const id = this.tokens[this.pos++]!;
    if (this.is('op', '(')) return this.call(id);
    if (id.text.startsWith('$') && id.text !== '$meta') this.fail(`unknown name "${id.text}"`, id.start);
    const path: (string | number)[] = [];
    let end = id.end;
    while (this.is('op', '[')) {
      this.pos++;
      const key = this.tok;
      if (key.type === 'string') path.push(key.text);
      else if (key.type === 'number' && Number.isSafeInteger(key.value) && /^[0-9]+$/.test(key.text)) {
        path.push(key.value!);
      } else this.fail('a JSON path step is a quoted key or a non-negative integer index', key.start);
      this.pos++;
      end = this.expect('op', ']', '"]" after the path step').end;
      if (path.length > MAX_DEPTH) this.fail(`a JSON path has at most ${MAX_DEPTH} steps`, key.start);
    }
    if (id.text === '$meta' && path.length === 0) this.fail('$meta needs a key, as in $meta["name"]', id.start);
    return { kind: 'field', name: id.text, path, start: id.start, end };
  }
}

/** Parses an expression into an AST (syntax only; `compileFilter` adds the schema checks). */
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
