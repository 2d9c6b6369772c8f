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

/** The exit code of each HTTP status that has its own; any other is a failure. */
const exitByStatus: Readonly<Record<number, CliExit>> = {
  400: CliExit.badRequest,
  405: CliExit.badRequest,
  413: CliExit.badRequest,
  415: CliExit.badRequest,
  401: CliExit.unauthorized,
  403: CliExit.forbidden,
  404: CliExit.notFound,
  409: CliExit.conflict,
  501: CliExit.notImplemented,
};

export function exitForStatus(status: number): CliExit {
  return exitByStatus[status] ?? CliExit.failure;
}
