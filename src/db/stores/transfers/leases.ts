/**
 * Leases, on the database's clock only: a RUNNING row belongs to its node until
 * `lease_expires_at`; the node's heartbeat renews them; survivors interrupt those that lapsed.
 */
import { placeholders } from '../../sql.js';
import { num, str } from '../common.js';
import { noteNodes } from '../transfer-nodes.js';
import type { TransferScope } from './scope.js';
import { fromStatuses, toStatus } from './scope.js';

/**
 * Renews the leases of the transfers this process really runs (`ids`), in one statement per
 * heartbeat. A RUNNING row under this node's name that it no longer runs (its end could not be
 * recorded) is left to lapse, so that another node, or the partner's `reput`, can take it.
 */
export async function renewLeases(
  s: TransferScope,
  node: string,
  leaseMs: number,
  ids: readonly number[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await s.db.run(
    `UPDATE transfers SET lease_expires_at = ${s.now} + ? WHERE owner = ? AND node = ? AND ${fromStatuses('renewLease', 'fenced')}
      AND id IN ${placeholders(ids.length)}`,
    [leaseMs, s.owner, node, ...ids],
  );
  return res.changes;
}

/**
 * RUNNING transfers whose lease lapsed (their node is dead or cut off), judged on the database's
 * clock only, so that a node whose own clock is ahead takes nothing from live nodes. The same
 * statement reads that clock: the heartbeat measures this node's clock with it, at no extra
 * round trip.
 */
export async function lapsedLeases(s: TransferScope): Promise<{ ids: number[]; clusterNow: number }> {
  const rows = await s.db.all<{ cluster_now: unknown; id: unknown }>(
    `SELECT c.cluster_now, t.id FROM (SELECT ${s.now} AS cluster_now) c
      LEFT JOIN transfers t ON t.owner = ? AND ${fromStatuses('leaseLapsed', 'lapsed', 't.status')}
        AND t.lease_expires_at < c.cluster_now`,
    [s.owner],
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
export async function expireLeases(s: TransferScope, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  return s.db.transaction(async (tx) => {
    const lapsed = `owner = ? AND id IN ${placeholders(ids.length)} AND ${fromStatuses('leaseLapsed', 'lapsed')}
        AND lease_expires_at < ${s.now}`;
    // Which node lost each one, for the transfer's node history (the web console).
    const lost = await tx.all<{ id: unknown; node: unknown }>(
      `SELECT id, node FROM transfers WHERE ${lapsed}`,
      [s.owner, ...ids],
    );
    const res = await tx.run(
      `UPDATE transfers SET status = ${toStatus('leaseLapsed', 'lapsed')}, error_code = 'TeShuttingDown',
        error_details = 'the node running this transfer stopped answering', lease_expires_at = NULL,
        next_retry = CASE WHEN remote_account_id IS NOT NULL THEN ${s.now} ELSE NULL END
        WHERE ${lapsed}`,
      [s.owner, ...ids],
    );
    await noteNodes(
      tx,
      s.owner,
      lost.filter((r) => r.node !== null).map((r) => ({ id: Number(r.id), node: str(r.node) })),
      'lease lapsed',
      Date.now(),
    );
    return res.changes;
  });
}

/** At start: this node's own RUNNING rows are leftovers of its previous life. */
export async function interruptAllOf(s: TransferScope, node: string): Promise<number> {
  const res = await s.db.run(
    `UPDATE transfers SET status = ${toStatus('restart', 'own')}, error_code = 'TeShuttingDown',
      error_details = 'the node restarted while this transfer was running', lease_expires_at = NULL,
      next_retry = CASE WHEN remote_account_id IS NOT NULL THEN ${s.now} ELSE NULL END
      WHERE owner = ? AND node = ? AND ${fromStatuses('restart', 'own')}`,
    [s.owner, node],
  );
  return res.changes;
}
