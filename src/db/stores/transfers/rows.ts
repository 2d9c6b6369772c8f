/**
 * The shapes of the transfer store (rows, checkpoints, filters) and their mapping from SQL rows.
 */
import type {
  HistoryEntry,
  RetrySchedule,
  Transfer,
  TransferAction,
  TransferRecord,
} from '../../../model/entities.js';
import type { TransferErrorCode, TransferStatus, TransferStep } from '../../../model/transfer-state.js';
import type { Row } from '../../sql.js';
import { bool, json, num, numOrNull, str } from '../common.js';

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
export interface NormalizedTransfer extends Omit<HistoryEntry, 'owner' | 'stop'>, RetrySchedule {
  stop: number | null;
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

/** A failed transfer's next try: its retry schedule with a time set (the factor stays). */
export type RetryPlan = Pick<RetrySchedule, 'nextRetryDelay' | 'remainingTries'> & { nextRetry: number };

/** The columns of every transfer row, live or history. */
function recordColumns(r: Row): TransferRecord {
  return {
    id: num(r.id),
    remoteTransferId: str(r.remote_transfer_id),
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

function retryColumns(r: Row): RetrySchedule {
  return {
    remainingTries: num(r.remaining_tries),
    nextRetryDelay: num(r.next_retry_delay),
    retryIncrementFactor: num(r.retry_increment_factor),
    nextRetry: numOrNull(r.next_retry),
  };
}

export function toTransfer(r: Row): Transfer {
  return {
    ...recordColumns(r),
    ...retryColumns(r),
    owner: str(r.owner),
    ruleId: num(r.rule_id),
    clientId: numOrNull(r.client_id),
    localAccountId: numOrNull(r.local_account_id),
    remoteAccountId: numOrNull(r.remote_account_id),
    stop: numOrNull(r.stop),
    leaseExpiresAt: numOrNull(r.lease_expires_at),
    requestedAction:
      r.requested_action === null || r.requested_action === undefined
        ? null
        : (str(r.requested_action) as TransferAction),
  };
}

/** The columns history rows and the normalized view share (names instead of ids). */
function namedColumns(r: Row) {
  return {
    ...recordColumns(r),
    isServer: bool(r.is_server),
    isSend: bool(r.is_send),
    account: str(r.account),
    agent: str(r.agent),
    client: str(r.client),
    protocol: str(r.protocol),
    rule: str(r.rule),
  };
}

export function toNormalized(r: Row): NormalizedTransfer {
  return { ...namedColumns(r), ...retryColumns(r), stop: numOrNull(r.stop), isHistory: bool(r.is_history) };
}

export function toHistory(r: Row): HistoryEntry {
  return { ...namedColumns(r), owner: str(r.owner), stop: num(r.stop) };
}
