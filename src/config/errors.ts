import { ExitCode, FatalError } from '../errors.js';

/** One thing wrong with the configuration, located as precisely as we can. */
export interface ConfigProblem {
  /** The file (as the operator named it), or `environment` for a `WAARP_GATEWAY_*` variable. */
  readonly file: string;
  readonly line?: number | undefined;
  readonly section?: string | undefined;
  readonly key?: string | undefined;
  /** The environment variable the bad value came from, if any. */
  readonly variable?: string | undefined;
  readonly message: string;
  /** `file`: unreadable or unparseable (exit 1); `value` (default): a bad setting (exit 2). */
  readonly kind?: 'file' | 'value' | undefined;
}

/** `gatewayd.ini:12: [controller] Delay: "5 seconds" is not a duration (e.g. 5s, 500ms)` */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const what = [
    p.variable,
    p.section === undefined ? undefined : `[${p.section}]`,
    p.key === undefined || p.key === p.variable ? undefined : p.key,
  ]
    .filter((s) => s !== undefined)
    .join(' ');
  return what === '' ? `${where}: ${p.message}` : `${where}: ${what}: ${p.message}`;
}

/** Problems listed in the message; the others are counted. */
const maxProblemsShown = 50;

/**
 * Every problem found in the configuration, reported at once so the operator fixes them in one
 * pass. The message has one problem per line. A file that cannot be read or parsed wins the exit
 * code (1, as the reference's BadConfFile) over bad values (2, BadConfValue).
 */
export class ConfigError extends FatalError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const fileLevel = problems.some((p) => p.kind === 'file');
    // A file of junk has as many problems as lines: the first ones say what is wrong.
    const shown = problems.slice(0, maxProblemsShown).map(formatProblem);
    if (problems.length > maxProblemsShown) {
      shown.push(`… and ${problems.length - maxProblemsShown} more problems (${problems.length} in all)`);
    }
    super(shown.join('\n'), fileLevel ? ExitCode.badConfigFile : ExitCode.badConfigValue);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
