import ini from 'ini';
import type { ConfigProblem } from './errors.js';

/** One `key = value` line, with where it was found. */
export interface IniEntry {
  readonly file: string;
  readonly line: number;
  /** The section name as written (trimmed). Compare with `sectionId`. */
  readonly section: string;
  /** Lower-cased section name: INI section names are case-insensitive. */
  readonly sectionId: string;
  /** The key as written (trimmed). Compare with `keyId`. */
  readonly key: string;
  /** Lower-cased key: keys are case-insensitive. */
  readonly keyId: string;
  /** The value after unquoting and comment removal (the `ini` package's rules). */
  readonly value: string;
}

/** A `[section]` header line. */
export interface IniSection {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly id: string;
}

export interface IniScan {
  readonly sections: readonly IniSection[];
  readonly entries: readonly IniEntry[];
  /** Syntax problems (kind `file`): lines that are neither blank, comment, section nor entry. */
  readonly problems: readonly ConfigProblem[];
}

// `[name]`, optionally followed by a comment: the `ini` package would drop a line with a
// trailing comment silently, we accept it.
const sectionLine = /^\[([^\]]*)\]\s*(?:[;#].*)?$/;
const commentLine = /^[;#]/;

/**
 * Scans INI text line by line. Stricter than `ini.parse`: a line that is not blank, a comment, a
 * `[section]` or a `key = value` is a problem (ini would read it as `key = true`), an entry before
 * any section is a problem, and nothing is merged or dropped: duplicates are the caller's call.
 * Values are unquoted with `ini.unsafe`, so `;` and `#` start an inline comment unless quoted or
 * escaped with `\`.
 */
export function scanIni(text: string, file: string): IniScan {
  const sections: IniSection[] = [];
  const entries: IniEntry[] = [];
  const problems: ConfigProblem[] = [];
  let current: IniSection | undefined;

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || commentLine.test(content)) return;

    const header = sectionLine.exec(content);
    if (header) {
      const name = (header[1] ?? '').trim();
      if (name === '') {
        problems.push({ file, line, message: 'empty section name "[]"', kind: 'file' });
        return;
      }
      current = { file, line, name, id: name.toLowerCase() };
      sections.push(current);
      return;
    }

    const eq = content.indexOf('=');
    if (eq < 0) {
      problems.push({
        file,
        line,
        section: current?.name,
        message: `cannot parse ${JSON.stringify(content)}: expected "key = value" or "[section]"`,
        kind: 'file',
      });
      return;
    }
    const key = content.slice(0, eq).trim();
    if (key === '') {
      problems.push({ file, line, section: current?.name, message: 'missing key before "="', kind: 'file' });
      return;
    }
    if (current === undefined) {
      problems.push({ file, line, key, message: 'key outside of any [section]', kind: 'file' });
      return;
    }
    entries.push({
      file,
      line,
      section: current.name,
      sectionId: current.id,
      key,
      keyId: key.toLowerCase(),
      value: ini.unsafe(content.slice(eq + 1)),
    });
  });

  return { sections, entries, problems };
}
