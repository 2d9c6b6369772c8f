/**
 * Process exit codes of `waarp-gatewayd`. The first ones keep the reference's numbers
 * (BadConfFile=1, BadConfValue=2, GatewayError=5, DBMigrateError=6) so scripts written for it
 * keep working; the others are ours.
 */
export const ExitCode = {
  ok: 0,
  badConfigFile: 1,
  badConfigValue: 2,
  gatewayError: 5,
  migrationFailed: 6,
  databaseUnreachable: 8,
  schemaTooNew: 9,
  alreadyRunning: 10,
  usage: 64,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the daemon with a specific exit code and an operator-facing message. */
export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FatalError';
  }
}
