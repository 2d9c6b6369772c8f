import { ExitCode, FatalError } from '../errors.js';

/** A field of an import file that is wrong: `import: demo.json: locals[0].address: …`. */
export class ImportFileError extends FatalError {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly reason: string,
    exitCode: ExitCode = ExitCode.badConfigValue,
    command = 'import',
  ) {
    super(`${command}: ${file}: ${field === undefined ? '' : `${field}: `}${reason}`, exitCode);
    this.name = 'ImportFileError';
  }
}

/** `a.b`, `a[0].b`; the empty path is the top level. */
export function joinPath(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}
