/**
 * Builders for the admin contract's schemas. Every builder returns plain JSON Schema that is
 * also valid OpenAPI 3.0 (enum, nullable, additionalProperties: no `const`, no `anyOf null`), so
 * the document serves the schemas as they are. Two rules TypeBox has no type for are registered
 * kinds: string enums and nullable values.
 */
import type { SchemaOptions, Static, TSchema, TUnsafe } from '@sinclair/typebox';
import { Kind, Type, TypeRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FormatName } from './formats.js';
import './formats.js';
import { namePattern, nonBlankPattern } from './formats.js';

/** Strings have a bound unless they say otherwise (255, as the database's name columns). */
export const defaultMaxLength = 255;

export interface StringRule extends SchemaOptions {
  /** Not empty nor only spaces. */
  nonEmpty?: boolean;
  max?: number;
  format?: FormatName;
}

export function Str(rule: StringRule = {}): ReturnType<typeof Type.String> {
  const { nonEmpty, max, ...options } = rule;
  return Type.String({
    ...options,
    maxLength: max ?? defaultMaxLength,
    ...(nonEmpty === true ? { pattern: nonBlankPattern } : {}),
  });
}

/** A name used in URL paths (servers, partners, accounts, rules, users, credentials). */
export const Name = (options: SchemaOptions = {}): ReturnType<typeof Type.String> =>
  Type.String({ ...options, maxLength: defaultMaxLength, pattern: namePattern });

/** Any JSON object (protocol configuration, transfer info). */
export const FreeObject = (options: SchemaOptions = {}): TUnsafe<Record<string, unknown>> =>
  Type.Unsafe<Record<string, unknown>>(Type.Object({}, { ...options, additionalProperties: true }));

/** `{key: value}` with values of `item` (OpenAPI 3.0 has no patternProperties). */
export const MapOf = <T extends TSchema>(
  item: T,
  options: SchemaOptions = {},
): TUnsafe<Record<string, Static<T>>> =>
  Type.Unsafe<Record<string, Static<T>>>(Type.Object({}, { ...options, additionalProperties: item }));

interface EnumSchema extends TSchema {
  enum: readonly string[];
  'x-case-insensitive'?: boolean;
}

TypeRegistry.Set<EnumSchema>('StringEnum', (schema, value) => {
  if (typeof value !== 'string') return false;
  return schema.enum.includes(schema['x-case-insensitive'] === true ? value.toUpperCase() : value);
});

/**
 * One of `values`. `caseInsensitive`: the value is compared in upper case (task types, as the
 * reference); the value is kept as given, callers normalize it.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions & { caseInsensitive?: boolean } = {},
): TUnsafe<T[number]> {
  const { caseInsensitive, ...rest } = options;
  return Type.Unsafe<T[number]>({
    ...rest,
    ...(caseInsensitive === true ? { 'x-case-insensitive': true } : {}),
    [Kind]: 'StringEnum',
    type: 'string',
    enum: [...values],
  });
}

/** The schema a Nullable wraps, out of the JSON (the JSON shows it spread, with `nullable`). */
export const nullableInner = Symbol('nullableInner');

interface NullableSchema extends TSchema {
  [nullableInner]: TSchema;
}

TypeRegistry.Set<NullableSchema>(
  'Nullable',
  (schema, value) => value === null || Value.Check(schema[nullableInner], value),
);

/** `schema` or null, written as OpenAPI 3.0's `nullable: true`. */
export function Nullable<T extends TSchema>(
  schema: T,
  options: SchemaOptions = {},
): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({
    ...schema,
    ...options,
    nullable: true,
    [Kind]: 'Nullable',
    [nullableInner]: schema,
  });
}

export function isNullableSchema(schema: TSchema): schema is NullableSchema {
  return schema[Kind] === 'Nullable';
}
