import type { Row, SqlValue } from '../sql.js';
import { placeholders } from '../sql.js';

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

/** The conditions of a filtered list, ANDed, with their parameters in order. */
export class Conditions {
  readonly #sql: string[] = [];
  readonly params: SqlValue[] = [];

  constructor(sql: string, ...params: SqlValue[]) {
    this.add(sql, ...params);
  }

  add(sql: string, ...params: SqlValue[]): void {
    this.#sql.push(sql);
    this.params.push(...params);
  }

  /** `sql` with its one parameter, unless the filter left `value` out. */
  when(sql: string, value: SqlValue | undefined): void {
    if (value !== undefined) this.add(sql, value);
  }

  /** `column IN (…)` for each of `columns`, named as in `filter`; an absent or empty list keeps all. */
  in<K extends string>(filter: Partial<Record<K, readonly SqlValue[]>>, columns: readonly K[]): void {
    for (const column of columns) {
      const values = filter[column] ?? [];
      if (values.length > 0) this.add(`${column} IN ${placeholders(values.length)}`, ...values);
    }
  }

  get sql(): string {
    return this.#sql.join(' AND ');
  }
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
