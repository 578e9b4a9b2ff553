/**
 * Checks a parsed filter against a collection schema and returns a bound tree: names resolved to columns
 * (unknown names go to the dynamic `$meta` column when the schema is dynamic), `{param}` placeholders replaced
 * by typed literals, and static types checked so that, e.g., a string field compared with a number fails
 * here, with its position, instead of silently matching nothing. JSON and dynamic values are typed at run
 * time instead: a value of the wrong type there simply does not match.
 */

import type { ErrorCode } from '../../errors.js';
import { resolveFullText } from '../schema/full-text.js';
import { type CollectionSchema, DYNAMIC_FIELD } from '../schema/types.js';
import type { Expr, ExprOf, LiteralValue } from './ast.js';
import { filterError } from './filter-error.js';

/** What the binder knows about a value before run time; `any` is a JSON or dynamic value. */
export type StaticType = 'number' | 'string' | 'bool' | 'array' | 'any';

export interface BoundFilterTree {
  root: Expr;
  fields: Set<string>;
}

interface Bound {
  e: Expr;
  t: StaticType;
}

const MAX_PARAM_DEPTH = 8;

class Binder {
  readonly fields = new Set<string>();
  private readonly types = new Map<string, StaticType | 'vector' | 'json'>();
  /** Literals substituted for `{param}`s: a type error there is the caller's param, so FILTER_PARAM. */
  private readonly fromParam = new WeakSet<Expr>();

  constructor(
    private readonly src: string,
    private readonly schema: CollectionSchema,
    private readonly params: Record<string, unknown>,
  ) {
    for (const f of schema.fields) {
      const t = f.type;
      this.types.set(f.name, t === 'int' || t === 'float' ? 'number' : t === 'string[]' ? 'array' : t);
    }
  }

  private fail(code: ErrorCode, message: string, at: number): never {
    throw filterError(code, message, this.src, at);
  }

  private typeError(message: string, at: Expr): never {
    return this.fail(this.fromParam.has(at) ? 'FILTER_PARAM' : 'FILTER_TYPE', message, at.start);
  }

  bind(e: Expr): Bound {
    switch (e.kind) {
      case 'literal':
        return { e, t: literalType(e.value) };
      case 'array':
        return { e: { ...e, items: e.items.map((i) => this.constant(i)) }, t: 'array' };
      case 'param':
        return this.bind(this.param(e));
      case 'field':
        return this.field(e);
      case 'not':
        return { e: { ...e, operand: this.condition(e.operand) }, t: 'bool' };
      case 'logic':
        return { e: { ...e, left: this.condition(e.left), right: this.condition(e.right) }, t: 'bool' };
      case 'neg':
        return { e: { ...e, operand: this.numeric(e.operand, 'unary minus') }, t: 'number' };
      case 'arith': {
        const what = `"${e.op}"`;
        return { e: { ...e, left: this.numeric(e.left, what), right: this.numeric(e.right, what) }, t: 'number' };
      }
      case 'compare':
        return this.compare(e);
      case 'in':
        return this.inList(e);
      case 'like':
        return this.like(e);
      case 'isnull': {
        const operand = this.bind(e.operand);
        if (operand.e.kind !== 'field') this.typeError('"is null" applies to a field', e.operand);
        return { e: { ...e, operand: operand.e }, t: 'bool' };
      }
      case 'call':
        return e.name === 'text_match' ? this.textMatch(e) : this.call(e);
      case 'textmatch':
        return { e, t: 'bool' };
    }
  }

  /** `text_match(field, "query")`: the field must be full-text indexed; the query is analyzed once, here. */
  private textMatch(e: ExprOf<'call'>): Bound {
    const target = this.bind(e.args[0]!);
    const name = target.e.kind === 'field' && !target.e.dynamic && target.e.path.length === 0 ? target.e.name : '';
    const field = this.schema.fields.find((f) => f.name === name);
    const text = field && resolveFullText(field);
    if (!text) {
      this.typeError(
        name
          ? `text_match needs a full-text field; "${name}" was not declared with fullText`
          : 'text_match applies to a full-text string field',
        target.e,
      );
    }
    const query = this.bind(e.args[1]!);
    if (query.e.kind !== 'literal' || typeof query.e.value !== 'string') {
      this.typeError('text_match needs a string of words to match', query.e);
    }
    const words = query.e.value as string;
    return {
      e: {
        kind: 'textmatch',
        field: name,
        query: words,
        terms: text!.analyzer.analyze(words),
        analyzer: text!.analyzer,
        start: e.start,
        end: e.end,
      },
      t: 'bool',
    };
  }

  /** Binds an expression that must be a constant value (list items, function arguments). */
  private constant(e: Expr): Expr {
    const b = this.bind(e);
    if (b.e.kind !== 'literal' && b.e.kind !== 'array') this.typeError('a list holds constant values only', e);
    return b.e;
  }

  private condition(e: Expr): Expr {
    const b = this.bind(e);
    if (b.t !== 'bool' && b.t !== 'any') this.typeError(`expected a condition, found a ${b.t} value`, b.e);
    return b.e;
  }

  private numeric(e: Expr, what: string): Expr {
    const b = this.bind(e);
    if (b.t !== 'number' && b.t !== 'any') this.typeError(`${what} needs numbers, not ${b.t}`, b.e);
    return b.e;
  }

  private param(e: ExprOf<'param'>): Expr {
    if (!Object.hasOwn(this.params, e.name)) this.fail('FILTER_PARAM', `no value given for {${e.name}}`, e.start);
    const span = { start: e.start, end: e.end };
    const toLiteral = (v: unknown, depth: number): Expr => {
      let out: Expr | undefined;
      if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean') {
        out = { kind: 'literal', value: v, ...span };
      } else if (Array.isArray(v) && depth < MAX_PARAM_DEPTH) {
        out = { kind: 'array', items: v.map((x) => toLiteral(x, depth + 1)), ...span };
      }
      if (!out) {
        this.fail('FILTER_PARAM', `{${e.name}} must be a finite number, string, boolean or array of them`, e.start);
      }
      this.fromParam.add(out);
      return out;
    };
    return toLiteral(this.params[e.name], 0);
  }

  private field(e: ExprOf<'field'>): Bound {
    if (e.name === DYNAMIC_FIELD) {
      if (!this.schema.dynamic) this.fail('FIELD_NOT_FOUND', 'this collection has no dynamic fields ($meta)', e.start);
      this.fields.add(DYNAMIC_FIELD);
      return { e: { ...e, dynamic: true }, t: 'any' };
    }
    const type = this.types.get(e.name);
    if (type === undefined) {
      if (!this.schema.dynamic) this.fail('FIELD_NOT_FOUND', `unknown field "${e.name}"`, e.start);
      this.fields.add(DYNAMIC_FIELD);
      return { e: { ...e, name: DYNAMIC_FIELD, path: [e.name, ...e.path], dynamic: true }, t: 'any' };
    }
    if (type === 'vector') this.typeError(`vector field "${e.name}" cannot be used in a filter`, e);
    if (e.path.length > 0 && type !== 'json' && type !== 'array') {
      this.typeError(`"${e.name}" is not a JSON or array field, so it has no path`, e);
    }
    this.fields.add(e.name);
    return { e, t: type === 'json' || e.path.length > 0 ? 'any' : type };
  }

  private compare(e: ExprOf<'compare'>): Bound {
    const l = this.bind(e.left);
    const r = this.bind(e.right);
    if (l.t !== 'any' && r.t !== 'any') {
      if (l.t !== r.t) this.typeError(`cannot compare ${l.t} with ${r.t}`, fromParamFirst(this.fromParam, r.e, l.e));
      if (e.op !== '==' && e.op !== '!=' && (l.t === 'bool' || l.t === 'array')) {
        this.typeError(`"${e.op}" does not apply to ${l.t} values`, l.e);
      }
      if (l.t === 'array') {
        this.stringItems(l.e.kind === 'array' ? l.e : undefined);
        this.stringItems(r.e.kind === 'array' ? r.e : undefined);
      }
    }
    return { e: { ...e, left: l.e, right: r.e }, t: 'bool' };
  }

  /** A string[] field compares with lists of strings only. */
  private stringItems(list: Expr | undefined): void {
    if (list?.kind !== 'array') return;
    for (const item of list.items) {
      if (item.kind !== 'literal' || typeof item.value !== 'string') {
        this.typeError('string[] fields hold strings', this.fromParam.has(list) ? list : item);
      }
    }
  }

  private inList(e: ExprOf<'in'>): Bound {
    const operand = this.bind(e.operand);
    if (operand.t === 'array') this.typeError('"in" tests one value; use array_contains_any for arrays', operand.e);
    const list = this.bind(e.list);
    if (list.e.kind !== 'array') this.typeError('"in" needs a list such as [1, 2, 3]', list.e);
    if (operand.t !== 'any') {
      for (const item of list.e.items) {
        const it = item.kind === 'literal' ? literalType(item.value) : 'array';
        if (it !== operand.t) {
          this.typeError(
            `list item is ${it}, but the value is ${operand.t}`,
            this.fromParam.has(list.e) ? list.e : item,
          );
        }
      }
    }
    return { e: { ...e, operand: operand.e, list: list.e }, t: 'bool' };
  }

  private like(e: ExprOf<'like'>): Bound {
    const operand = this.bind(e.operand);
    if (operand.t !== 'string' && operand.t !== 'any')
      this.typeError(`"like" needs a string, not ${operand.t}`, operand.e);
    const pattern = this.bind(e.pattern);
    if (pattern.e.kind !== 'literal' || typeof pattern.e.value !== 'string') {
      this.typeError('"like" needs a string pattern', pattern.e);
    }
    return { e: { ...e, operand: operand.e, pattern: pattern.e }, t: 'bool' };
  }

  private call(e: ExprOf<'call'>): Bound {
    const target = this.bind(e.args[0]!);
    if (target.e.kind !== 'field') this.typeError(`${e.name} applies to a field`, target.e);
    if (target.t !== 'array' && target.t !== 'any') {
      this.typeError(`${e.name} needs ${e.name.startsWith('json_') ? 'a JSON' : 'an array'} field`, target.e);
    }
    const args: Expr[] = [target.e];
    if (e.args.length === 2) {
      const v = this.bind(e.args[1]!);
      const wantsList = e.name.endsWith('_all') || e.name.endsWith('_any');
      if (wantsList && v.e.kind !== 'array') this.typeError(`${e.name} needs a list as its second argument`, v.e);
      if (v.e.kind !== 'literal' && v.e.kind !== 'array') this.typeError(`${e.name} needs a constant value`, v.e);
      if (target.t === 'array') {
        if (wantsList) this.stringItems(v.e);
        else if (v.t !== 'string') this.typeError('string[] fields hold strings', v.e);
      }
      args.push(v.e);
    }
    return { e: { ...e, args }, t: e.name === 'array_length' ? 'number' : 'bool' };
  }
}

/** Blames the side that came from a `{param}` when there is one, else the right-hand side. */
function fromParamFirst(fromParam: WeakSet<Expr>, right: Expr, left: Expr): Expr {
  return !fromParam.has(right) && fromParam.has(left) ? left : right;
}

function literalType(v: LiteralValue): StaticType {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'array';
}

export function bindFilter(
  expression: string,
  root: Expr,
  schema: CollectionSchema,
  params: Record<string, unknown> = {},
): BoundFilterTree {
  if (params === null || typeof params !== 'object') {
    throw filterError('FILTER_PARAM', 'params must be an object', expression, 0);
  }
  const binder = new Binder(expression, schema, params);
  const { e, t } = binder.bind(root);
  if (t !== 'bool' && t !== 'any') {
    throw filterError('FILTER_TYPE', `a filter must be a condition, not a ${t} value`, expression, root.start);
  }
  return { root: e, fields: binder.fields };
}
