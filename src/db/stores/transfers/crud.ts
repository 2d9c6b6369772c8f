/**
 * Creating and reading live transfer rows, and the counts the console and metrics show.
 */
import { randomUUID } from 'node:crypto';
import type { Transfer } from '../../../model/entities.js';
import type { TransferStatus } from '../../../model/transfer-state.js';
import type { WriteOptions } from '../../sql.js';
import { placeholders } from '../../sql.js';
import { num, str } from '../common.js';
import type { NewTransfer, NormalizedTransfer } from './rows.js';
import { toNormalized, toTransfer } from './rows.js';
import type { TransferScope } from './scope.js';

/**
 * A new row: a planned client transfer, or a server transfer RUNNING on this node from the
 * start (with its lease). `options`: see WriteOptions (the row of a server transfer is written
 * without waiting for the disk).
 */
export async function createTransfer(
  s: TransferScope,
  { leaseMs, ...t }: NewTransfer,
  options: WriteOptions = {},
): Promise<Transfer> {
  const remoteTransferId = t.remoteTransferId ?? randomUUID();
  const row: Transfer = {
    ...t,
    leaseExpiresAt: null,
    id: 0,
    owner: s.owner,
    remoteTransferId,
    stop: null,
    progress: t.progress ?? 0,
    taskNumber: t.taskNumber ?? 0,
    errorCode: 'TeOk',
    errorDetails: '',
    requestedAction: null,
  };
  const res = await s.db.write(
    `INSERT INTO transfers (owner, remote_transfer_id, rule_id, client_id, local_account_id, remote_account_id,
      src_filename, dest_filename, local_path, remote_path, filesize, start, stop, status, step, progress,
      task_number, error_code, error_details, remaining_tries, next_retry_delay, retry_increment_factor,
      next_retry, node, lease_expires_at, requested_action, info)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${s.now} + ?, NULL, ?)`,
    [
      s.owner,
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

export async function getTransfer(s: TransferScope, id: number): Promise<Transfer | undefined> {
  const r = await s.db.get('SELECT * FROM transfers WHERE id = ? AND owner = ?', [id, s.owner]);
  return r && toTransfer(r);
}

export async function getNormalized(s: TransferScope, id: number): Promise<NormalizedTransfer | undefined> {
  const r = await s.db.get('SELECT * FROM normalized_transfers WHERE id = ? AND owner = ?', [id, s.owner]);
  return r && toNormalized(r);
}

/** Statuses in which a server transfer is unfinished and can be continued by its partner. */
const unfinishedServer = `status IN ('RUNNING', 'INTERRUPTED', 'ERROR', 'AVAILABLE')`;

/**
 * The unfinished server transfer of an account for one rule and file, if any: the record an
 * upload that comes back (through any node) continues instead of starting a new one.
 */
export async function findUnfinishedServerTransfer(
  s: TransferScope,
  localAccountId: number,
  ruleId: number,
  destFilename: string,
): Promise<Transfer | undefined> {
  const r = await s.db.get(
    `SELECT * FROM transfers WHERE owner = ? AND local_account_id = ? AND rule_id = ? AND dest_filename = ?
      AND ${unfinishedServer} ORDER BY id DESC LIMIT 1`,
    [s.owner, localAccountId, ruleId, destFilename],
  );
  return r && toTransfer(r);
}

/**
 * The unfinished server transfers of an account through one rule (uploads being received or
 * waiting for a resume): a listing shows them under their final names.
 */
export async function unfinishedServerTransfers(
  s: TransferScope,
  localAccountId: number,
  ruleId: number,
): Promise<Transfer[]> {
  const rows = await s.db.all(
    `SELECT * FROM transfers WHERE owner = ? AND local_account_id = ? AND rule_id = ?
      AND ${unfinishedServer} ORDER BY id`,
    [s.owner, localAccountId, ruleId],
  );
  return rows.map(toTransfer);
}

/** Ids of live transfers in these statuses (for cancel-all). */
export async function idsWithStatus(s: TransferScope, statuses: TransferStatus[]): Promise<number[]> {
  const rows = await s.db.all<{ id: number }>(
    `SELECT id FROM transfers WHERE owner = ? AND status IN ${placeholders(statuses.length)} ORDER BY id`,
    [s.owner, ...statuses],
  );
  return rows.map((r) => Number(r.id));
}

export async function countByStatus(s: TransferScope): Promise<Record<string, number>> {
  const rows = await s.db.all<{ status: string; n: number }>(
    'SELECT status, COUNT(*) AS n FROM transfers WHERE owner = ? GROUP BY status',
    [s.owner],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** RUNNING transfers per node, in one query (the console's cluster page). */
export async function runningByNode(s: TransferScope): Promise<Map<string, number>> {
  const rows = await s.db.all(
    `SELECT node, COUNT(*) AS n FROM transfers WHERE owner = ? AND status = 'RUNNING' GROUP BY node`,
    [s.owner],
  );
  return new Map(rows.map((r) => [str(r.node), num(r.n)]));
}

export async function countRunningOn(s: TransferScope, node: string): Promise<number> {
  const r = await s.db.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM transfers WHERE owner = ? AND node = ? AND status = 'RUNNING'`,
    [s.owner, node],
  );
  return Number(r?.n ?? 0);
}
