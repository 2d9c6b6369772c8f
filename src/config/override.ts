import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressIndirection } from './types.js';
import { ConfigError } from './errors.js';
import type { ConfigProblem } from './errors.js';
import { scanIni } from './ini-scanner.js';
import type { IniEntry } from './ini-scanner.js';
import {
  checkIndirection,
  createIndirection,
  emptyIndirection,
  parseIndirectionValue,
  targetKey,
} from './indirection.js';

export { emptyIndirection };

/** The only section of `<instance>.ini` and its only (repeatable) key, as in the reference. */
export const overrideSection = 'Address Indirection';
export const overrideKey = 'IndirectAddress';

/** The per-node override file beside the main configuration. */
export function overrideFilePath(configDir: string, instance: string): string {
  return join(configDir, `${instance}.ini`);
}

interface OverrideScan {
  readonly indirection: AddressIndirection;
  readonly problems: readonly ConfigProblem[];
  /** The `IndirectAddress` entries, in file order, for rewriting. */
  readonly lines: readonly IniEntry[];
}

/** Checks the text of an override file; `file` names it in problems. */
export function scanOverride(text: string, file: string): OverrideScan {
  const scan = scanIni(text, file);
  const problems: ConfigProblem[] = [...scan.problems];
  const sectionId = overrideSection.toLowerCase();
  for (const s of scan.sections) {
    if (s.id !== sectionId) {
      problems.push({
        file,
        line: s.line,
        section: s.name,
        message: `unknown section (expected [${overrideSection}])`,
      });
    }
  }

  const entries = new Map<string, string>();
  const firstLine = new Map<string, number>();
  const lines: IniEntry[] = [];
  for (const e of scan.entries) {
    if (e.sectionId !== sectionId) continue; // its section is already reported
    const at = { file, line: e.line, section: e.section, key: e.key };
    if (e.keyId !== overrideKey.toLowerCase()) {
      problems.push({ ...at, message: `unknown key (expected ${overrideKey})` });
      continue;
    }
    lines.push(e);
    const parsed = parseIndirectionValue(e.value);
    if ('error' in parsed) {
      problems.push({ ...at, message: parsed.error });
      continue;
    }
    const bad = checkIndirection(parsed.target, parsed.replacement);
    if (bad !== undefined) {
      problems.push({ ...at, message: bad });
      continue;
    }
    const key = targetKey(parsed.target);
    const first = firstLine.get(key);
    if (first !== undefined) {
      problems.push({ ...at, message: `duplicate target "${parsed.target}" (first at line ${first})` });
      continue;
    }
    firstLine.set(key, e.line);
    entries.set(parsed.target, parsed.replacement);
  }
  return { indirection: createIndirection(entries, file), problems, lines };
}

/**
 * Reads `file` and returns its indirections with every problem found; an unreadable file (missing
 * included: the caller decides whether that is fine) is one `file` problem.
 */
export function readOverrideFile(file: string): {
  indirection: AddressIndirection;
  problems: readonly ConfigProblem[];
} {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { indirection: emptyIndirection(), problems: [unreadable(file, err)] };
  }
  const { indirection, problems } = scanOverride(text, file);
  return { indirection, problems };
}

/** Reads and checks an override file; throws a ConfigError listing every problem. */
export function parseOverrideFile(file: string): AddressIndirection {
  const { indirection, problems } = readOverrideFile(file);
  if (problems.length > 0) throw new ConfigError(problems);
  return indirection;
}

/**
 * Adds `target -> replacement` to the override file, replacing the target's current line if any
 * (as the reference's AddIndirection), and returns the new table. The file is created when missing;
 * comments, blank lines and line order are kept. Throws a ConfigError for a bad indirection or a
 * file that is already broken.
 */
export function addIndirection(file: string, target: string, replacement: string): AddressIndirection {
  const t = target.trim();
  const r = replacement.trim();
  const bad = checkIndirection(t, r);
  if (bad !== undefined)
    throw new ConfigError([{ file, section: overrideSection, key: overrideKey, message: bad }]);

  const { text, lines, entries } = load(file);
  const newLine = `${overrideKey} = ${t} -> ${r}`;
  const existing = entries.find((e) => sameTarget(e, t));
  if (existing !== undefined) {
    lines[existing.line - 1] = newLine;
  } else {
    const last = entries.at(-1)?.line ?? sectionHeaderLine(text, file);
    if (last === undefined) {
      if (lines.length > 0 && lines.at(-1) !== '') lines.push('');
      lines.push(`[${overrideSection}]`, newLine);
    } else {
      lines.splice(last, 0, newLine);
    }
  }
  return save(file, lines, text);
}

/** Removes the target's line from the override file; `removed` is false when it had none. */
export function removeIndirection(
  file: string,
  target: string,
): { indirection: AddressIndirection; removed: boolean } {
  const { text, lines, entries } = load(file);
  const existing = entries.find((e) => sameTarget(e, target.trim()));
  if (existing === undefined) return { indirection: createFromText(text, file), removed: false };
  lines.splice(existing.line - 1, 1);
  return { indirection: save(file, lines, text), removed: true };
}

function sameTarget(e: IniEntry, target: string): boolean {
  const parsed = parseIndirectionValue(e.value);
  return !('error' in parsed) && targetKey(parsed.target) === targetKey(target);
}

function sectionHeaderLine(text: string, file: string): number | undefined {
  return scanIni(text, file).sections.find((s) => s.id === overrideSection.toLowerCase())?.line;
}

function createFromText(text: string, file: string): AddressIndirection {
  return scanOverride(text, file).indirection;
}

/** The current file (empty when missing), refusing to edit one that does not check. */
function load(file: string): { text: string; lines: string[]; entries: readonly IniEntry[] } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError([unreadable(file, err)]);
  }
  const scan = scanOverride(text, file);
  if (scan.problems.length > 0) throw new ConfigError(scan.problems);
  // Split exactly as the scanner numbers lines, so entry.line indexes this array.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop(); // the final newline is re-added
  if (lines.length === 1 && lines[0] === '') lines.pop();
  return { text, lines, entries: scan.lines };
}

/** Writes atomically (temp file in the same folder, fsync, rename) keeping the file's mode. */
function save(file: string, lines: readonly string[], previous: string): AddressIndirection {
  const eol = previous.includes('\r\n') ? '\r\n' : '\n';
  const text = lines.join(eol) + eol;
  let mode = 0o640;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    // A new file: the default mode.
  }
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new ConfigError([{ file, message: `cannot write: ${errorText(err)}`, kind: 'file' }]);
  }
  return createFromText(text, file);
}

function unreadable(file: string, err: unknown): ConfigProblem {
  return { file, message: `cannot read: ${errorText(err)}`, kind: 'file' };
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'ENOENT' ? 'no such file' : (e.message ?? String(err));
}
