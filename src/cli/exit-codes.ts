/**
 * Exit codes of `waarp-gateway`: one per kind of failure, so scripts can tell a missing object
 * from a refused connection without parsing messages.
 */
export const CliExit = {
  ok: 0,
  /** Anything else: a 5xx, an unexpected answer. */
  failure: 1,
  /** Bad command line. */
  usage: 2,
  /** 404 */
  notFound: 3,
  /** 409 */
  conflict: 4,
  /** 400, 413, 405 */
  badRequest: 5,
  /** 401 */
  unauthorized: 6,
  /** 403 */
  forbidden: 7,
  /** Connection refused, unknown host, TLS failure, timeout. */
  unreachable: 8,
  /** 501: e.g. override routes on a node without an instance name. */
  notImplemented: 9,
} as const;
export type CliExit = (typeof CliExit)[keyof typeof CliExit];

/** An error that ends the CLI with `exitCode` and prints `message`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: CliExit,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, CliExit.usage);
}

export function exitForStatus(status: number): CliExit {
  switch (status) {
    case 400:
    case 405:
    case 413:
    case 415:
      return CliExit.badRequest;
    case 401:
      return CliExit.unauthorized;
    case 403:
      return CliExit.forbidden;
    case 404:
      return CliExit.notFound;
    case 409:
      return CliExit.conflict;
    case 501:
      return CliExit.notImplemented;
    default:
      return CliExit.failure;
  }
}
