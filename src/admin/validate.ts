/**
 * Small typed validators for request bodies and query strings. A check either returns the
 * typed value or throws a 400 naming the field, so handlers only see well-formed input.
 */
import { isIP } from 'node:net';
import { splitHostPort } from '../config/address.js';
import { badRequest } from './errors.js';

/** Validates one value; `field` is its dotted path, used in messages. */
export type Check<T> = (value: unknown, field: string) => T;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function wrongType(field: string, expected: string, value: unknown): Error {
  return badRequest(`field "${field}" must be ${expected}, got ${describe(value)}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const is = {
  string:
    (opts: { nonEmpty?: boolean; max?: number } = {}): Check<string> =>
    (value, field) => {
      if (typeof value !== 'string') throw wrongType(field, 'a string', value);
      if (opts.nonEmpty === true && value.trim() === '')
        throw badRequest(`field "${field}" must not be empty`);
      if (value.length > (opts.max ?? 255)) {
        throw badRequest(`field "${field}" is longer than ${opts.max ?? 255} characters`);
      }
      return value;
    },

  /** A name used in URL paths: non-empty, no `/`, no control characters. */
  name: (): Check<string> => (value, field) => {
    const s = is.string({ nonEmpty: true })(value, field);
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (/[/\u0000-\u001f\u007f]/.test(s) || s !== s.trim()) {
      throw badRequest(`field "${field}" must not contain "/", control characters or surrounding spaces`);
    }
    return s;
  },

  integer:
    (opts: { min?: number; max?: number } = {}): Check<number> =>
    (value, field) => {
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        throw wrongType(field, 'an integer', value);
      if (opts.min !== undefined && value < opts.min)
        throw badRequest(`field "${field}" must be >= ${opts.min}`);
      if (opts.max !== undefined && value > opts.max)
        throw badRequest(`field "${field}" must be <= ${opts.max}`);
      return value;
    },

  number:
    (opts: { min?: number; max?: number } = {}): Check<number> =>
    (value, field) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(field, 'a number', value);
      if (opts.min !== undefined && value < opts.min)
        throw badRequest(`field "${field}" must be >= ${opts.min}`);
      if (opts.max !== undefined && value > opts.max)
        throw badRequest(`field "${field}" must be <= ${opts.max}`);
      return value;
    },

  boolean: (): Check<boolean> => (value, field) => {
    if (typeof value !== 'boolean') throw wrongType(field, 'a boolean', value);
    return value;
  },

  oneOf:
    <const T extends string>(values: readonly T[]): Check<T> =>
    (value, field) => {
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
        throw badRequest(`field "${field}" must be one of ${values.join(', ')}`);
      }
      return value as T;
    },

  arrayOf:
    <T>(item: Check<T>, opts: { max?: number } = {}): Check<T[]> =>
    (value, field) => {
      if (!Array.isArray(value)) throw wrongType(field, 'an array', value);
      if (value.length > (opts.max ?? 1000)) throw badRequest(`field "${field}" has too many items`);
      return value.map((v, i) => item(v, `${field}[${i}]`));
    },

  /** Any JSON object (protocol configuration, transfer info). */
  jsonObject: (): Check<Record<string, unknown>> => (value, field) => {
    if (!isPlainObject(value)) throw wrongType(field, 'an object', value);
    return value;
  },

  /** `{key: "string"}`. */
  stringMap: (): Check<Record<string, string>> => (value, field) => {
    if (!isPlainObject(value)) throw wrongType(field, 'an object', value);
    for (const [k, v] of Object.entries(value)) is.string({ max: 65536 })(v, `${field}.${k}`);
    return value as Record<string, string>;
  },

  /** `host:port` with a port (a listener or partner address). */
  address: (): Check<string> => (value, field) => {
    const s = is.string({ nonEmpty: true })(value, field);
    const hp = splitHostPort(s);
    if (hp === undefined || hp.port === undefined) {
      throw badRequest(`field "${field}" must be an address "host:port", got "${s}"`);
    }
    return s;
  },

  /** `host`, `host:port`, or empty (a client's optional local bind address). */
  optionalAddress: (): Check<string> => (value, field) => {
    const s = is.string()(value, field);
    if (s !== '' && splitHostPort(s) === undefined) {
      throw badRequest(`field "${field}" must be an address "host[:port]", got "${s}"`);
    }
    return s;
  },

  /** An IP address or a CIDR block. */
  ipOrCidr: (): Check<string> => (value, field) => {
    const s = is.string({ nonEmpty: true })(value, field);
    const [ip = '', bits, extra] = s.split('/');
    const family = isIP(ip);
    const okBits =
      bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !okBits || extra !== undefined) {
      throw badRequest(`field "${field}" must be an IP address or a CIDR block, got "${s}"`);
    }
    return s;
  },

  /** An RFC 3339 date-time, returned as epoch milliseconds. */
  dateTime: (): Check<number> => (value, field) => {
    const s = is.string()(value, field);
    const ms = parseRfc3339(s);
    if (ms === undefined) throw badRequest(`field "${field}" must be an RFC 3339 date, got "${s}"`);
    return ms;
  },
};

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 date-time (a zone is required), or undefined. */
export function parseRfc3339(s: string): number | undefined {
  if (!rfc3339.test(s)) return undefined;
  const ms = Date.parse(s.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

export type Shape = Record<string, Check<unknown>>;
export type Out<S extends Shape> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };

/**
 * Checks a JSON object against `shape`: unknown fields, wrong types and missing required
 * fields are 400s naming the field. Absent optional fields stay absent (PATCH keeps them).
 */
export function parseObject<S extends Shape, R extends keyof S & string = never>(
  body: unknown,
  shape: S,
  required: readonly R[] = [],
  prefix = '',
): Partial<Out<S>> & Pick<Out<S>, R> {
  const where = prefix === '' ? 'the request body' : `field "${prefix}"`;
  if (!isPlainObject(body)) throw badRequest(`${where} must be a JSON object, got ${describe(body)}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const check = Object.hasOwn(shape, key) ? shape[key] : undefined;
    const field = prefix === '' ? key : `${prefix}.${key}`;
    if (check === undefined) {
      throw badRequest(`unknown field "${field}" (expected: ${Object.keys(shape).join(', ')})`);
    }
    out[key] = check(value, field);
  }
  for (const key of required) {
    if (!(key in out))
      throw badRequest(`missing required field "${prefix === '' ? key : `${prefix}.${key}`}"`);
  }
  return out as Partial<Out<S>> & Pick<Out<S>, R>;
}

/** A nested-object check built from a shape, for arrays of objects (tasks). */
export function objectOf<S extends Shape, R extends keyof S & string = never>(
  shape: S,
  required: readonly R[] = [],
): Check<Partial<Out<S>> & Pick<Out<S>, R>> {
  return (value, field) => parseObject(value, shape, required, field);
}
