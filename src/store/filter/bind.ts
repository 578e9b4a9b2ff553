/**
 * Checks a parsed filter against a collection schema and returns a bound tree: names resolved to columns
 * (unknown names go to the dynamic `$meta` column when the schema is dynamic), `{param}` placeholders replaced
 * by typed literals, and static types checked so that, e.g., a string field compared with a number fails
 * here, with its position, instead of silently matching nothing. JSON and dynamic values are typed at run
 * time instead: a value of the wrong type there simply does not match.
 */

import type { ErrorCode } from '../../errors.js';
import { type CollectionSchema, DYNAMIC_FIELD } from '../schema/types.js';
import type { Expr, ExprOf, LiteralValue } from './ast.js';
import { filterError } from './filter-error.js';

export type StaticType = 'number' | 'string' | 'bool' | 'array' | 'any';

export interface BoundFilterTree {
  root: Expr;
  fields: Set<string>;
}

class Binder {
  readonly fields = new Set<string>();
  private readonly types = new Map<string, StaticType | 'vector' | 'json'>();

  constructor(
    private readonly src: string,
    private readonly schema: CollectionSchema,
    private readonly params: Record<string, unknown>,
  ) {
    for (const f of schema.fields) {
      const t = f.type;
      const mapped = t === 'int' || t === 'float' ? 'number' : t === 'string[]' ? 'array' : t === 'bool' ? 'bool' : t;
      this.types.set(f.name, mapped as StaticType | 'vector' | 'json');
    }
  }

  private fail(code: ErrorCode, message: string, at: number): never {
    throw filterError(code, message, this.src, at);
  }

  private typeError(message: string, at: number): never {
    return this.fail('FILTER_TYPE', message, at);
  }

  bind(e: Expr): { e: Expr; t: StaticType } {
    switch (e.kind) {
      case 'literal':
        return { e, t: literalType(e.value) };
      case 'array':
        return { e: { ...e, items: e.items.map((i) => this.value(i)) }, t: 'array' };
      case 'param':
        return this.bind(this.param(e));
      case 'field':
        return this.field(e);
      case 'not': {
        const operand = this.boolean(e.operand);
        return { e: { ...e, operand }, t: 'bool' };
      }
      case 'logic':
        return { e: { ...e, left: this.boolean(e.left), right: this.boolean(e.right) }, t: 'bool' };
      case 'neg': {
        const operand = this.numeric(e.operand, 'unary minus');
        return { e: { ...e, operand }, t: 'number' };
      }
      case 'arith':
        return {
          e: { ...e, left: this.numeric(e.left, `"${e.op}"`), right: this.numeric(e.right, `"${e.op}"`) },
          t: 'number',
        };
      case 'compare':
        return this.compare(e);
      case 'in':
        return this.inList(e);
      case 'like': {
        const operand = this.bind(e.operand);
        if (operand.t !== 'string' && operand.t !== 'any')
          this.typeError(`"like" needs a string, not ${operand.t}`, e.operand.start);
        const pattern = this.bind(e.pattern);
        if (pattern.e.kind !== 'literal' || typeof pattern.e.value !== 'string') {
          this.typeError('"like" needs a string pattern', e.pattern.start);
        }
        return { e: { ...e, operand: operand.e, pattern: pattern.e }, t: 'bool' };
      }
      case 'isnull': {
        const operand = this.bind(e.operand);
        if (operand.e.kind !== 'field') this.typeError('"is null" applies to a field', e.operand.start);
        return { e: { ...e, operand: operand.e }, t: 'bool' };
      }
      case 'call':
        return this.call(e);
    }
  }

  /** Binds an expression that must be a constant value (array items, `in` lists). */
  private value(e: Expr): Expr {
    const b = this.bind(e);
    if (b.e.kind !== 'literal' && b.e.kind !== 'array') this.typeError('a list holds constant values only', e.start);
    return b.e;
  }

  private boolean(e: Expr): Expr {
    const b = this.bind(e);
    if (b.t !== 'bool' && b.t !== 'any') this.typeError(`expected a condition, found a ${b.t} value`, e.start);
    return b.e;
  }

  private numeric(e: Expr, what: string): Expr {
    const b = this.bind(e);
    if (b.t !== 'number' && b.t !== 'any') this.typeError(`${what} needs numbers, not ${b.t}`, e.start);
    return b.e;
  }

  private param(e: ExprOf<'param'>): Expr {
    if (!Object.hasOwn(this.params, e.name)) {
      this.fail('FILTER_PARAM', `no value given for {${e.name}}`, e.start);
    }
    const toLiteral = (v: unknown, depth: number): Expr => {
      if (typeof v === 'number' && Number.isFinite(v)) return { kind: 'literal', value: v, start: e.start, end: e.end };
      if (typeof v === 'string' || typeof v === 'boolean')
        return { kind: 'literal', value: v, start: e.start, end: e.end };
      if (Array.isArray(v) && depth < 8) {
        return { kind: 'array', items: v.map((x) => toLiteral(x, depth + 1)), start: e.start, end: e.end };
      }
      return this.fail(
        'FILTER_PARAM',
        `{${e.name}} must be a finite number, string, boolean or array of them`,
        e.start,
      );
    };
    return toLiteral(this.params[e.name], 0);
  }

  private field(e: ExprOf<'field'>): { e: Expr; t: StaticType } {
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
    if (type === 'vector') this.typeError(`vector field "${e.name}" cannot be used in a filter`, e.start);
    if (e.path.length > 0 && type !== 'json' && type !== 'array') {
      this.typeError(`"${e.name}" is not a JSON or array field, so it has no path`, e.start);
    }
    this.fields.add(e.name);
    const t: StaticType = type === 'json' || e.path.length > 0 ? 'any' : type;
    return { e, t };
  }

  private compare(e: ExprOf<'compare'>): { e: Expr; t: StaticType } {
    const l = this.bind(e.left);
    const r = this.bind(e.right);
    const ordered = e.op !== '==' && e.op !== '!=';
    if (l.t !== 'any' && r.t !== 'any') {
      if (l.t !== r.t) this.typeError(`cannot compare ${l.t} with ${r.t}`, e.right.start);
      if (ordered && (l.t === 'bool' || l.t === 'array'))
        this.typeError(`"${e.op}" does not apply to ${l.t} values`, e.left.start);
    }
    return { e: { ...e, left: l.e, right: r.e }, t: 'bool' };
  }

  private inList(e: ExprOf<'in'>): { e: Expr; t: StaticType } {
    const operand = this.bind(e.operand);
    if (operand.t === 'array' || operand.t === 'bool') {
      if (operand.t === 'array')
        this.typeError('"in" tests one value; use array_contains_any for arrays', e.operand.start);
    }
    const list = this.bind(e.list);
    if (list.e.kind !== 'array') this.typeError('"in" needs a list such as [1, 2, 3]', e.list.start);
    if (operand.t !== 'any') {
      for (const item of (list.e as ExprOf<'array'>).items) {
        const it = item.kind === 'literal' ? literalType(item.value) : 'array';
        if (it !== operand.t) this.typeError(`list item is ${it}, but the value is ${operand.t}`, item.start);
      }
    }
    return { e: { ...e, operand: operand.e, list: list.e }, t: 'bool' };
  }

  private call(e: ExprOf<'call'>): { e: Expr; t: StaticType } {
    const arity = e.name === 'array_length' ? 1 : 2;
    if (e.args.length !== arity) this.typeError(`${e.name} takes ${arity} argument${arity > 1 ? 's' : ''}`, e.start);
    const target = this.bind(e.args[0]!);
    if (target.e.kind !== 'field') this.typeError(`${e.name} applies to a field`, e.args[0]!.start);
    const json = e.name.startsWith('json_');
    if (json ? target.t !== 'any' : target.t !== 'array' && target.t !== 'any') {
      this.typeError(`${e.name} needs ${json ? 'a JSON' : 'an array'} field`, e.args[0]!.start);
    }
    const args: Expr[] = [target.e];
    if (arity === 2) {
      const v = this.bind(e.args[1]!);
      const wantsList = e.name.endsWith('_all') || e.name.endsWith('_any');
      if (wantsList && v.e.kind !== 'array')
        this.typeError(`${e.name} needs a list as its second argument`, e.args[1]!.start);
      if (v.e.kind !== 'literal' && v.e.kind !== 'array')
        this.typeError(`${e.name} needs a constant value`, e.args[1]!.start);
      if (!wantsList && target.t === 'array' && v.t !== 'string')
        this.typeError('string[] fields hold strings', e.args[1]!.start);
      args.push(v.e);
    }
    return { e: { ...e, args }, t: e.name === 'array_length' ? 'number' : 'bool' };
  }
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
  if (params === null || typeof params !== 'object')
    throw filterError('FILTER_PARAM', 'params must be an object', expression, 0);
  const binder = new Binder(expression, schema, params);
  const { e, t } = binder.bind(root);
  if (t !== 'bool' && t !== 'any')
    throw filterError('FILTER_TYPE', `a filter must be a condition, not a ${t} value`, expression, root.start);
  return { root: e, fields: binder.fields };
}
