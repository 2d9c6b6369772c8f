/** Transfers: the create body, and the normalized row → the reference's transfer JSON. */
import type { TransferOut } from '../api-types.js';
import type { NormalizedTransfer } from '../../db/stores/transfers.js';
import { is } from '../validate.js';
import { rfc3339 } from './common.js';

export const newTransferShape = {
  rule: is.string({ nonEmpty: true }),
  isSend: is.boolean(),
  partner: is.string({ nonEmpty: true }),
  account: is.string({ nonEmpty: true }),
  client: is.string({ nonEmpty: true }),
  file: is.string({ nonEmpty: true, max: 4096 }),
  output: is.string({ nonEmpty: true, max: 4096 }),
  start: is.dateTime(),
  transferInfo: is.jsonObject(),
  nbOfAttempts: is.integer({ min: 0, max: 1000 }),
  firstRetryDelay: is.integer({ min: 0, max: 86_400 * 30 }),
  retryIncrementFactor: is.number({ min: 0, max: 1000 }),
};
export const newTransferRequired = ['rule', 'isSend', 'partner', 'account', 'file'] as const;

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
