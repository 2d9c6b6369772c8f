import pino from 'pino';
import type { LogLevel } from './config/types.js';

export type Logger = pino.Logger;

/** Paths whose values never reach a log line, whatever logs them. */
const redact = [
  'password',
  '*.password',
  '*.*.password',
  'value',
  '*.value',
  'value2',
  '*.value2',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'privateKey',
  '*.privateKey',
];

/** Structured JSON logs to stdout, stderr or a file. */
export function createLogger(options: { level: LogLevel; logTo: string; name?: string }): Logger {
  const destination =
    options.logTo === 'stdout'
      ? pino.destination(1)
      : options.logTo === 'stderr'
        ? pino.destination(2)
        : pino.destination({ dest: options.logTo, mkdir: true, sync: false });
  return pino(
    {
      level: options.level,
      base: options.name === undefined ? {} : { node: options.name },
      redact: { paths: redact, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A logger that writes nothing, for tests of modules that take one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
