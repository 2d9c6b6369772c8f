/**
 * Transfer statuses, steps and error codes, verbatim from the reference
 * (pkg/model/types) so that operators' scripts and the REST API stay compatible.
 */

export const TransferStatus = {
  planned: 'PLANNED',
  available: 'AVAILABLE',
  running: 'RUNNING',
  paused: 'PAUSED',
  interrupted: 'INTERRUPTED',
  error: 'ERROR',
  done: 'DONE',
  cancelled: 'CANCELLED',
} as const;
export type TransferStatus = (typeof TransferStatus)[keyof typeof TransferStatus];

/** Statuses a row of the live `transfers` table may have. */
export const liveStatuses: readonly TransferStatus[] = [
  'PLANNED',
  'AVAILABLE',
  'RUNNING',
  'PAUSED',
  'INTERRUPTED',
  'ERROR',
];
/** Statuses a row of `transfer_history` may have. */
export const historyStatuses: readonly TransferStatus[] = ['DONE', 'CANCELLED'];
export const allStatuses: readonly TransferStatus[] = [...liveStatuses, ...historyStatuses];

export function isTransferStatus(s: string): s is TransferStatus {
  return (allStatuses as readonly string[]).includes(s);
}

/** Ordered: resume logic compares steps (a step already past is skipped). */
export const transferSteps = [
  'StepNone',
  'StepSetup',
  'StepPreTasks',
  'StepData',
  'StepPostTasks',
  'StepErrorTasks',
  'StepFinalization',
] as const;
export type TransferStep = (typeof transferSteps)[number];

export function stepRank(step: TransferStep): number {
  return transferSteps.indexOf(step);
}

export const errorCodes = [
  'TeOk',
  'TeUnknown',
  'TeInternal',
  'TeUnimplemented',
  'TeConnection',
  'TeConnectionReset',
  'TeUnknownRemote',
  'TeExceededLimit',
  'TeBadAuthentication',
  'TeDataTransfer',
  'TeIntegrity',
  'TeFinalization',
  'TeExternalOperation',
  'TeWarning',
  'TeStopped',
  'TeCanceled',
  'TeFileNotFound',
  'TeForbidden',
  'TeBadSize',
  'TeShuttingDown',
  'TeExpired',
] as const;
export type TransferErrorCode = (typeof errorCodes)[number];

/** A failure of a transfer, with the reference's error code. */
export class TransferError extends Error {
  constructor(
    readonly code: TransferErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransferError';
  }
}
