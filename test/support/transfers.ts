import type { NewTransfer } from '../../src/db/stores/transfers.js';

/** What a planned client transfer needs to name: its rule, client and remote account. */
export interface PlanTarget {
  ruleId: number;
  clientId: number;
  remoteAccountId: number;
}

/** A PLANNED client transfer due now, as POST /api/transfers would create it. */
export function plannedTransfer(target: PlanTarget, overrides: Partial<NewTransfer> = {}): NewTransfer {
  const now = Date.now();
  return {
    ruleId: target.ruleId,
    clientId: target.clientId,
    localAccountId: null,
    remoteAccountId: target.remoteAccountId,
    srcFilename: 'x',
    destFilename: 'x',
    localPath: '',
    remotePath: '',
    filesize: -1,
    start: now,
    status: 'PLANNED',
    step: 'StepNone',
    remainingTries: 0,
    nextRetryDelay: 1,
    retryIncrementFactor: 2,
    nextRetry: now,
    node: null,
    info: {},
    ...overrides,
  };
}
