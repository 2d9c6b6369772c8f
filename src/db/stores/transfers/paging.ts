/**
 * Pages of live transfers and history together (the REST API's and the console's lists).
 */
import { historyTransferRowsSql, liveTransferRowsSql } from '../../normalized-transfers.js';
import type { ListOptions } from '../common.js';
import { Conditions, pageClause } from '../common.js';
import type { NormalizedTransfer, TransferFilter } from './rows.js';
import { toNormalized, transferSortKeys } from './rows.js';
import type { TransferScope } from './scope.js';

export async function listNormalized(
  s: TransferScope,
  filter: TransferFilter,
  options: ListOptions = {},
): Promise<NormalizedTransfer[]> {
  const where = new Conditions('owner = ?', s.owner);
  where.in(filter, ['status', 'rule', 'account', 'agent', 'protocol', 'node']);
  where.when('start >= ?', filter.startAfter);
  where.when('stop <= ?', filter.stopBefore);
  where.when('start < ?', filter.startBefore);
  if (filter.fileContains !== undefined && filter.fileContains !== '') {
    // '!' escapes: a backslash is read differently by MySQL and SQLite string literals.
    const like = `%${filter.fileContains.replace(/[!%_]/g, (c) => `!${c}`)}%`;
    where.add(`(src_filename LIKE ? ESCAPE '!' OR dest_filename LIKE ? ESCAPE '!')`, like, like);
  }
  if (filter.after !== undefined) {
    const { start, id } = filter.after;
    where.add('(start < ? OR (start = ? AND id < ?))', start, start, id);
  }
  const page = pageClause(options, transferSortKeys, 'start');
  // Each half (live, history) is read on its own, sorted and cut to what the page needs, and
  // the two are merged here. Through the UNION view the database reads and sorts the whole
  // history for every page (22 ms a page with 5000 history rows on MariaDB, growing with it);
  // a UNION of the two cut halves still costs MariaDB two temporary tables (2.2 ms on empty
  // tables), against 0.3 ms for a half alone, which uses its (owner, start) index.
  const offset = options.offset ?? 0;
  const limit = options.limit ?? 20;
  const halves = [
    ...(filter.historyOnly === true ? [] : [liveTransferRowsSql]),
    ...(filter.liveOnly === true ? [] : [historyTransferRowsSql]),
  ].map((sql) =>
    s.db.all(`SELECT * FROM (${sql}) b WHERE ${where.sql}${page.order} LIMIT ?`, [
      ...where.params,
      offset + limit,
    ]),
  );
  const rows = (await Promise.all(halves)).flat().map(toNormalized);
  rows.sort(pageOrder(options.sort?.key ?? 'start', options.sort?.desc === true));
  return rows.slice(offset, offset + limit);
}

/**
 * The order of `ORDER BY column, id` (ASC or DESC) on normalized rows, as both databases sort
 * them: NULL first in ascending order, strings by their UTF-8 bytes (utf8mb4_bin, SQLite BINARY).
 */
function pageOrder(key: string, desc: boolean): (a: NormalizedTransfer, b: NormalizedTransfer) => number {
  const field = (transferSortKeys as Record<string, keyof NormalizedTransfer | undefined>)[key];
  if (field === undefined) throw new Error(`unknown sort key ${key}`);
  const sign = desc ? -1 : 1;
  return (a, b) => sign * (compareValues(a[field], b[field]) || a.id - b.id);
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return 0;
}
