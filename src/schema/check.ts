/**
 * Compiled checks of the contract's schemas, and the first error of a bad value in the words
 * of the API's messages (`must be a string, got a number`, `is longer than 255 characters`),
 * with the field's path (`preTasks[0].args`). Compile at module load: TypeCompiler builds the
 * check function once; walking the errors only happens for values that fail.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Kind } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/errors';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { FormatName } from './formats.js';
import { formats, patternReasons } from './formats.js';
import { isNullableSchema, nullableInner } from './types.js';

/** A symbol-keyed reason on a schema overrides the generic one (kept out of the JSON). */
export const customReason = Symbol('customReason');

export interface FieldError {
  /** `unknown`: a field the object does not have; `missing`: a required one is absent. */
  readonly kind: 'unknown' | 'missing' | 'invalid';
  /** Dotted path from the checked value (`preTasks[0].type`); empty for the value itself. */
  readonly path: string;
  /** What is wrong, to follow the field's name: `must be an integer, got a string`. */
  readonly reason: string;
  /** Unknown fields: the fields the object has. */
  readonly expected?: readonly string[];
}

export interface Validator<T> {
  readonly schema: TSchema;
  check(value: unknown): value is T;
  /** The first error, undefined when the value is valid. */
  firstError(value: unknown): FieldError | undefined;
}

export function compile<T extends TSchema>(schema: T): Validator<Static<T>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    schema,
    check: (value): value is Static<T> => compiled.Check(value),
    firstError: (value) => (compiled.Check(value) ? undefined : firstErrorOf(schema, value, '')),
  };
}

/** The kind of value a message says it got. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function firstErrorOf(schema: TSchema, value: unknown, prefix: string): FieldError {
  const errors = [...Value.Errors(schema, value)];
  // As a reader goes: wrong or unknown fields first, then what is missing.
  // (A missing field is also reported as a wrong type of `undefined`, which JSON cannot hold.)
  const first =
    errors.find((e) => e.type !== ValueErrorType.ObjectRequiredProperty && e.value !== undefined) ??
    errors.find((e) => e.type === ValueErrorType.ObjectRequiredProperty) ??
    errors[0];
  if (first === undefined) return { kind: 'invalid', path: prefix, reason: 'is not valid' };
  const path = joinPath(prefix, pointerToPath(value, first.path));
  if (first.type === ValueErrorType.Kind && isNullableSchema(first.schema) && first.value !== null) {
    return firstErrorOf(first.schema[nullableInner], first.value, path);
  }
  if (first.type === ValueErrorType.ObjectRequiredProperty)
    return { kind: 'missing', path, reason: 'is required' };
  if (first.type === ValueErrorType.ObjectAdditionalProperties) {
    const properties = (first.schema as { properties?: Record<string, unknown> }).properties ?? {};
    return { kind: 'unknown', path, reason: 'is not a field here', expected: Object.keys(properties) };
  }
  return { kind: 'invalid', path, reason: reasonOf(first, path === '') };
}

const typeNames: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.String]: 'a string',
  [ValueErrorType.Number]: 'a number',
  [ValueErrorType.Integer]: 'an integer',
  [ValueErrorType.Boolean]: 'a boolean',
  [ValueErrorType.Array]: 'an array',
};

type Schema = TSchema & Record<string | symbol, unknown>;
const textOf = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Reasons by error; the value is the one at fault, `isRoot` when it is the whole body. */
const reasons: Partial<Record<ValueErrorType, (s: Schema, value: unknown, isRoot: boolean) => string>> = {
  [ValueErrorType.Object]: (_s, v, isRoot) =>
    `must be ${isRoot ? 'a JSON object' : 'an object'}, got ${describeValue(v)}`,
  [ValueErrorType.IntegerMinimum]: (s) => `must be >= ${String(s.minimum)}`,
  [ValueErrorType.NumberMinimum]: (s) => `must be >= ${String(s.minimum)}`,
  [ValueErrorType.IntegerMaximum]: (s) => `must be <= ${String(s.maximum)}`,
  [ValueErrorType.NumberMaximum]: (s) => `must be <= ${String(s.maximum)}`,
  [ValueErrorType.StringMaxLength]: (s) => `is longer than ${String(s.maxLength)} characters`,
  [ValueErrorType.StringPattern]: (s, v) =>
    textOf(v).trim() === ''
      ? 'must not be empty'
      : (patternReasons[String(s.pattern)] ?? `must match ${String(s.pattern)}`),
  [ValueErrorType.StringFormat]: (s, v) => {
    const format = formats[s.format as FormatName];
    const text = textOf(v);
    return text.trim() === '' && !format.check(text.trim()) ? 'must not be empty' : format.reason(text);
  },
  [ValueErrorType.ArrayMaxItems]: () => 'has too many items',
  [ValueErrorType.Kind]: (s) =>
    s[Kind] === 'StringEnum' ? `must be one of ${(s.enum as string[]).join(', ')}` : 'is not valid',
  [ValueErrorType.Union]: (_s, v) => (v === null ? 'must not be null' : `must not be ${describeValue(v)}`),
};

function reasonOf(e: ValueError, isRoot: boolean): string {
  const s = e.schema as Schema;
  const custom = s[customReason];
  if (typeof custom === 'function') return (custom as (v: unknown) => string)(e.value);
  const typeName = typeNames[e.type];
  if (typeName !== undefined) return `must be ${typeName}, got ${describeValue(e.value)}`;
  return reasons[e.type]?.(s, e.value, isRoot) ?? e.message;
}

export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '' || path.startsWith('[')) return `${prefix}${path}`;
  return `${prefix}.${path}`;
}

/** `/preTasks/0/args` → `preTasks[0].args`, indexes where the value has an array. */
function pointerToPath(root: unknown, pointer: string): string {
  let out = '';
  let here: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = Array.isArray(here) ? `${out}[${key}]` : joinPath(out, key);
    here = typeof here === 'object' && here !== null ? (here as Record<string, unknown>)[key] : undefined;
  }
  return out;
}
