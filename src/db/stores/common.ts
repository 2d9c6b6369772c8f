import type { Row, SqlValue } from '../sql.js';

/** Paging and sorting of a list, already validated by the caller against `sortKeys`. */
export interface ListOptions {
  limit?: number;
  offset?: number;
  /** A key of the store's sort map, and the direction. */
  sort?: { key: string; desc: boolean };
}

/** Builds `ORDER BY … LIMIT … OFFSET …` from whitelisted sort keys (never from raw input). */
export function pageClause(
  options: ListOptions,
  sortColumns: Record<string, string>,
  defaultKey: string,
): { sql: string; params: SqlValue[]; order: string } {
  const key = options.sort?.key ?? defaultKey;
  const column = sortColumns[key];
  if (column === undefined) throw new Error(`unknown sort key ${key}`);
  const dir = options.sort?.desc === true ? 'DESC' : 'ASC';
  const order = ` ORDER BY ${column} ${dir}, id ${dir}`;
  return { sql: `${order} LIMIT ? OFFSET ?`, params: [options.limit ?? 20, options.offset ?? 0], order };
}

export function bool(v: unknown): boolean {
  return Number(v) === 1;
}

export function num(v: unknown): number {
  return Number(v);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

export function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function json<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string' || v === '') return fallback;
  return JSON.parse(v) as T;
}

export type { Row };
