/**
 * The transfer state machine in one table: every write that changes a transfer's status (or
 * touches a RUNNING row) is an event here, with the statuses it may start from, the status it
 * leads to and the guard its WHERE clause must hold. The store renders its status conditions
 * from this table (src/db/stores/transfers/), the admin actions pick their event from it, and
 * both executors end a transfer through it (src/transfer/transfer-end.ts). docs/architecture.md
 * shows the same table.
 *
 * DONE and CANCELLED rows live in `transfer_history` and never change again.
 */
import type { TransferStatus } from './transfer-state.js';
import { historyStatuses } from './transfer-state.js';

/** What the write's WHERE must check besides the starting status. */
export type TransferGuard =
  /** `id AND node = this node AND status = RUNNING`: only the lease holder writes. */
  | 'fenced'
  /** A client transfer whose `next_retry` is due on the database's clock; rows locked (SKIP LOCKED). */
  | 'due'
  /** Not running anywhere: a listed status, or RUNNING whose lease lapsed on the database's clock. */
  | 'free'
  /** RUNNING whose lease lapsed on the database's clock (its node is dead or cut off). */
  | 'lapsed'
  /** RUNNING under this node's own name, at this node's start (leftovers of its previous life). */
  | 'own'
  /** The listed statuses only (an operator, through any node). */
  | 'status'
  /** The listed statuses, client transfers only (server transfers are started by the partner). */
  | 'client'
  /** A server download INTERRUPTED before the expiry cutoff and never resumed. */
  | 'stale'
  /** A new row. */
  | 'new';

export interface TransferTransition {
  /** Statuses the row may be in; empty for a new row. */
  readonly from: readonly TransferStatus[];
  /** The status the row ends in; null: the row is deleted, nothing recorded. */
  readonly to: TransferStatus | null;
  readonly guard: TransferGuard;
  /** Who makes the write, and when (for people). */
  readonly by: string;
}

const live = ['PLANNED', 'AVAILABLE', 'PAUSED', 'INTERRUPTED', 'ERROR'] as const;

export const transferTransitions = {
  plan: { from: [], to: 'PLANNED', guard: 'new', by: 'REST/CLI/import: a client transfer is planned' },
  open: { from: [], to: 'RUNNING', guard: 'new', by: "server: a partner opens a file (this node's lease)" },
  claim: {
    from: ['PLANNED', 'INTERRUPTED', 'ERROR'],
    to: 'RUNNING',
    guard: 'due',
    by: 'controller: claims due client transfers',
  },
  takeOver: {
    from: ['INTERRUPTED', 'ERROR', 'PLANNED', 'AVAILABLE', 'RUNNING'],
    to: 'RUNNING',
    guard: 'free',
    by: 'server: a partner continues an interrupted transfer (through any node)',
  },
  checkpoint: { from: ['RUNNING'], to: 'RUNNING', guard: 'fenced', by: 'running node: progress, step, task' },
  renewLease: { from: ['RUNNING'], to: 'RUNNING', guard: 'fenced', by: "running node's heartbeat" },
  requestAction: {
    from: ['RUNNING'],
    to: 'RUNNING',
    guard: 'status',
    by: 'operator: asks the running node to pause or cancel',
  },
  complete: { from: ['RUNNING'], to: 'DONE', guard: 'fenced', by: 'running node: success, to history' },
  fail: { from: ['RUNNING'], to: 'ERROR', guard: 'fenced', by: 'running node: failure (retry plan or none)' },
  interrupt: {
    from: ['RUNNING'],
    to: 'INTERRUPTED',
    guard: 'fenced',
    by: 'running node: drain, lost session, database outage (resumable)',
  },
  pause: { from: ['RUNNING'], to: 'PAUSED', guard: 'fenced', by: "running node: an operator's pause" },
  cancel: {
    from: ['RUNNING'],
    to: 'CANCELLED',
    guard: 'fenced',
    by: "running node: an operator's cancel, to history",
  },
  discard: {
    from: ['RUNNING'],
    to: null,
    guard: 'fenced',
    by: 'running node: a record that was nothing of its own (merged, empty)',
  },
  leaseLapsed: {
    from: ['RUNNING'],
    to: 'INTERRUPTED',
    guard: 'lapsed',
    by: "any survivor: a dead node's transfers",
  },
  restart: { from: ['RUNNING'], to: 'INTERRUPTED', guard: 'own', by: 'a node at start: its own leftovers' },
  pauseWaiting: { from: ['PLANNED'], to: 'PAUSED', guard: 'status', by: 'operator: pause before it runs' },
  resume: {
    from: ['PAUSED', 'INTERRUPTED', 'ERROR'],
    to: 'PLANNED',
    guard: 'client',
    by: 'operator: plan again, due now',
  },
  cancelWaiting: {
    from: live,
    to: 'CANCELLED',
    guard: 'status',
    by: 'operator: cancel a transfer not running',
  },
  expire: {
    from: ['INTERRUPTED'],
    to: 'CANCELLED',
    guard: 'stale',
    by: 'housekeeping: server downloads never resumed',
  },
} as const satisfies Record<string, TransferTransition>;

export type TransferEvent = keyof typeof transferTransitions;

/** The status an event leads to, typed (e.g. `'DONE'` for complete). */
export type TargetOf<E extends TransferEvent> = (typeof transferTransitions)[E]['to'];

/**
 * Statuses no event leads to, and why they exist at all. AVAILABLE is the reference's status of
 * a server transfer waiting for its partner; this gateway never writes it, but a row in it
 * (from the reference's database) can still be taken over or cancelled.
 */
export const unreachableStatuses: readonly TransferStatus[] = ['AVAILABLE'];

/** Statuses with no exit: the row is in history. */
export const terminalStatuses: readonly TransferStatus[] = historyStatuses;

/** A write the table does not allow from the row's status. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly event: TransferEvent,
    readonly status: TransferStatus,
  ) {
    super(
      `cannot ${event} a transfer that is ${status} (${event} applies to ${orList(transferTransitions[event].from)} transfers only)`,
    );
    this.name = 'IllegalTransitionError';
  }
}

export function canApply(event: TransferEvent, status: TransferStatus): boolean {
  return (transferTransitions[event].from as readonly TransferStatus[]).includes(status);
}

/** The status `event` leads to from `status`; throws IllegalTransitionError when not allowed. */
export function applyTransition<E extends TransferEvent>(event: E, status: TransferStatus): TargetOf<E> {
  if (!canApply(event, status)) throw new IllegalTransitionError(event, status);
  return transferTransitions[event].to;
}

/** Of `events`, the first that applies to `status` (an operator's action picks its write so). */
export function firstApplicable<E extends TransferEvent>(
  events: readonly E[],
  status: TransferStatus,
): E | undefined {
  return events.find((e) => canApply(e, status));
}

/** The statuses `events` apply to, for an error message: "PLANNED or RUNNING". */
export function statusesOf(events: readonly TransferEvent[]): string {
  return orList([...new Set(events.flatMap((e) => transferTransitions[e].from))]);
}

/** Every status some chain of events leads to from a new row. */
export function reachableStatuses(): Set<TransferStatus> {
  const seen = new Set<TransferStatus>();
  const events = Object.values(transferTransitions) as TransferTransition[];
  for (let grew = true; grew;) {
    grew = false;
    for (const t of events) {
      const fromHere = t.from.length === 0 || t.from.some((s) => seen.has(s));
      if (fromHere && t.to !== null && !seen.has(t.to)) {
        seen.add(t.to);
        grew = true;
      }
    }
  }
  return seen;
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
