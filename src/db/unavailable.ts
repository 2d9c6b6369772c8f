/**
 * Whether an error means the database could not be reached or answer (as opposed to a
 * transfer's own failure): a client transfer cut by it is interrupted and due again, with no
 * attempt spent. mysql2 marks every error of a broken or unopened connection `fatal` (refused,
 * reset, timed out, lost); lock conflicts are resolved by running the work again. A partner's
 * socket error carries the same codes (ECONNRESET, ETIMEDOUT) but is never `fatal`: counting it
 * as a database outage would retry a bad partner for ever without spending an attempt.
 */
import { TransferError } from '../model/transfer-state.js';

const retryableCodes: readonly string[] = ['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY'];

export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof TransferError || typeof err !== 'object' || err === null) return false;
  const { code, fatal } = err as { code?: unknown; fatal?: unknown };
  if (fatal === true) return true;
  return typeof code === 'string' && retryableCodes.includes(code);
}
