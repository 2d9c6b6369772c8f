/**
 * Query strings of list routes: `limit`, `offset`, `sort=key+|key-`, plus per-route filters.
 * Unknown parameters are refused (a typo in a filter would otherwise silently list everything).
 */
import type { ParsedUrlQuery } from 'node:querystring';
import type { ListOptions } from '../db/stores/common.js';
import { badRequest } from './errors.js';
import { parseRfc3339 } from './validate.js';

export const defaultLimit = 20;
export const maxLimit = 1000;

const pagingParams = ['limit', 'offset', 'sort'];

/** Refuses parameters other than paging ones and `filters`. */
export function checkParams(query: ParsedUrlQuery, filters: readonly string[], paging = true): void {
  const allowed = paging ? [...pagingParams, ...filters] : filters;
  for (const name of Object.keys(query)) {
    if (!allowed.includes(name)) {
      const list = allowed.length === 0 ? 'none' : allowed.join(', ');
      throw badRequest(`unknown query parameter "${name}" (expected: ${list})`);
    }
  }
}

/** The single value of a parameter; 400 when repeated. */
export function one(query: ParsedUrlQuery, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw badRequest(`query parameter "${name}" must not be repeated`);
  return v;
}

/** Every value of a repeatable parameter. */
export function many(query: ParsedUrlQuery, name: string): string[] {
  const v = query[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function integer(query: ParsedUrlQuery, name: string, min: number, max: number): number | undefined {
  const v = one(query, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw badRequest(`query parameter "${name}" must be an integer between ${min} and ${max}, got "${v}"`);
  }
  return Number(v);
}

/** An RFC 3339 date parameter, as epoch ms. */
export function date(query: ParsedUrlQuery, name: string): number | undefined {
  const v = one(query, name);
  if (v === undefined) return undefined;
  const ms = parseRfc3339(v);
  if (ms === undefined) throw badRequest(`query parameter "${name}" must be an RFC 3339 date, got "${v}"`);
  return ms;
}

/**
 * Paging and sorting. `sort=name+` arrives as `name ` (a `+` in a query string is a space), so a
 * trailing space reads as ascending too.
 */
export function listOptions(query: ParsedUrlQuery, sortKeys: Record<string, string>): ListOptions {
  const options: ListOptions = {
    limit: integer(query, 'limit', 1, maxLimit) ?? defaultLimit,
    offset: integer(query, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0,
  };
  const sort = one(query, 'sort');
  if (sort !== undefined) {
    const m = /^([A-Za-z]+)([+ -]?)$/.exec(sort);
    const key = m?.[1];
    if (key === undefined || !Object.hasOwn(sortKeys, key)) {
      throw badRequest(
        `query parameter "sort" must be one of ${Object.keys(sortKeys)
          .map((k) => `${k}+, ${k}-`)
          .join(', ')}; got "${sort}"`,
      );
    }
    options.sort = { key, desc: m?.[2] === '-' };
  }
  return options;
}
