/**
 * Operator actions, through any node: waiting transfers change in the database directly; a
 * RUNNING one gets a requested action that its node carries out within a heartbeat.
 */
import type { TransferAction } from '../../../model/entities.js';
import { moveToHistory } from './history.js';
import type { TransferScope } from './scope.js';
import { fromStatuses, toStatus } from './scope.js';

/** Asks the node running a transfer to pause or cancel it; it acts within a heartbeat. */
export async function requestAction(s: TransferScope, id: number, action: TransferAction): Promise<boolean> {
  const res = await s.db.run(
    `UPDATE transfers SET requested_action = ? WHERE id = ? AND owner = ? AND ${fromStatuses('requestAction', 'status')}`,
    [action, id, s.owner],
  );
  return res.changes === 1;
}

/** Actions asked of `node`'s running transfers. */
export async function pendingActions(
  s: TransferScope,
  node: string,
): Promise<{ id: number; action: TransferAction }[]> {
  const rows = await s.db.all<{ id: number; requested_action: string }>(
    `SELECT id, requested_action FROM transfers WHERE owner = ? AND node = ? AND ${fromStatuses('requestAction', 'status')}
      AND requested_action IS NOT NULL`,
    [s.owner, node],
  );
  return rows.map((r) => ({ id: Number(r.id), action: r.requested_action as TransferAction }));
}

/** A transfer waiting to run is paused (an operator resumes it). */
export async function pauseWaiting(s: TransferScope, id: number): Promise<boolean> {
  const res = await s.db.run(
    `UPDATE transfers SET status = ${toStatus('pauseWaiting', 'status')}, next_retry = NULL
      WHERE id = ? AND owner = ? AND ${fromStatuses('pauseWaiting', 'status')}`,
    [id, s.owner],
  );
  return res.changes === 1;
}

/** A client transfer in PAUSED, INTERRUPTED or ERROR is planned again, due now. */
export async function resume(s: TransferScope, id: number, now: number): Promise<boolean> {
  const res = await s.db.run(
    `UPDATE transfers SET status = ${toStatus('resume', 'client')}, next_retry = ?, error_code = 'TeOk', error_details = ''
      WHERE id = ? AND owner = ? AND remote_account_id IS NOT NULL AND ${fromStatuses('resume', 'client')}`,
    [now, id, s.owner],
  );
  return res.changes === 1;
}

/** Cancels a transfer that is not running: to history as CANCELLED. */
export function cancelWaiting(s: TransferScope, id: number, now: number): Promise<boolean> {
  return s.db.transaction(async (tx) => {
    const r = await tx.get(
      `SELECT id FROM transfers WHERE id = ? AND owner = ? AND ${fromStatuses('cancelWaiting', 'status')}`,
      [id, s.owner],
    );
    if (r === undefined) return false;
    await moveToHistory(tx, id, 'cancelWaiting', now);
    return true;
  });
}
