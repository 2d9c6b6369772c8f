/**
 * Query parameters as TypeBox schemas: an operation's `query` is an object schema with one
 * property per parameter (an array: repeatable). The same schema is shown in the OpenAPI
 * document and checks the request: `readQuery` turns the query string's text into the
 * schema's values (integers, upper-case statuses, `sort=name` as `name+`) and refuses a bad
 * one with a 400 naming the parameter. Unknown or repeated parameters are refused before, by
 * the request bounds (src/admin/request-bounds.ts).
 */
import type { ParsedUrlQuery } from 'node:querystring';
import type {
  SchemaOptions,
  Static,
  TArray,
  TInteger,
  TObject,
  TOptional,
  TProperties,
  TSchema,
  TString,
  TUnsafe,
} from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { ListOptions } from '../db/stores/common.js';
import type { Validator } from '../schema/check.js';
import { compile, customReason } from '../schema/check.js';
import { parseRfc3339 } from '../schema/formats.js';
import { StringEnum } from '../schema/types.js';
import { badRequest } from './errors.js';

export const defaultLimit = 20;
export const maxLimit = 1000;

/** How a parameter's text becomes the schema's value (symbol-keyed: kept out of the JSON). */
const fromText = Symbol('fromText');

type QuerySchema = TSchema & { [fromText]?: (text: string) => unknown; items?: QuerySchema };

const valueOf = (schema: QuerySchema, text: string): unknown => schema[fromText]?.(text) ?? text;

const quoted = (v: unknown): string => `"${String(v)}"`;

/** An integer parameter; the text is read only when it is all digits. */
export function integer(minimum: number, maximum: number, options: SchemaOptions = {}): TOptional<TInteger> {
  return Type.Optional(
    Type.Integer({
      ...options,
      minimum,
      maximum,
      [fromText]: (t: string) => (/^\d+$/.test(t) ? Number(t) : t),
      [customReason]: (v: unknown) =>
        `must be an integer between ${minimum} and ${maximum}, got ${quoted(v)}`,
    }),
  );
}

/** One of `values`; `upperCase`: the text is compared in upper case (statuses). */
export function oneOf<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions & { upperCase?: boolean } = {},
): TUnsafe<T[number]> {
  const { upperCase, ...rest } = options;
  return StringEnum(values, {
    ...rest,
    ...(upperCase === true ? { [fromText]: (t: string) => t.toUpperCase() } : {}),
    [customReason]: (v: unknown) => `must be one of ${values.join(', ')}, got ${quoted(v)}`,
  });
}

/** A repeatable parameter (`?rule=a&rule=b`). */
export const repeatable = <T extends TSchema>(item: T, description: string): TOptional<TArray<T>> =>
  Type.Optional(Type.Array(item, { description }));

/** A repeatable parameter of names (rules, accounts, nodes…). */
export const names = (description: string): TOptional<TArray<TString>> =>
  repeatable(Type.String(), description);

export const rfc3339Param = (description: string): TOptional<TString> =>
  Type.Optional(Type.String({ format: 'date-time', description }));

export const protocolFilter = { protocol: names('Only these protocols (repeatable).') };

/**
 * `limit`, `offset` and `sort=key+|key-` of a list route, then its filters. `sort=name+`
 * arrives as `name ` (a `+` in a query string is a space): a trailing space or no direction
 * reads as ascending.
 */
export function listQuery<F extends TProperties = Record<never, TSchema>>(
  sortKeys: readonly string[],
  filters: F = {} as F,
) {
  const sort = oneOf(
    sortKeys.flatMap((k) => [`${k}+`, `${k}-`]),
    { description: 'Sort key and direction (`+` ascending, `-` descending).' },
  );
  return Type.Object({
    limit: integer(1, maxLimit, { default: defaultLimit, description: 'Page size.' }),
    offset: integer(0, Number.MAX_SAFE_INTEGER, { default: 0, description: 'Rows to skip.' }),
    sort: Type.Optional({ ...sort, [fromText]: (t: string) => t.replace(/^([A-Za-z]+) ?$/, '$1+') }),
    ...filters,
  });
}

/** What `listQuery` gives a handler. */
export interface Paging {
  limit?: number;
  offset?: number;
  sort?: string;
}

/** The store's paging and sort (the sort key was checked against the route's keys). */
export function listOptions(q: Paging): ListOptions {
  const options: ListOptions = { limit: q.limit ?? defaultLimit, offset: q.offset ?? 0 };
  if (q.sort !== undefined) options.sort = { key: q.sort.slice(0, -1), desc: q.sort.endsWith('-') };
  return options;
}

/** Epoch ms of a checked RFC 3339 parameter. */
export const epochMs = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : parseRfc3339(text);

const validators = new WeakMap<TObject, Validator<unknown>>();

/** The compiled check of a query schema, compiled on first use (when its route is mounted). */
export function queryValidator(schema: TObject): Validator<unknown> {
  let v = validators.get(schema);
  if (v === undefined) {
    v = compile(schema);
    validators.set(schema, v);
  }
  return v;
}

/** The query's values as `schema` types them; a 400 naming the first bad parameter otherwise. */
export function readQuery<Q extends TObject>(schema: Q, raw: ParsedUrlQuery): Static<Q> {
  const values: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties as Record<string, QuerySchema>)) {
    const given = raw[name];
    if (given === undefined) continue;
    const texts = Array.isArray(given) ? given : [given];
    const items = property.items;
    values[name] =
      items === undefined ? valueOf(property, texts[0] ?? '') : texts.map((t) => valueOf(items, t));
  }
  const error = queryValidator(schema).firstError(values);
  if (error !== undefined) {
    const name = error.path.replace(/\[\d+\]$/, '');
    if (error.kind !== 'missing') throw badRequest(`query parameter "${name}" ${error.reason}`);
    // A required choice (`DELETE /api/transfers?target=`) says what it may be.
    const choices = (schema.properties as Record<string, { enum?: string[] }>)[name]?.enum;
    throw badRequest(
      choices === undefined
        ? `missing required query parameter "${name}"`
        : `query parameter "${name}" must be one of ${choices.join(', ')}`,
    );
  }
  return values;
}
