/** Transfers: the create body, and the normalized row → the reference's transfer JSON. */
import type { NormalizedTransfer } from '../../db/stores/transfers.js';
import type { TransferOut } from '../../schema/transfers.js';
import { rfc3339 } from './common.js';

export function transferOut(t: NormalizedTransfer): TransferOut {
  const out: TransferOut = {
    id: t.id,
    remoteID: t.remoteTransferId,
    rule: t.rule,
    isServer: t.isServer,
    isSend: t.isSend,
    client: t.client,
    requester: t.account,
    requested: t.agent,
    protocol: t.protocol,
    srcFilename: t.srcFilename,
    destFilename: t.destFilename,
    localFilepath: t.localPath,
    remoteFilepath: t.remotePath,
    filesize: t.filesize,
    start: rfc3339(t.start),
    status: t.status,
    step: t.step,
    progress: t.progress,
    taskNumber: t.taskNumber,
    errorCode: t.errorCode,
    errorMsg: t.errorDetails,
    transferInfo: t.info,
    remainingAttempts: t.remainingTries,
    nextRetryDelay: t.nextRetryDelay,
    retryIncrementFactor: t.retryIncrementFactor,
    node: t.node,
  };
  if (t.stop !== null) out.stop = rfc3339(t.stop);
  if (t.nextRetry !== null) out.nextAttempt = rfc3339(t.nextRetry);
  return out;
}
