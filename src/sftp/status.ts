/**
 * Errors as SFTP status codes, in one place: our own SftpError, transfer errors (reference Te*
 * codes) and file-system errno values. Anything else is an internal failure: the partner gets
 * a generic message and the caller logs the real one.
 */
import { TransferError } from '../model/transfer-state.js';
import { BadPathError, normalizeVirtual } from '../transfer/paths.js';
import { STATUS_CODE } from './ssh2.js';

export class SftpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SftpError';
  }
}

export const noSuchFile = (message = 'no such file'): SftpError =>
  new SftpError(STATUS_CODE.NO_SUCH_FILE, message);
export const permissionDenied = (message = 'permission denied'): SftpError =>
  new SftpError(STATUS_CODE.PERMISSION_DENIED, message);
export const failure = (message: string): SftpError => new SftpError(STATUS_CODE.FAILURE, message);

export interface MappedStatus {
  code: number;
  message: string;
  /** Unexpected: log it as an error. */
  internal: boolean;
}

const errnoStatus: Record<string, [number, string]> = {
  ENOENT: [STATUS_CODE.NO_SUCH_FILE, 'no such file'],
  ENOTDIR: [STATUS_CODE.NO_SUCH_FILE, 'not a directory'],
  EACCES: [STATUS_CODE.PERMISSION_DENIED, 'permission denied'],
  EPERM: [STATUS_CODE.PERMISSION_DENIED, 'permission denied'],
  EROFS: [STATUS_CODE.PERMISSION_DENIED, 'read-only file system'],
  EEXIST: [STATUS_CODE.FAILURE, 'file exists'],
  ENOTEMPTY: [STATUS_CODE.FAILURE, 'directory not empty'],
  EISDIR: [STATUS_CODE.FAILURE, 'is a directory'],
  ENOSPC: [STATUS_CODE.FAILURE, 'no space left on the server'],
  EDQUOT: [STATUS_CODE.FAILURE, 'quota exceeded'],
  ENAMETOOLONG: [STATUS_CODE.FAILURE, 'file name too long'],
};

/**
 * A file-system error as a status whose message names the path it is about (`/in/x: directory
 * not empty`); other errors unchanged.
 */
export function withPath(err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known = code === undefined ? undefined : errnoStatus[code];
  if (known === undefined || err instanceof SftpError) return err;
  let v = path;
  try {
    v = normalizeVirtual(path);
  } catch {
    // A path with a NUL byte: named as given.
  }
  return new SftpError(known[0], `${v}: ${known[1]}`);
}

export function statusOf(err: unknown): MappedStatus {
  if (err instanceof SftpError) return { code: err.status, message: err.message, internal: false };
  if (err instanceof BadPathError)
    return { code: STATUS_CODE.NO_SUCH_FILE, message: err.message, internal: false };
  if (err instanceof TransferError) {
    if (err.code === 'TeForbidden')
      return { code: STATUS_CODE.PERMISSION_DENIED, message: err.message, internal: false };
    if (err.code === 'TeFileNotFound')
      return { code: STATUS_CODE.NO_SUCH_FILE, message: err.message, internal: false };
    // Everything else (limits, stops, task failures) is a failure the partner should read.
    return {
      code: STATUS_CODE.FAILURE,
      message: err.message,
      internal: err.code === 'TeInternal' && err.cause !== undefined,
    };
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known = code === undefined ? undefined : errnoStatus[code];
  if (known !== undefined) return { code: known[0], message: known[1], internal: false };
  return { code: STATUS_CODE.FAILURE, message: 'internal error', internal: true };
}
