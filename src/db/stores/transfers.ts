/**
 * Transfers and their history. The rules that keep a cluster honest live here:
 *
 * - A RUNNING row belongs to one node (`node`) until `lease_expires_at`; the node's heartbeat
 *   renews every lease it holds in one statement. Lease times are on the database's clock
 *   (`clusterNowSql`), never a node's: callers give lease lengths, not expiry times.
 * - Every write a running node makes is fenced: `WHERE id = ? AND node = ? AND status = 'RUNNING'`.
 *   A node that lost its lease (declared dead, taken over) changes nothing: the methods
 *   return false and the caller must stop the transfer.
 * - Every status a write starts from or leads to comes from the lifecycle table
 *   (src/model/transfer-lifecycle.ts).
 * - "No retry scheduled" is NULL in `next_retry`; such rows are never picked.
 *
 * This class is the store's one entry point; each job lives in its own module under
 * `transfers/`: rows and shapes, reading and counting, paging, claiming, fenced writes,
 * leases, operator actions, history.
 */
import type { HistoryEntry, Transfer, TransferAction } from '../../model/entities.js';
import type { TransferErrorCode, TransferStatus } from '../../model/transfer-state.js';
import type { SqlDatabase, WriteOptions } from '../sql.js';
import { clusterNowSql } from '../sql.js';
import type { ListOptions } from './common.js';
import * as actions from './transfers/actions.js';
import * as claiming from './transfers/claiming.js';
import * as crud from './transfers/crud.js';
import * as fenced from './transfers/fenced.js';
import * as history from './transfers/history.js';
import * as leases from './transfers/leases.js';
import { listNormalized } from './transfers/paging.js';
import type {
  Checkpoint,
  NewTransfer,
  NormalizedTransfer,
  RetryPlan,
  TransferFilter,
} from './transfers/rows.js';
import type { TransferScope } from './transfers/scope.js';

export type { Checkpoint, NewTransfer, NormalizedTransfer, RetryPlan, TransferFilter };
export { toHistory, transferSortKeys } from './transfers/rows.js';

type Failure = { code: TransferErrorCode; details: string };

export class TransferStore {
  readonly #s: TransferScope;

  constructor(db: SqlDatabase, owner: string) {
    this.#s = { db, owner, now: clusterNowSql(db.dialect) };
  }

  // ---- rows ------------------------------------------------------------------------------

  /** `options`: see WriteOptions (the row of a server transfer is written without waiting for the disk). */
  create(t: NewTransfer, options?: WriteOptions): Promise<Transfer> {
    return crud.createTransfer(this.#s, t, options);
  }
  get(id: number): Promise<Transfer | undefined> {
    return crud.getTransfer(this.#s, id);
  }
  getNormalized(id: number): Promise<NormalizedTransfer | undefined> {
    return crud.getNormalized(this.#s, id);
  }
  listNormalized(filter: TransferFilter, options: ListOptions = {}): Promise<NormalizedTransfer[]> {
    return listNormalized(this.#s, filter, options);
  }
  getHistory(id: number): Promise<HistoryEntry | undefined> {
    return history.getHistory(this.#s, id);
  }
  findUnfinishedServerTransfer(
    localAccountId: number,
    ruleId: number,
    destFilename: string,
  ): Promise<Transfer | undefined> {
    return crud.findUnfinishedServerTransfer(this.#s, localAccountId, ruleId, destFilename);
  }
  unfinishedServerTransfers(localAccountId: number, ruleId: number): Promise<Transfer[]> {
    return crud.unfinishedServerTransfers(this.#s, localAccountId, ruleId);
  }
  idsWithStatus(statuses: TransferStatus[]): Promise<number[]> {
    return crud.idsWithStatus(this.#s, statuses);
  }
  countByStatus(): Promise<Record<string, number>> {
    return crud.countByStatus(this.#s);
  }
  finishedAmong(ids: readonly number[]): Promise<Map<number, { status: TransferStatus; stop: number }>> {
    return history.finishedAmong(this.#s, ids);
  }
  runningByNode(): Promise<Map<string, number>> {
    return crud.runningByNode(this.#s);
  }
  countRunningOn(node: string): Promise<number> {
    return crud.countRunningOn(this.#s, node);
  }

  // ---- claiming --------------------------------------------------------------------------

  claimDue(node: string, limit: number, leaseMs: number): Promise<Transfer[]> {
    return claiming.claimDue(this.#s, node, limit, leaseMs);
  }
  claimOne(id: number, node: string, leaseMs: number): Promise<Transfer | undefined> {
    return claiming.claimOne(this.#s, id, node, leaseMs);
  }

  // ---- fenced writes by the running node --------------------------------------------------

  checkpoint(id: number, node: string, c: Checkpoint): Promise<boolean> {
    return fenced.checkpoint(this.#s, id, node, c);
  }
  complete(id: number, node: string, now: number, c: Checkpoint, options?: WriteOptions): Promise<boolean> {
    return fenced.complete(this.#s, id, node, now, c, options);
  }
  fail(
    id: number,
    node: string,
    now: number,
    error: Failure,
    retry: RetryPlan | null,
    c?: Checkpoint,
  ): Promise<boolean> {
    return fenced.fail(this.#s, id, node, now, error, retry, c);
  }
  stopRunning(
    id: number,
    node: string,
    now: number,
    to: 'INTERRUPTED' | 'PAUSED',
    error: Failure,
    c?: Checkpoint,
  ): Promise<boolean> {
    return fenced.stopRunning(this.#s, id, node, now, to === 'PAUSED' ? 'pause' : 'interrupt', error, c);
  }
  cancelRunning(id: number, node: string, now: number, c?: Checkpoint): Promise<boolean> {
    return fenced.cancelRunning(this.#s, id, node, now, c);
  }
  discard(id: number, node: string): Promise<boolean> {
    return fenced.discard(this.#s, id, node);
  }

  // ---- cluster housekeeping -----------------------------------------------------------------

  renewLeases(node: string, leaseMs: number, ids: readonly number[]): Promise<number> {
    return leases.renewLeases(this.#s, node, leaseMs, ids);
  }
  lapsedLeases(): Promise<{ ids: number[]; clusterNow: number }> {
    return leases.lapsedLeases(this.#s);
  }
  expireLeases(ids: readonly number[]): Promise<number> {
    return leases.expireLeases(this.#s, ids);
  }
  interruptAllOf(node: string): Promise<number> {
    return leases.interruptAllOf(this.#s, node);
  }
  expireServerDownloads(
    cutoff: number,
    now: number,
    details: (t: Transfer) => string,
    limit = 100,
  ): Promise<number[]> {
    return history.expireServerDownloads(this.#s, cutoff, now, details, limit);
  }

  // ---- operator actions (any node) -------------------------------------------------------

  requestAction(id: number, action: TransferAction): Promise<boolean> {
    return actions.requestAction(this.#s, id, action);
  }
  pendingActions(node: string): Promise<{ id: number; action: TransferAction }[]> {
    return actions.pendingActions(this.#s, node);
  }
  pauseWaiting(id: number): Promise<boolean> {
    return actions.pauseWaiting(this.#s, id);
  }
  resume(id: number, now: number): Promise<boolean> {
    return actions.resume(this.#s, id, now);
  }
  cancelWaiting(id: number, now: number): Promise<boolean> {
    return actions.cancelWaiting(this.#s, id, now);
  }
}
