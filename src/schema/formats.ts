/**
 * The custom string rules of the admin contract, in one place: names, `host:port` addresses,
 * IP/CIDR blocks and RFC 3339 date-times. Each is registered as a JSON Schema `format` (or is a
 * `pattern`) so that the REST validators, the import file's checks and the OpenAPI document
 * read the same rule.
 */
import { isIP } from 'node:net';
import { FormatRegistry } from '@sinclair/typebox';
import { splitHostPort } from '../config/address.js';

/**
 * A name used in URL paths: no `/`, no control characters, no surrounding spaces, not empty.
 * `\s` at both ends is exactly what `String.prototype.trim` removes.
 */
export const namePattern =
  '^[^\\s/\\u0000-\\u001f\\u007f](?:[^/\\u0000-\\u001f\\u007f]*[^\\s/\\u0000-\\u001f\\u007f])?$';

/** A string with something other than spaces. */
export const nonBlankPattern = '\\S';

/** Why a value fails a pattern, in the words of the error messages. */
export const patternReasons: Readonly<Record<string, string>> = {
  [namePattern]: 'must not contain "/", control characters or surrounding spaces',
  [nonBlankPattern]: 'must not be empty',
};

/** `host:port` with a port (a listener or a partner address). */
export function isHostPort(s: string): boolean {
  const hp = splitHostPort(s);
  return hp !== undefined && hp.port !== undefined;
}

/** `host`, `host:port`, or empty (a client's optional local bind address). */
export function isOptionalHostPort(s: string): boolean {
  return s === '' || splitHostPort(s) !== undefined;
}

/** An IP address or a CIDR block. */
export function isIpOrCidr(s: string): boolean {
  const [ip = '', bits, extra] = s.split('/');
  const family = isIP(ip);
  const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
  return family !== 0 && okBits && extra === undefined;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 date-time (a zone is required), or undefined. */
export function parseRfc3339(s: string): number | undefined {
  if (!rfc3339.test(s)) return undefined;
  const ms = Date.parse(s.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** The formats by their JSON Schema name, with the reason a value fails each one. */
export const formats = {
  'host-port': { check: isHostPort, reason: (v: string) => `must be an address "host:port", got "${v}"` },
  'host-optional-port': {
    check: isOptionalHostPort,
    reason: (v: string) => `must be an address "host[:port]", got "${v}"`,
  },
  'ip-or-cidr': {
    check: isIpOrCidr,
    reason: (v: string) => `must be an IP address or a CIDR block, got "${v}"`,
  },
  'date-time': {
    check: (s: string) => parseRfc3339(s) !== undefined,
    reason: (v: string) => `must be an RFC 3339 date, got "${v}"`,
  },
} as const;

export type FormatName = keyof typeof formats;

for (const [name, f] of Object.entries(formats)) FormatRegistry.Set(name, f.check);
