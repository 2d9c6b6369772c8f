/**
 * The move of a finished transfer to `transfer_history` (DONE or CANCELLED: no exit from there)
 * and the reads of history rows.
 */
import type { HistoryEntry, Transfer } from '../../../model/entities.js';
import type { TransferEvent } from '../../../model/transfer-lifecycle.js';
import { transferTransitions } from '../../../model/transfer-lifecycle.js';
import type { TransferStatus } from '../../../model/transfer-state.js';
import type { SqlExecutor } from '../../sql.js';
import { placeholders } from '../../sql.js';
import { num, str } from '../common.js';
import { toHistory, toTransfer } from './rows.js';
import type { TransferScope } from './scope.js';
import { fromStatuses } from './scope.js';

/** The events that end a transfer in history. */
export type HistoryEvent = Extract<TransferEvent, 'complete' | 'cancel' | 'cancelWaiting' | 'expire'>;

/**
 * Moves a live row to history in the status `event` leads to. The caller has checked the
 * event's guard in the same transaction.
 */
export async function moveToHistory(
  tx: SqlExecutor,
  id: number,
  event: HistoryEvent,
  now: number,
): Promise<void> {
  const status = transferTransitions[event].to;
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

export async function getHistory(s: TransferScope, id: number): Promise<HistoryEntry | undefined> {
  const r = await s.db.get('SELECT * FROM transfer_history WHERE id = ? AND owner = ?', [id, s.owner]);
  return r && toHistory(r);
}

/** The final status of those of `ids` that are in history now (the console's live list). */
export async function finishedAmong(
  s: TransferScope,
  ids: readonly number[],
): Promise<Map<number, { status: TransferStatus; stop: number }>> {
  if (ids.length === 0) return new Map();
  const rows = await s.db.all(
    `SELECT id, status, stop FROM transfer_history WHERE owner = ? AND id IN ${placeholders(ids.length)}`,
    [s.owner, ...ids],
  );
  return new Map(
    rows.map((r) => [num(r.id), { status: str(r.status) as TransferStatus, stop: num(r.stop) }]),
  );
}

/**
 * Server downloads INTERRUPTED before `cutoff` and never resumed: to history as CANCELLED,
 * with `details(row)` as the reason. Any node may run it (each row is moved once). A row
 * interrupted by a dead node's reaping has no `stop`: its start counts.
 */
export async function expireServerDownloads(
  s: TransferScope,
  cutoff: number,
  now: number,
  details: (t: Transfer) => string,
  limit = 100,
): Promise<number[]> {
  return s.db.transaction(async (tx) => {
    const rows = await tx.all(
      `SELECT t.* FROM transfers t JOIN rules r ON r.id = t.rule_id WHERE t.owner = ? AND ${fromStatuses('expire', 'stale', 't.status')}
        AND t.local_account_id IS NOT NULL AND r.is_send = 1 AND COALESCE(t.stop, t.start) < ?
        ORDER BY t.id LIMIT ?`,
      [s.owner, cutoff, limit],
    );
    const ids: number[] = [];
    for (const r of rows.map(toTransfer)) {
      const res = await tx.run(
        `UPDATE transfers SET error_details = ? WHERE id = ? AND ${fromStatuses('expire', 'stale')}`,
        [details(r).slice(0, 4000), r.id],
      );
      if (res.changes !== 1) continue;
      await moveToHistory(tx, r.id, 'expire', now);
      ids.push(r.id);
    }
    return ids;
  });
}
