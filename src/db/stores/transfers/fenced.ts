/**
 * The writes of the node running a transfer. Each is fenced (see `fence`): a node that lost
 * its lease changes nothing, the method returns false and the caller must stop the transfer.
 */
import type { TransferErrorCode } from '../../../model/transfer-state.js';
import type { SqlExecutor, SqlValue, WriteOptions } from '../../sql.js';
import { moveToHistory } from './history.js';
import type { Checkpoint, RetryPlan } from './rows.js';
import type { TransferScope } from './scope.js';
import { fence, toStatus } from './scope.js';

/** Saves progress; false when this node no longer owns the transfer (stop it). */
export function checkpoint(s: TransferScope, id: number, node: string, c: Checkpoint): Promise<boolean> {
  return applyCheckpoint(s.db, id, node, c);
}

/**
 * Ends a transfer successfully: moved to history as DONE, in one transaction.
 * `options`: see WriteOptions (an upload's end is durable; a download's need not be).
 */
export function complete(
  s: TransferScope,
  id: number,
  node: string,
  now: number,
  c: Checkpoint,
  options: WriteOptions = {},
): Promise<boolean> {
  return s.db.transaction(async (tx) => {
    if (!(await applyCheckpoint(tx, id, node, c))) return false;
    await moveToHistory(tx, id, 'complete', now);
    return true;
  }, options);
}

/**
 * Records a failure. With a retry plan the controller picks it again at `nextRetry`;
 * without one it stays ERROR with next_retry NULL until an operator acts.
 */
export function fail(
  s: TransferScope,
  id: number,
  node: string,
  now: number,
  error: { code: TransferErrorCode; details: string },
  retry: RetryPlan | null,
  c?: Checkpoint,
): Promise<boolean> {
  return s.db.transaction(async (tx) => {
    if (c !== undefined && !(await applyCheckpoint(tx, id, node, c))) return false;
    const res = await tx.run(
      `UPDATE transfers SET status = ${toStatus('fail', 'fenced')}, error_code = ?, error_details = ?, stop = ?,
        lease_expires_at = NULL, requested_action = NULL, next_retry = ?, next_retry_delay = COALESCE(?, next_retry_delay),
        remaining_tries = COALESCE(?, remaining_tries) WHERE ${fence('fail')}`,
      [
        error.code,
        error.details.slice(0, 4000),
        now,
        retry?.nextRetry ?? null,
        retry?.nextRetryDelay ?? null,
        retry?.remainingTries ?? null,
        id,
        node,
      ],
    );
    return res.changes === 1;
  });
}

/**
 * Stops a running transfer so that it can be resumed (`interrupt`: shutdown, lost session,
 * database outage; `pause`). Client transfers interrupted become due at once so any node can
 * continue them; PAUSED transfers wait for an operator.
 */
export function stopRunning(
  s: TransferScope,
  id: number,
  node: string,
  now: number,
  event: 'interrupt' | 'pause',
  error: { code: TransferErrorCode; details: string },
  c?: Checkpoint,
): Promise<boolean> {
  return s.db.transaction(async (tx) => {
    if (c !== undefined && !(await applyCheckpoint(tx, id, node, c))) return false;
    const dueNow =
      event === 'interrupt' ? 'CASE WHEN remote_account_id IS NOT NULL THEN ? ELSE NULL END' : 'NULL';
    const res = await tx.run(
      `UPDATE transfers SET status = ${toStatus(event, 'fenced')}, error_code = ?, error_details = ?, stop = ?,
        lease_expires_at = NULL, requested_action = NULL, next_retry = ${dueNow} WHERE ${fence(event)}`,
      [error.code, error.details.slice(0, 4000), now, ...(event === 'interrupt' ? [now] : []), id, node],
    );
    return res.changes === 1;
  });
}

/** Cancels a running transfer from its own node: to history as CANCELLED. */
export function cancelRunning(
  s: TransferScope,
  id: number,
  node: string,
  now: number,
  c?: Checkpoint,
): Promise<boolean> {
  return s.db.transaction(async (tx) => {
    const ok = c !== undefined ? await applyCheckpoint(tx, id, node, c) : await owns(tx, id, node);
    if (!ok) return false;
    await moveToHistory(tx, id, 'cancel', now);
    return true;
  });
}

/**
 * Deletes a transfer this node claimed and that turned out to be nothing of its own: an
 * upload that wrote nothing into an existing file, or a part of a download merged into
 * another record.
 */
export async function discard(s: TransferScope, id: number, node: string): Promise<boolean> {
  const res = await s.db.run(`DELETE FROM transfers WHERE ${fence('discard')}`, [id, node]);
  return res.changes === 1;
}

async function owns(tx: SqlExecutor, id: number, node: string): Promise<boolean> {
  const r = await tx.get(`SELECT id FROM transfers WHERE ${fence('cancel')}`, [id, node]);
  return r !== undefined;
}

async function applyCheckpoint(tx: SqlExecutor, id: number, node: string, c: Checkpoint): Promise<boolean> {
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
  const res = await tx.run(`UPDATE transfers SET ${sets.join(', ')} WHERE ${fence('checkpoint')}`, [
    ...params,
    id,
    node,
  ]);
  return res.changes === 1;
}
