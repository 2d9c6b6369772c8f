/** Reading typed values from parsed options, with usage errors naming the option. */
import { readFileSync, statSync } from 'node:fs';
import { usageError } from './exit-codes.js';
import type { Invocation, OptionValues } from './tree.js';

export function opt(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function need(values: OptionValues, name: string): string {
  const v = opt(values, name);
  if (v === undefined) throw usageError(`the option --${name} is required`);
  return v;
}

export function list(values: OptionValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

export function int(values: OptionValues, name: string): number | undefined {
  const v = opt(values, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw usageError(`--${name} must be an integer, got "${v}"`);
  return Number(v);
}

export function num(values: OptionValues, name: string): number | undefined {
  const v = opt(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw usageError(`--${name} must be a number, got "${v}"`);
  return n;
}

/** A positional argument or group parameter. */
export function arg(inv: Invocation, name: string): string {
  const v = inv.params[name];
  if (v === undefined) throw usageError(`missing <${name}>`);
  return v;
}

/** `send`/`receive` → isSend. */
export function direction(value: string, what = 'direction'): boolean {
  if (value === 'send') return true;
  if (value === 'receive') return false;
  throw usageError(`the ${what} must be "send" or "receive", got "${value}"`);
}

/** `key:value` pairs (repeated `-c`); a value that is valid JSON is taken as JSON. */
export function keyValues(items: string[], name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const i = item.indexOf(':');
    if (i <= 0) throw usageError(`--${name} takes key:value, got "${item}"`);
    const raw = item.slice(i + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    out[item.slice(0, i)] = value;
  }
  return out;
}

/** A value, or the content of the file it names (keys and certificates are files). */
export function valueOrFile(value: string): string {
  try {
    if (statSync(value).isFile()) return readFileSync(value, 'utf8');
  } catch {
    // not a file: the value itself
  }
  return value;
}

/** Encodes one path segment. */
export const seg = (s: string): string => encodeURIComponent(s);
