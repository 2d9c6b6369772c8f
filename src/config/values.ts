import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';

/** A parsed setting: strings stay strings, numbers are ints/ms/modes, lists are CIDR lists. */
export type ConfigValue = string | number | boolean | readonly string[];

/** The type of a setting, which says how its text is parsed and checked. */
export type ValueType =
  /** `check` returns an error message for a bad value, undefined when fine. */
  | { readonly kind: 'string'; readonly check?: (value: string) => string | undefined }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  /** Go-style duration (`5s`, `500ms`, `1m30s`), parsed to milliseconds, at least `minMs`. */
  | { readonly kind: 'duration'; readonly minMs: number }
  /** Octal mode bits such as `0640`. */
  | { readonly kind: 'mode' }
  /** Case-insensitive choice; `values` maps each spelling (as documented) to the parsed value. */
  | { readonly kind: 'enum'; readonly values: Readonly<Record<string, string>> }
  | { readonly kind: 'bool' }
  /** Comma-separated CIDRs; a bare IP becomes a /32 or /128. */
  | { readonly kind: 'cidrs' }
  /** Comma-separated absolute paths (normalised). */
  | { readonly kind: 'paths' };

export type ParseResult =
  { readonly ok: true; readonly value: ConfigValue } | { readonly ok: false; readonly message: string };

const ok = (value: ConfigValue): ParseResult => ({ ok: true, value });
const fail = (message: string): ParseResult => ({ ok: false, message });
const q = (s: string): string => JSON.stringify(s);

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const durationPart = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** `5s`, `500ms`, `2m`, `1h30m`, `1.5s`, `90d` or `0` → milliseconds (rounded); undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  durationPart.lastIndex = 0;
  while (durationPart.lastIndex < text.length) {
    const m = durationPart.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * (unitMs[m[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** `10.0.0.0/8` or `10.1.2.3` → normalised CIDR; undefined if malformed. */
export function parseCidr(text: string): string | undefined {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) return undefined;
  const maxBits = family === 4 ? 32 : 128;
  if (slash < 0) return `${ip}/${maxBits}`;
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits) return undefined;
  return `${ip}/${Number(bits)}`;
}

const truthy = new Set(['true', 'yes', 'on', '1']);
const falsy = new Set(['false', 'no', 'off', '0']);

/** Parses and checks one setting's text (already trimmed and unquoted). */
export function parseValue(type: ValueType, text: string): ParseResult {
  switch (type.kind) {
    case 'string': {
      const problem = type.check?.(text);
      return problem === undefined ? ok(text) : fail(problem);
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
        return fail(`${q(text)} is not an integer`);
      }
      const n = Number(text);
      if (n < type.min || n > type.max) return fail(`${n} is out of range ${type.min}..${type.max}`);
      return ok(n);
    }
    case 'duration': {
      const ms = parseDuration(text);
      if (ms === undefined) return fail(`${q(text)} is not a duration (e.g. 5s, 500ms)`);
      if (ms < type.minMs) return fail(`${q(text)} is too short (minimum ${type.minMs}ms)`);
      return ok(ms);
    }
    case 'mode': {
      // The reference parses these in base 8 with or without the leading 0.
      const m = /^(?:0o?)?([0-7]{1,3})$/i.exec(text);
      if (!m) return fail(`${q(text)} is not an octal file mode (e.g. 0640)`);
      return ok(parseInt(m[1] ?? '', 8));
    }
    case 'enum': {
      const lower = text.toLowerCase();
      const value = Object.entries(type.values).find(([name]) => name.toLowerCase() === lower)?.[1];
      if (value === undefined) return fail(`${q(text)} is not one of ${describeType(type)}`);
      return ok(value);
    }
    case 'bool': {
      const lower = text.toLowerCase();
      if (truthy.has(lower)) return ok(true);
      if (falsy.has(lower)) return ok(false);
      return fail(`${q(text)} is not a boolean (true or false)`);
    }
    case 'cidrs': {
      const items = text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const cidrs: string[] = [];
      for (const item of items) {
        const cidr = parseCidr(item);
        if (cidr === undefined) return fail(`${q(item)} is not an IP address or CIDR (e.g. 10.0.0.0/8)`);
        cidrs.push(cidr);
      }
      return ok(cidrs);
    }
    case 'paths': {
      const items = text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const bad = items.find((item) => !isAbsolute(item));
      if (bad !== undefined) return fail(`${q(bad)} is not an absolute path`);
      return ok(items.map((item) => resolve(item)));
    }
  }
}

/** A short human description of the accepted values, for messages and the default file. */
export function describeType(type: ValueType): string {
  switch (type.kind) {
    case 'string':
      return 'text';
    case 'int':
      return `integer ${type.min}..${type.max}`;
    case 'duration':
      return 'duration (e.g. 5s, 500ms, 2m)';
    case 'mode':
      return 'octal file mode (e.g. 0640)';
    case 'enum':
      return Object.keys(type.values).join(', ');
    case 'bool':
      return 'true or false';
    case 'cidrs':
      return 'comma-separated CIDRs (e.g. 10.0.0.0/8, 192.168.1.7)';
    case 'paths':
      return 'comma-separated absolute paths';
  }
}
