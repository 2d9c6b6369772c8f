/** Transfers: the body that plans one, and a transfer as the API shows it (live or history). */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { allStatuses, errorCodes, transferSteps } from '../model/transfer-state.js';
import { retryFields } from './agents.js';
import { FreeObject, Nullable, Str, StringEnum } from './types.js';

const some = (description?: string): ReturnType<typeof Str> =>
  Str({ nonEmpty: true, ...(description === undefined ? {} : { description }) });
const dateTime = (description: string): ReturnType<typeof Str> => Str({ format: 'date-time', description });

export const TransferIn = Type.Object(
  {
    rule: some('Rule name'),
    isSend: Type.Boolean({ description: 'Send the file to the partner, or receive it from the partner' }),
    partner: some('Partner name'),
    account: some('Our account on the partner (its login)'),
    client: Type.Optional(some('Client to use; default: the only one of the protocol, or a new one')),
    file: Str({ nonEmpty: true, max: 4096, description: 'Source file: the file to send or to fetch' }),
    output: Type.Optional(
      Str({ nonEmpty: true, max: 4096, description: 'Destination name; default: basename of file' }),
    ),
    start: Type.Optional(dateTime('When to start; default now')),
    transferInfo: Type.Optional(FreeObject({ description: 'Free information kept with the transfer' })),
    ...retryFields("; default: the client's"),
  },
  { additionalProperties: false },
);

const text = (description: string): ReturnType<typeof Type.String> => Type.String({ description });
const time = (description: string): ReturnType<typeof Type.String> =>
  Type.String({ format: 'date-time', description });

/** Times are RFC 3339 strings; `stop` and `nextAttempt` are absent when unset. */
export const Transfer = Type.Object({
  id: Type.Integer(),
  remoteID: Type.String(),
  rule: Type.String(),
  isServer: Type.Boolean(),
  isSend: Type.Boolean(),
  client: Type.String(),
  requester: text('Account login'),
  requested: text('Server or partner name'),
  protocol: Type.String(),
  srcFilename: Type.String(),
  destFilename: Type.String(),
  localFilepath: Type.String(),
  remoteFilepath: Type.String(),
  filesize: Type.Integer({ description: '-1 when unknown' }),
  start: time('Start (planned transfers: when to start)'),
  stop: Type.Optional(time('End, absent when not ended')),
  status: StringEnum(allStatuses),
  step: StringEnum(transferSteps),
  progress: Type.Integer({ description: 'Bytes' }),
  taskNumber: Type.Integer(),
  errorCode: StringEnum(errorCodes),
  errorMsg: Type.String(),
  transferInfo: FreeObject(),
  remainingAttempts: Type.Integer(),
  nextAttempt: Type.Optional(time('Next automatic attempt, absent when none')),
  nextRetryDelay: Type.Integer({ description: 'Seconds' }),
  retryIncrementFactor: Type.Number(),
  node: Nullable(Type.String(), { description: 'Node running it or that ran it last (ours)' }),
});

export type TransferOut = Static<typeof Transfer>;
