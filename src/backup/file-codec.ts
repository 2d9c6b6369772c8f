/**
 * The backup file on disk, as the reference reads and writes it: YAML when the name ends in
 * `.yaml` or `.yml`, JSON otherwise. YAML files start with a `# Created on …` comment.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { ExitCode } from '../errors.js';
import { version } from '../version.js';
import { ImportFileError } from './file-error.js';

export function isYamlFile(name: string): boolean {
  return ['.yaml', '.yml'].includes(extname(name).toLowerCase());
}

/** Reads and parses a backup file; a syntax error names the line. */
export function readBackupFile(source: string): unknown {
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ImportFileError(
      source,
      undefined,
      `cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`,
      ExitCode.badConfigFile,
    );
  }
  return parseBackupText(text, source);
}

export function parseBackupText(text: string, source: string): unknown {
  const fail = (reason: string): never => {
    throw new ImportFileError(source, undefined, reason, ExitCode.badConfigFile);
  };
  if (isYamlFile(source)) {
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    const first = doc.errors[0];
    if (first !== undefined) fail(`not valid YAML: ${first.message.split('\n')[0] ?? ''}`);
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail(`not valid JSON: ${withLine((err as Error).message, text)}`);
  }
}

/** JSON.parse says "at position N": say the line and column too. */
function withLine(message: string, text: string): string {
  const m = /at position (\d+)/.exec(message);
  if (m === null) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

/** The file's text, in the format its name asks for. */
export function serializeBackup(data: unknown, fileName: string | undefined, now = new Date()): string {
  if (fileName !== undefined && isYamlFile(fileName)) {
    const header = `# Created on ${now.toUTCString()} by waarp-gatewayd version ${version}\n`;
    return header + YAML.stringify(data, { indent: 2, lineWidth: 0 });
  }
  return JSON.stringify(data, null, 2) + '\n';
}
