/**
 * What every part of the transfer store works on, and the status conditions of its SQL,
 * rendered from the lifecycle table (src/model/transfer-lifecycle.ts) so that no write names a
 * status the table does not give it.
 */
import type { TransferEvent, TransferGuard } from '../../../model/transfer-lifecycle.js';
import { transferTransitions } from '../../../model/transfer-lifecycle.js';
import type { TransferStatus } from '../../../model/transfer-state.js';
import type { SqlDatabase } from '../../sql.js';

export interface TransferScope {
  readonly db: SqlDatabase;
  /** The gateway (owner) whose rows these are. */
  readonly owner: string;
  /** SQL for the database's clock, which every lease is read and written on. */
  readonly now: string;
}

/** A status as an SQL literal (statuses come from the table, never from input). */
function literal(status: TransferStatus): string {
  return `'${status}'`;
}

/** The event's transition, checked to carry the guard the caller's SQL implements. */
function transition(event: TransferEvent, guard: TransferGuard) {
  const t = transferTransitions[event];
  if (t.guard !== guard) throw new Error(`transfer event ${event} is guarded by ${t.guard}, not ${guard}`);
  return t;
}

/** `status IN ('A', 'B')`: the statuses `event` starts from (`column`: with a table alias). */
export function fromStatuses(event: TransferEvent, guard: TransferGuard, column = 'status'): string {
  const from = transition(event, guard).from as readonly TransferStatus[];
  return from.length === 1
    ? `${column} = ${literal(from[0]!)}`
    : `${column} IN (${from.map(literal).join(', ')})`;
}

/** `'ERROR'`: the status `event` leads to. */
export function toStatus(event: TransferEvent, guard: TransferGuard): string {
  const { to } = transition(event, guard);
  if (to === null) throw new Error(`transfer event ${event} deletes the row`);
  return literal(to);
}

/**
 * The fence of a write by the running node (params: id, node). A node that lost its lease
 * (declared dead, taken over) changes nothing: the write reports no row changed.
 */
export function fence(event: TransferEvent): string {
  return `id = ? AND node = ? AND ${fromStatuses(event, 'fenced')}`;
}
