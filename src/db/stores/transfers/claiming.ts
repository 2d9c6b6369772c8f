/**
 * A node takes a transfer to run it: due client transfers (the controller), or one server
 * transfer its partner continues. Both are atomic: no two nodes ever get the same row.
 */
import type { Transfer } from '../../../model/entities.js';
import { num } from '../common.js';
import { noteNodes } from '../transfer-nodes.js';
import { getTransfer } from './crud.js';
import { toTransfer } from './rows.js';
import type { TransferScope } from './scope.js';
import { fromStatuses, toStatus } from './scope.js';

/**
 * Claims up to `limit` due client transfers for `node`. MySQL/MariaDB: `FOR UPDATE SKIP
 * LOCKED`, so nodes do not queue behind each other. SQLite: the IMMEDIATE transaction holds the
 * database write lock. Due and lease times are on the database's clock; the lease lasts `leaseMs`.
 */
export async function claimDue(
  s: TransferScope,
  node: string,
  limit: number,
  leaseMs: number,
): Promise<Transfer[]> {
  if (limit <= 0) return [];
  return s.db.transaction(async (tx) => {
    const lock = tx.dialect === 'mysql' ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await tx.all(
      `SELECT t.*, ${s.now} AS cluster_now FROM transfers t WHERE owner = ? AND remote_account_id IS NOT NULL
        AND ${fromStatuses('claim', 'due')} AND next_retry IS NOT NULL AND next_retry <= ${s.now}
        ORDER BY next_retry, id LIMIT ?${lock}`,
      [s.owner, limit],
    );
    const claimed: Transfer[] = [];
    for (const r of rows) {
      // The clock read by the same statement: the lease runs from the claim.
      const leaseUntil = num(r.cluster_now) + leaseMs;
      const res = await tx.run(
        `UPDATE transfers SET status = ${toStatus('claim', 'due')}, node = ?, lease_expires_at = ?, next_retry = NULL,
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
      s.owner,
      claimed.map((t) => ({ id: t.id, node })),
      'claimed',
      Date.now(),
    );
    return claimed;
  });
}

/**
 * Takes one specific transfer for `node` if it is not running elsewhere: used by protocol
 * servers continuing an interrupted transfer. A RUNNING row whose lease has lapsed counts as
 * free (its node is dead). Returns the row as claimed, or undefined.
 */
export async function claimOne(
  s: TransferScope,
  id: number,
  node: string,
  leaseMs: number,
): Promise<Transfer | undefined> {
  const res = await s.db.run(
    `UPDATE transfers SET status = ${toStatus('takeOver', 'free')}, node = ?, lease_expires_at = ${s.now} + ?,
      next_retry = NULL, requested_action = NULL, error_code = 'TeOk', error_details = ''
      WHERE id = ? AND owner = ? AND (${fromStatuses('takeOver', 'free')}
        AND (status <> 'RUNNING' OR lease_expires_at IS NULL OR lease_expires_at < ${s.now}))`,
    [node, leaseMs, id, s.owner],
  );
  if (res.changes !== 1) return undefined;
  // Stamped by this node's clock: for people, it decides nothing.
  await noteNodes(s.db, s.owner, [{ id, node }], 'resumed', Date.now());
  return getTransfer(s, id);
}
