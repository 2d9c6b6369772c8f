/**
 * Transfers and their history. The rules that keep a cluster honest live here:
 *
 * - A RUNNING row belongs to one node (`node`) until `lease_expires_at`; the node's heartbeat
 *   renews every lease it holds in one statement. Lease times are on the database's clock
 *   (`clusterNowSql`), never a node's: callers give lease lengths, not expiry times.
 * - Every write a running node makes is fenced: `WHERE id = ? AND node = ? AND status = 'RUNNING'`.
 *   A node that lost its lease (declared dead, taken over) changes nothing: the methods
 *   return false and the caller must stop the transfer.
 * - "No retry scheduled" is NULL in `next_retry`; such rows are never picked.
 */
import { randomUUID } from 'node:crypto';
import type { HistoryEntry, Transfer, TransferAction } from '../../model/entities.js';
import type { TransferErrorCode, TransferStatus, TransferStep } from '../../model/transfer-state.js';
import type { Row, SqlDatabase, SqlExecutor, SqlValue, WriteOptions } from '../sql.js';
import { clusterNowSql, placeholders } from '../sql.js';
import type { ListOptions } from './common.js';
import { bool, json, num, numOrNull, pageClause, str } from './common.js';
import { noteNodes } from './transfer-nodes.js';

export type NewTransfer = Omit<
  Transfer,
  | 'id'
  | 'owner'
  | 'remoteTransferId'
  | 'stop'
  | 'requestedAction'
  | 'errorCode'
  | 'errorDetails'
  | 'progress'
  | 'taskNumber'
  | 'leaseExpiresAt'
> &
  Partial<Pick<Transfer, 'remoteTransferId' | 'progress' | 'taskNumber'>> & {
    /** A RUNNING transfer's lease, from now on the database's clock (ms); none when absent. */
    leaseMs?: number;
  };

/** A transfer as the REST API shows it: live or history, with names instead of ids. */
export interface NormalizedTransfer {
  id: number;
  remoteTransferId: string;
  isServer: boolean;
  isSend: boolean;
  account: string;
  agent: string;
  client: string;
  protocol: string;
  rule: string;
  srcFilename: string;
  destFilename: string;
  localPath: string;
  remotePath: string;
  filesize: number;
  start: number;
  stop: number | null;
  status: TransferStatus;
  step: TransferStep;
  progress: number;
  taskNumber: number;
  errorCode: TransferErrorCode;
  errorDetails: string;
  node: string | null;
  info: Record<string, unknown>;
  remainingTries: number;
  nextRetryDelay: number;
  retryIncrementFactor: number;
  nextRetry: number | null;
  isHistory: boolean;
}

export interface TransferFilter {
  status?: TransferStatus[];
  rule?: string[];
  /** start >= */
  startAfter?: number;
  /** start <= (history `stop` filter in the reference is on stop; we keep it on stop) */
  stopBefore?: number;
  account?: string[];
  agent?: string[];
  protocol?: string[];
  historyOnly?: boolean;
  liveOnly?: boolean;
  /** Nodes that ran them (the console's history search). */
  node?: string[];
  /** Source or destination file name contains this (case as stored). */
  fileContains?: string;
  /** start < (the console's date range) */
  startBefore?: number;
  /** Keyset paging in `start-` order: rows strictly after this one (CSV export of every row). */
  after?: { start: number; id: number };
}

/**
 * Sort keys of the API → columns of normalized_transfers, which are also the names of the
 * NormalizedTransfer fields (the merge of listNormalized sorts on those).
 */
export const transferSortKeys = {
  id: 'id',
  start: 'start',
  stop: 'stop',
  status: 'status',
  rule: 'rule',
  requester: 'account',
  requested: 'agent',
} satisfies Record<string, keyof NormalizedTransfer>;

/** Progress checkpoint written by the running node. */
export interface Checkpoint {
  progress: number;
  step: TransferStep;
  taskNumber: number;
  filesize?: number;
  localPath?: string;
  remotePath?: string;
  info?: Record<string, unknown>;
  /** A warning the transfer carries on (a task exited with a warning: TeWarning). */
  error?: { code: TransferErrorCode; details: string };
}

export interface RetryPlan {
  nextRetry: number;
  nextRetryDelay: number;
  remainingTries: number;
}

const fence = 'id = ? AND node = ? AND status = ?';

/**
 * The two halves of the `normalized_transfers` view (migration 1), with the same columns, so
 * that a page can be read from each half with its own index (see listNormalized). They must
 * stay equal to the view's branches.
 */
const liveRowsSql = `SELECT t.id, t.owner, t.remote_transfer_id,
    CASE WHEN t.local_account_id IS NULL THEN 0 ELSE 1 END AS is_server, r.is_send,
    COALESCE(la.login, ra.login, '') AS account, COALESCE(s.name, p.name, '') AS agent,
    COALESCE(c.name, '') AS client, COALESCE(s.protocol, p.protocol, '') AS protocol, r.name AS rule,
    t.src_filename, t.dest_filename, t.local_path, t.remote_path, t.filesize, t.start, t.stop, t.status,
    t.step, t.progress, t.task_number, t.error_code, t.error_details, t.node, t.info, t.remaining_tries,
    t.next_retry_delay, t.retry_increment_factor, t.next_retry, 0 AS is_history
  FROM transfers t
    JOIN rules r ON r.id = t.rule_id
    LEFT JOIN local_accounts la ON la.id = t.local_account_id
    LEFT JOIN local_agents s ON s.id = la.local_agent_id
    LEFT JOIN remote_accounts ra ON ra.id = t.remote_account_id
    LEFT JOIN remote_agents p ON p.id = ra.remote_agent_id
    LEFT JOIN clients c ON c.id = t.client_id`;
const historyRowsSql = `SELECT h.id, h.owner, h.remote_transfer_id, h.is_server, h.is_send, h.account,
    h.agent, h.client, h.protocol, h.rule, h.src_filename, h.dest_filename, h.local_path, h.remote_path,
    h.filesize, h.start, h.stop, h.status, h.step, h.progress, h.task_number, h.error_code,
    h.error_details, h.node, h.info, 0 AS remaining_tries, 0 AS next_retry_delay,
    1 AS retry_increment_factor, NULL AS next_retry, 1 AS is_history
  FROM transfer_history h`;

function toTransfer(r: Row): Transfer {
  return {
    id: num(r.id),
    owner: str(r.owner),
    remoteTransferId: str(r.remote_transfer_id),
    ruleId: num(r.rule_id),
    clientId: numOrNull(r.client_id),
    localAccountId: numOrNull(r.local_account_id),
    remoteAccountId: numOrNull(r.remote_account_id),
    srcFilename: str(r.src_filename),
    destFilename: str(r.dest_filename),
    localPath: str(r.local_path),
    remotePath: str(r.remote_path),
    filesize: num(r.filesize),
    start: num(r.start),
    stop: numOrNull(r.stop),
    status: str(r.status) as TransferStatus,
    step: str(r.step) as TransferStep,
    progress: num(r.progress),
    taskNumber: num(r.task_number),
    errorCode: str(r.error_code) as TransferErrorCode,
    errorDetails: str(r.error_details),
    remainingTries: num(r.remaining_tries),
    nextRetryDelay: num(r.next_retry_delay),
    retryIncrementFactor: num(r.retry_increment_factor),
    nextRetry: numOrNull(r.next_retry),
    node: r.node === null || r.node === undefined ? null : str(r.node),
    leaseExpiresAt: numOrNull(r.lease_expires_at),
    requestedAction:
      r.requested_action === null || r.requested_action === undefined
        ? null
        : (str(r.requested_action) as TransferAction),
    info: json(r.info, {}),
  };
}

/** The columns history rows and the normalized view share (names instead of ids). */
function namedColumns(r: Row) {
  return {
    id: num(r.id),
    remoteTransferId: str(r.remote_transfer_id),
    isServer: bool(r.is_server),
    isSend: bool(r.is_send),
    account: str(r.account),
    agent: str(r.agent),
    client: str(r.client),
    protocol: str(r.protocol),
    rule: str(r.rule),
    srcFilename: str(r.src_filename),
    destFilename: str(r.dest_filename),
    localPath: str(r.local_path),
    remotePath: str(r.remote_path),
    filesize: num(r.filesize),
    start: num(r.start),
    status: str(r.status) as TransferStatus,
    step: str(r.step) as TransferStep,
    progress: num(r.progress),
    taskNumber: num(r.task_number),
    errorCode: str(r.error_code) as TransferErrorCode,
    errorDetails: str(r.error_details),
    node: r.node === null || r.node === undefined ? null : str(r.node),
    info: json<Record<string, unknown>>(r.info, {}),
  };
}

function toNormalized(r: Row): NormalizedTransfer {
  return {
    ...namedColumns(r),
    stop: numOrNull(r.stop),
    remainingTries: num(r.remaining_tries),
    nextRetryDelay: num(r.next_retry_delay),
    retryIncrementFactor: num(r.retry_increment_factor),
    nextRetry: numOrNull(r.next_retry),
    isHistory: bool(r.is_history),
  };
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

export function toHistory(r: Row): HistoryEntry {
  return { ...namedColumns(r), owner: str(r.owner), stop: num(r.stop) };
}

export class TransferStore {
  /** The database's clock, which every lease is read and written on. */
  readonly #now: string;

  constructor(
    private readonly db: SqlDatabase,
    private readonly owner: string,
  ) {
    this.#now = clusterNowSql(db.dialect);
  }

  /** `options`: see WriteOptions (the row of a server transfer is written without waiting for the disk). */
  async create({ leaseMs, ...t }: NewTransfer, options: WriteOptions = {}): Promise<Transfer> {
    const remoteTransferId = t.remoteTransferId ?? randomUUID();
    const row: Transfer = {
      ...t,
      leaseExpiresAt: null,
      id: 0,
      owner: this.owner,
      remoteTransferId,
      stop: null,
      progress: t.progress ?? 0,
      taskNumber: t.taskNumber ?? 0,
      errorCode: 'TeOk',
      errorDetails: '',
      requestedAction: null,
    };
    const res = await this.db.write(
      `INSERT INTO transfers (owner, remote_transfer_id, rule_id, client_id, local_account_id, remote_account_id,
        src_filename, dest_filename, local_path, remote_path, filesize, start, stop, status, step, progress,
        task_number, error_code, error_details, remaining_tries, next_retry_delay, retry_increment_factor,
        next_retry, node, lease_expires_at, requested_action, info)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${this.#now} + ?, NULL, ?)`,
      [
        this.owner,
        remoteTransferId,
        row.ruleId,
        row.clientId,
        row.localAccountId,
        row.remoteAccountId,
        row.srcFilename,
        row.destFilename,
        row.localPath,
        row.remotePath,
        row.filesize,
        row.start,
        row.status,
        row.step,
        row.progress,
        row.taskNumber,
        row.errorCode,
        row.errorDetails,
        row.remainingTries,
        row.nextRetryDelay,
        row.retryIncrementFactor,
        row.nextRetry,
        row.node,
        leaseMs ?? null,
        JSON.stringify(row.info),
      ],
      options,
    );
    // No node history entry here: one statement more per file would undo #18's small-file
    // work; the console shows the starting node from the row (src/webui/pages/transfers.ts).
    return { ...row, id: res.lastInsertId };
  }

  async get(id: number): Promise<Transfer | undefined> {
    const r = await this.db.get('SELECT * FROM transfers WHERE id = ? AND owner = ?', [id, this.owner]);
    return r && toTransfer(r);
  }

  async getNormalized(id: number): Promise<NormalizedTransfer | undefined> {
    const r = await this.db.get('SELECT * FROM normalized_transfers WHERE id = ? AND owner = ?', [
      id,
      this.owner,
    ]);
    return r && toNormalized(r);
  }

  async listNormalized(filter: TransferFilter, options: ListOptions = {}): Promise<NormalizedTransfer[]> {
    const where: string[] = ['owner = ?'];
    const params: SqlValue[] = [this.owner];
    const inList = (column: string, values: string[] | undefined): void => {
      if (values === undefined || values.length === 0) return;
      where.push(`${column} IN ${placeholders(values.length)}`);
      params.push(...values);
    };
    inList('status', filter.status);
    inList('rule', filter.rule);
    inList('account', filter.account);
    inList('agent', filter.agent);
    inList('protocol', filter.protocol);
    if (filter.startAfter !== undefined) {
      where.push('start >= ?');
      params.push(filter.startAfter);
    }
    if (filter.stopBefore !== undefined) {
      where.push('stop <= ?');
      params.push(filter.stopBefore);
    }
    inList('node', filter.node);
    if (filter.startBefore !== undefined) {
      where.push('start < ?');
      params.push(filter.startBefore);
    }
    if (filter.fileContains !== undefined && filter.fileContains !== '') {
      // '!' escapes: a backslash is read differently by MySQL and SQLite string literals.
      const like = `%${filter.fileContains.replace(/[!%_]/g, (c) => `!${c}`)}%`;
      where.push(`(src_filename LIKE ? ESCAPE '!' OR dest_filename LIKE ? ESCAPE '!')`);
      params.push(like, like);
    }
    if (filter.after !== undefined) {
      where.push('(start < ? OR (start = ? AND id < ?))');
      params.push(filter.after.start, filter.after.start, filter.after.id);
    }
    const page = pageClause(options, transferSortKeys, 'start');
    // Each half (live, history) is read on its own, sorted and cut to what the page needs, and
    // the two are merged here. Through the UNION view the database reads and sorts the whole
    // history for every page (22 ms a page with 5000 history rows on MariaDB, growing with it);
    // a UNION of the two cut halves still costs MariaDB two temporary tables (2.2 ms on empty
    // tables), against 0.3 ms for a half alone, which uses its (owner, start) index.
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 20;
    const conditions = where.join(' AND ');
    const halves = [
      ...(filter.historyOnly === true ? [] : [liveRowsSql]),
      ...(filter.liveOnly === true ? [] : [historyRowsSql]),
    ].map((sql) =>
      this.db.all(`SELECT * FROM (${sql}) b WHERE ${conditions}${page.order} LIMIT ?`, [
        ...params,
        offset + limit,
      ]),
    );
    const rows = (await Promise.all(halves)).flat().map(toNormalized);
    rows.sort(pageOrder(options.sort?.key ?? 'start', options.sort?.desc === true));
    return rows.slice(offset, offset + limit);
  }

  async getHistory(id: number): Promise<HistoryEntry | undefined> {
    const r = await this.db.get('SELECT * FROM transfer_history WHERE id = ? AND owner = ?', [
      id,
      this.owner,
    ]);
    return r && toHistory(r);
  }

  // ---- claiming -------------------------------------------------------------------------

  /**
   * Claims up to `limit` due client transfers for `node`, atomically: no two nodes ever get
   * the same row. MySQL/MariaDB: `FOR UPDATE SKIP LOCKED`, so nodes do not queue behind each
   * other. SQLite: the IMMEDIATE transaction holds the database write lock. Due and lease times
   * are on the database's clock; the lease lasts `leaseMs`.
   */
  async claimDue(node: string, limit: number, leaseMs: number): Promise<Transfer[]> {
    if (limit <= 0) return [];
    return this.db.transaction(async (tx) => {
      const lock = tx.dialect === 'mysql' ? ' FOR UPDATE SKIP LOCKED' : '';
      const rows = await tx.all(
        `SELECT t.*, ${this.#now} AS cluster_now FROM transfers t WHERE owner = ? AND remote_account_id IS NOT NULL
          AND status IN ('PLANNED', 'INTERRUPTED', 'ERROR') AND next_retry IS NOT NULL AND next_retry <= ${this.#now}
          ORDER BY next_retry, id LIMIT ?${lock}`,
        [this.owner, limit],
      );
      const claimed: Transfer[] = [];
      for (const r of rows) {
        // The clock read by the same statement: the lease runs from the claim.
        const leaseUntil = num(r.cluster_now) + leaseMs;
        const res = await tx.run(
          `UPDATE transfers SET status = 'RUNNING', node = ?, lease_expires_at = ?, next_retry = NULL,
            requested_action = NULL WHERE id = ? AND status = ?`,
          [node, leaseUntil, r.id as number, r.status as string],
        );
        if (res.changes === 1) {
          claimed.push({
            ...toTransfer(r),
            status: 'RUNNING',
            node,
            leaseExpiresAt: leaseUntil,
            nextRetry: null,
          });
        }
      }
      await noteNodes(
        tx,
        this.owner,
        claimed.map((t) => ({ id: t.id, node })),
        'claimed',
        Date.now(),
      );
      return claimed;
    });
  }

  /**
   * Takes one specific transfer for `node` if it is not running elsewhere: used by protocol
   * servers continuing an interrupted upload. A RUNNING row whose lease has lapsed counts as
   * free (its node is dead). Returns the row as claimed, or undefined.
   */
  async claimOne(id: number, node: string, leaseMs: number): Promise<Transfer | undefined> {
    const res = await this.db.run(
      `UPDATE transfers SET status = 'RUNNING', node = ?, lease_expires_at = ${this.#now} + ?, next_retry = NULL,
        requested_action = NULL, error_code = 'TeOk', error_details = ''
        WHERE id = ? AND owner = ? AND (status IN ('INTERRUPTED', 'ERROR', 'PLANNED', 'AVAILABLE')
          OR (status = 'RUNNING' AND (lease_expires_at IS NULL OR lease_expires_at < ${this.#now})))`,
      [node, leaseMs, id, this.owner],
    );
    if (res.changes !== 1) return undefined;
    // Stamped by this node's clock: for people, it decides nothing.
    await noteNodes(this.db, this.owner, [{ id, node }], 'resumed', Date.now());
    return this.get(id);
  }

  /**
   * The unfinished server transfer of an account for one rule and file, if any: the record an
   * upload that comes back (through any node) continues instead of starting a new one.
   */
  async findUnfinishedServerTransfer(
    localAccountId: number,
    ruleId: number,
    destFilename: string,
  ): Promise<Transfer | undefined> {
    const r = await this.db.get(
      `SELECT * FROM transfers WHERE owner = ? AND local_account_id = ? AND rule_id = ? AND dest_filename = ?
        AND status IN ('RUNNING', 'INTERRUPTED', 'ERROR', 'AVAILABLE') ORDER BY id DESC LIMIT 1`,
      [this.owner, localAccountId, ruleId, destFilename],
    );
    return r && toTransfer(r);
  }

  /**
   * The unfinished server transfers of an account through one rule (uploads being received or
   * waiting for a resume): a listing shows them under their final names.
   */
  async unfinishedServerTransfers(localAccountId: number, ruleId: number): Promise<Transfer[]> {
    const rows = await this.db.all(
      `SELECT * FROM transfers WHERE owner = ? AND local_account_id = ? AND rule_id = ?
        AND status IN ('RUNNING', 'INTERRUPTED', 'ERROR', 'AVAILABLE') ORDER BY id`,
      [this.owner, localAccountId, ruleId],
    );
    return rows.map(toTransfer);
  }

  /**
   * Server downloads INTERRUPTED before `cutoff` and never resumed: to history as CANCELLED,
   * with `details(row)` as the reason. Any node may run it (each row is moved once). A row
   * interrupted by a dead node's reaping has no `stop`: its start counts.
   */
  async expireServerDownloads(
    cutoff: number,
    now: number,
    details: (t: Transfer) => string,
    limit = 100,
  ): Promise<number[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.all(
        `SELECT t.* FROM transfers t JOIN rules r ON r.id = t.rule_id WHERE t.owner = ? AND t.status = 'INTERRUPTED'
          AND t.local_account_id IS NOT NULL AND r.is_send = 1 AND COALESCE(t.stop, t.start) < ?
          ORDER BY t.id LIMIT ?`,
        [this.owner, cutoff, limit],
      );
      const ids: number[] = [];
      for (const r of rows.map(toTransfer)) {
        const res = await tx.run(
          `UPDATE transfers SET error_details = ? WHERE id = ? AND status = 'INTERRUPTED'`,
          [details(r).slice(0, 4000), r.id],
        );
        if (res.changes !== 1) continue;
        await this.#moveToHistory(tx, r.id, 'CANCELLED', now);
        ids.push(r.id);
      }
      return ids;
    });
  }

  /**
   * Deletes a transfer this node claimed and that turned out to be nothing of its own: an
   * upload that wrote nothing into an existing file, or a part of a download merged into
   * another record. Fenced.
   */
  async discard(id: number, node: string): Promise<boolean> {
    const res = await this.db.run(`DELETE FROM transfers WHERE ${fence}`, [id, node, 'RUNNING']);
    return res.changes === 1;
  }

  // ---- fenced writes by the running node ----------------------------------------------

  /** Saves progress; false when this node no longer owns the transfer (stop it). */
  async checkpoint(id: number, node: string, c: Checkpoint): Promise<boolean> {
    return this.#applyCheckpoint(this.db, id, node, c);
  }

  /**
   * Ends a transfer successfully: moved to history as DONE, in one transaction, fenced.
   * `options`: see WriteOptions (an upload's end is durable; a download's need not be).
   */
  async complete(
    id: number,
    node: string,
    now: number,
    c: Checkpoint,
    options: WriteOptions = {},
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await this.#applyCheckpoint(tx, id, node, c))) return false;
      await this.#moveToHistory(tx, id, 'DONE', now);
      return true;
    }, options);
  }

  /**
   * Records a failure. With a retry plan the controller picks it again at `nextRetry`;
   * without one it stays ERROR with next_retry NULL until an operator acts.
   */
  async fail(
    id: number,
    node: string,
    now: number,
    error: { code: TransferErrorCode; details: string },
    retry: RetryPlan | null,
    c?: Checkpoint,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (c !== undefined && !(await this.#applyCheckpoint(tx, id, node, c))) return false;
      const res = await tx.run(
        `UPDATE transfers SET status = 'ERROR', error_code = ?, error_details = ?, stop = ?, lease_expires_at = NULL,
          requested_action = NULL, next_retry = ?, next_retry_delay = COALESCE(?, next_retry_delay),
          remaining_tries = COALESCE(?, remaining_tries) WHERE ${fence}`,
        [
          error.code,
          error.details.slice(0, 4000),
          now,
          retry?.nextRetry ?? null,
          retry?.nextRetryDelay ?? null,
          retry?.remainingTries ?? null,
          id,
          node,
          'RUNNING',
        ],
      );
      return res.changes === 1;
    });
  }

  /**
   * Stops a running transfer so that it can be resumed (shutdown, lost session, pause).
   * Client transfers become due at once (`resumeAt`) so any node can continue them; PAUSED
   * transfers wait for an operator.
   */
  async stopRunning(
    id: number,
    node: string,
    now: number,
    to: 'INTERRUPTED' | 'PAUSED',
    error: { code: TransferErrorCode; details: string },
    c?: Checkpoint,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (c !== undefined && !(await this.#applyCheckpoint(tx, id, node, c))) return false;
      const res = await tx.run(
        `UPDATE transfers SET status = ?, error_code = ?, error_details = ?, stop = ?, lease_expires_at = NULL,
          requested_action = NULL,
          next_retry = CASE WHEN ? = 'INTERRUPTED' AND remote_account_id IS NOT NULL THEN ? ELSE NULL END
          WHERE ${fence}`,
        [to, error.code, error.details.slice(0, 4000), now, to, now, id, node, 'RUNNING'],
      );
      return res.changes === 1;
    });
  }

  /** Cancels a running transfer from its own node: to history as CANCELLED. */
  async cancelRunning(id: number, node: string, now: number, c?: Checkpoint): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const ok =
        c !== undefined ? await this.#applyCheckpoint(tx, id, node, c) : await this.#owns(tx, id, node);
      if (!ok) return false;
      await this.#moveToHistory(tx, id, 'CANCELLED', now);
      return true;
    });
  }

  // ---- cluster housekeeping ----------------------------------------------------------

  /**
   * Renews the leases of the transfers this process really runs (`ids`), in one statement per
   * heartbeat. A RUNNING row under this node's name that it no longer runs (its end could not be
   * recorded) is left to lapse, so that another node, or the partner's `reput`, can take it.
   */
  async renewLeases(node: string, leaseMs: number, ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const res = await this.db.run(
      `UPDATE transfers SET lease_expires_at = ${this.#now} + ? WHERE owner = ? AND node = ? AND status = 'RUNNING'
        AND id IN ${placeholders(ids.length)}`,
      [leaseMs, this.owner, node, ...ids],
    );
    return res.changes;
  }

  /**
   * RUNNING transfers whose lease lapsed (their node is dead or cut off), judged on the database's
   * clock only, so that a node whose own clock is ahead takes nothing from live nodes. The same
   * statement reads that clock: the heartbeat measures this node's clock with it, at no extra
   * round trip.
   */
  async lapsedLeases(): Promise<{ ids: number[]; clusterNow: number }> {
    const rows = await this.db.all<{ cluster_now: unknown; id: unknown }>(
      `SELECT c.cluster_now, t.id FROM (SELECT ${this.#now} AS cluster_now) c
        LEFT JOIN transfers t ON t.owner = ? AND t.status = 'RUNNING' AND t.lease_expires_at < c.cluster_now`,
      [this.owner],
    );
    return {
      ids: rows.filter((r) => r.id !== null && r.id !== undefined).map((r) => Number(r.id)),
      clusterNow: num(rows[0]?.cluster_now),
    };
  }

  /**
   * Moves those of `ids` whose lease is still lapsed to INTERRUPTED (idempotent: any survivor may
   * do it, the condition is checked again). Client transfers become due at once, so a survivor
   * resumes them. Returns how many moved.
   */
  async expireLeases(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      const lapsed = `owner = ? AND id IN ${placeholders(ids.length)} AND status = 'RUNNING'
          AND lease_expires_at < ${this.#now}`;
      // Which node lost each one, for the transfer's node history (the web console).
      const lost = await tx.all<{ id: unknown; node: unknown }>(
        `SELECT id, node FROM transfers WHERE ${lapsed}`,
        [this.owner, ...ids],
      );
      const res = await tx.run(
        `UPDATE transfers SET status = 'INTERRUPTED', error_code = 'TeShuttingDown',
          error_details = 'the node running this transfer stopped answering', lease_expires_at = NULL,
          next_retry = CASE WHEN remote_account_id IS NOT NULL THEN ${this.#now} ELSE NULL END
          WHERE ${lapsed}`,
        [this.owner, ...ids],
      );
      await noteNodes(
        tx,
        this.owner,
        lost.filter((r) => r.node !== null).map((r) => ({ id: Number(r.id), node: str(r.node) })),
        'lease lapsed',
        Date.now(),
      );
      return res.changes;
    });
  }

  /** At start: this node's own RUNNING rows are leftovers of its previous life. */
  async interruptAllOf(node: string): Promise<number> {
    const res = await this.db.run(
      `UPDATE transfers SET status = 'INTERRUPTED', error_code = 'TeShuttingDown',
        error_details = 'the node restarted while this transfer was running', lease_expires_at = NULL,
        next_retry = CASE WHEN remote_account_id IS NOT NULL THEN ${this.#now} ELSE NULL END
        WHERE owner = ? AND node = ? AND status = 'RUNNING'`,
      [this.owner, node],
    );
    return res.changes;
  }

  // ---- operator actions (any node) -----------------------------------------------------

  /** Asks the node running a transfer to pause or cancel it; it acts within a heartbeat. */
  async requestAction(id: number, action: TransferAction): Promise<boolean> {
    const res = await this.db.run(
      `UPDATE transfers SET requested_action = ? WHERE id = ? AND owner = ? AND status = 'RUNNING'`,
      [action, id, this.owner],
    );
    return res.changes === 1;
  }

  /** Actions asked of `node`'s running transfers. */
  async pendingActions(node: string): Promise<{ id: number; action: TransferAction }[]> {
    const rows = await this.db.all<{ id: number; requested_action: string }>(
      `SELECT id, requested_action FROM transfers WHERE owner = ? AND node = ? AND status = 'RUNNING'
        AND requested_action IS NOT NULL`,
      [this.owner, node],
    );
    return rows.map((r) => ({ id: Number(r.id), action: r.requested_action as TransferAction }));
  }

  /** PLANNED/AVAILABLE → PAUSED. */
  async pauseWaiting(id: number): Promise<boolean> {
    const res = await this.db.run(
      `UPDATE transfers SET status = 'PAUSED', next_retry = NULL WHERE id = ? AND owner = ? AND status IN ('PLANNED')`,
      [id, this.owner],
    );
    return res.changes === 1;
  }

  /** A client transfer in PAUSED, INTERRUPTED or ERROR is planned again, due now. */
  async resume(id: number, now: number): Promise<boolean> {
    const res = await this.db.run(
      `UPDATE transfers SET status = 'PLANNED', next_retry = ?, error_code = 'TeOk', error_details = ''
        WHERE id = ? AND owner = ? AND remote_account_id IS NOT NULL AND status IN ('PAUSED', 'INTERRUPTED', 'ERROR')`,
      [now, id, this.owner],
    );
    return res.changes === 1;
  }

  /** Cancels a transfer that is not running: to history as CANCELLED. */
  async cancelWaiting(id: number, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.get(`SELECT status FROM transfers WHERE id = ? AND owner = ?`, [id, this.owner]);
      if (r === undefined || r.status === 'RUNNING') return false;
      await this.#moveToHistory(tx, id, 'CANCELLED', now);
      return true;
    });
  }

  /** Ids of live transfers in these statuses (for cancel-all). */
  async idsWithStatus(statuses: TransferStatus[]): Promise<number[]> {
    const rows = await this.db.all<{ id: number }>(
      `SELECT id FROM transfers WHERE owner = ? AND status IN ${placeholders(statuses.length)} ORDER BY id`,
      [this.owner, ...statuses],
    );
    return rows.map((r) => Number(r.id));
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db.all<{ status: string; n: number }>(
      'SELECT status, COUNT(*) AS n FROM transfers WHERE owner = ? GROUP BY status',
      [this.owner],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** The final status of those of `ids` that are in history now (the console's live list). */
  async finishedAmong(
    ids: readonly number[],
  ): Promise<Map<number, { status: TransferStatus; stop: number }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.all(
      `SELECT id, status, stop FROM transfer_history WHERE owner = ? AND id IN ${placeholders(ids.length)}`,
      [this.owner, ...ids],
    );
    return new Map(
      rows.map((r) => [num(r.id), { status: str(r.status) as TransferStatus, stop: num(r.stop) }]),
    );
  }

  /** RUNNING transfers per node, in one query (the console's cluster page). */
  async runningByNode(): Promise<Map<string, number>> {
    const rows = await this.db.all(
      `SELECT node, COUNT(*) AS n FROM transfers WHERE owner = ? AND status = 'RUNNING' GROUP BY node`,
      [this.owner],
    );
    return new Map(rows.map((r) => [str(r.node), num(r.n)]));
  }

  async countRunningOn(node: string): Promise<number> {
    const r = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM transfers WHERE owner = ? AND node = ? AND status = 'RUNNING'`,
      [this.owner, node],
    );
    return Number(r?.n ?? 0);
  }

  // ---- internals -----------------------------------------------------------------------

  async #owns(tx: SqlExecutor, id: number, node: string): Promise<boolean> {
    const r = await tx.get(`SELECT id FROM transfers WHERE ${fence}`, [id, node, 'RUNNING']);
    return r !== undefined;
  }

  async #applyCheckpoint(tx: SqlExecutor, id: number, node: string, c: Checkpoint): Promise<boolean> {
    const sets = ['progress = ?', 'step = ?', 'task_number = ?'];
    const params: SqlValue[] = [c.progress, c.step, c.taskNumber];
    const optional: [string, SqlValue | undefined][] = [
      ['filesize', c.filesize],
      ['local_path', c.localPath],
      ['remote_path', c.remotePath],
      ['info', c.info === undefined ? undefined : JSON.stringify(c.info)],
    ];
    for (const [column, value] of optional) {
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(value);
    }
    if (c.error !== undefined) {
      sets.push('error_code = ?', 'error_details = ?');
      params.push(c.error.code, c.error.details.slice(0, 4000));
    }
    const res = await tx.run(`UPDATE transfers SET ${sets.join(', ')} WHERE ${fence}`, [
      ...params,
      id,
      node,
      'RUNNING',
    ]);
    return res.changes === 1;
  }

  async #moveToHistory(
    tx: SqlExecutor,
    id: number,
    status: 'DONE' | 'CANCELLED',
    now: number,
  ): Promise<void> {
    // A finished transfer is back at StepNone; a cancelled one keeps the step it stopped at.
    const step = status === 'DONE' ? "'StepNone'" : 'step';
    await tx.run(
      `INSERT INTO transfer_history (id, owner, remote_transfer_id, is_server, is_send, account, agent, client,
        protocol, rule, src_filename, dest_filename, local_path, remote_path, filesize, start, stop, status, step,
        progress, task_number, error_code, error_details, node, info)
        SELECT id, owner, remote_transfer_id, is_server, is_send, account, agent, client, protocol, rule,
          src_filename, dest_filename, local_path, remote_path, filesize, start, ?, ?, ${step}, progress, task_number,
          error_code, error_details, node, info
        FROM normalized_transfers WHERE id = ? AND is_history = 0`,
      [now, status, id],
    );
    await tx.run('DELETE FROM transfers WHERE id = ?', [id]);
  }
}
