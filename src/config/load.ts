import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { GatewayConfig } from './types.js';
import { ConfigError } from './errors.js';
import type { ConfigProblem } from './errors.js';
import type { IniScan } from './ini-scanner.js';
import { scanIni } from './ini-scanner.js';
import { envPrefix, instanceEnvVar } from './schema.js';
import { applyDefaults, applyEnv, settingsFromFile } from './settings.js';
import type { Report } from './settings.js';
import { buildConfig } from './build.js';
import { checkConfigFiles } from './check-files.js';
import { checkInstanceName } from './instance.js';
import { emptyIndirection, overrideFilePath, readOverrideFile } from './override.js';
import type { AddressIndirection } from './types.js';

export interface LoadOptions {
  /** The main configuration file (`-c`), relative to the cwd or absolute. */
  readonly file: string;
  /** The node name (`-i`); falls back to WAARP_GATEWAY_NODE_ID. */
  readonly instance?: string | undefined;
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Check the files and folders it names (TLS, AES key, database, folders, log file): default
   * true. False only parses and checks the values (tests of the parser).
   */
  readonly checkFiles?: boolean;
}

/**
 * Loads the effective configuration: `gatewayd.ini`, then `WAARP_GATEWAY_*` variables, then
 * defaults, then the node's `<instance>.ini`. Unlike the reference, nothing is ignored or reset:
 * every unknown, duplicate or bad setting, in every file and variable, is collected and thrown at
 * once as a ConfigError. `warnings` are for the caller to log loudly.
 */
export function loadConfig(opts: LoadOptions): { config: GatewayConfig; warnings: string[] } {
  const env = opts.env ?? process.env;
  const displayFile = opts.file;
  const configFile = resolve(opts.file);
  const configDir = dirname(configFile);
  const report: Report = { problems: [], warnings: [] };

  let text: string | undefined;
  try {
    text = decodeUtf8(readFileSync(configFile), displayFile);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a folder' : e.message;
    report.problems.push({
      file: displayFile,
      message: `cannot read the configuration: ${why}`,
      kind: 'file',
    });
  }
  const scan = scanIni(text ?? '', displayFile);
  // One by one: a spread of 200 000 problems would overflow the call stack.
  for (const p of scan.problems) report.problems.push(p);
  const settings = settingsFromFile(scan, report);
  applyEnv(settings, env, report);
  if (text !== undefined) requireDatabaseType(scan, env, displayFile, report);
  applyDefaults(settings);

  const instance = pickInstance(opts.instance, env, report);
  const indirection = loadIndirection(configFile, configDir, instance, report);

  const config = buildConfig({ configFile, displayFile, configDir, instance, settings, indirection }, report);
  // Files are checked once the values are right: a bad path setting is reported once, as a value.
  if (report.problems.length === 0 && opts.checkFiles !== false) {
    checkConfigFiles(config, settings, displayFile, env, report);
  }
  if (report.problems.length > 0) throw new ConfigError(inFileOrder(report.problems));
  return { config, warnings: report.warnings };
}

/** The file's text; bytes that are not UTF-8 are an error naming the first bad line. */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let start = 0;
    for (let line = 1; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      const slice = bytes.subarray(start, end < 0 ? bytes.length : end);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(slice);
      } catch {
        throw new ConfigError([{ file, line, message: 'this line is not valid UTF-8 text', kind: 'file' }]);
      }
      if (end < 0)
        throw new ConfigError([{ file, message: 'the file is not valid UTF-8 text', kind: 'file' }]);
      start = end + 1;
    }
  }
}

/**
 * The database must be chosen explicitly (`[database] Type`, or WAARP_GATEWAY_DB_TYPE): a file
 * that forgot it, or the wrong (empty) file, must not start a fresh embedded gateway beside the
 * real one. The embedded default is asked for with `Type = sqlite`.
 */
function requireDatabaseType(scan: IniScan, env: NodeJS.ProcessEnv, file: string, report: Report): void {
  const inFile = scan.entries.some((e) => e.sectionId === 'database' && e.keyId === 'type');
  if (inFile || (env[`${envPrefix}DB_TYPE`]?.trim() ?? '') !== '') return;
  report.problems.push({
    file,
    section: 'database',
    key: 'Type',
    message:
      'missing: say which database this gateway uses, "Type = sqlite" (the embedded one, a lone node) ' +
      'or "Type = mysql" (a cluster), in a [database] section',
  });
}

/** Groups problems by file (first seen first) and sorts each file's by line, as an editor would. */
function inFileOrder(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const files = [...new Set(problems.map((p) => p.file))];
  const rank = (p: ConfigProblem): number => files.indexOf(p.file) * 1e9 + (p.line ?? 1e9 - 1);
  return [...problems].sort((a, b) => rank(a) - rank(b));
}

function pickInstance(given: string | undefined, env: NodeJS.ProcessEnv, report: Report): string | undefined {
  const fromEnv = env[instanceEnvVar]?.trim();
  const instance = given ?? (fromEnv === '' ? undefined : fromEnv);
  if (instance === undefined) return undefined;
  const bad = checkInstanceName(instance);
  if (bad !== undefined) {
    report.problems.push(
      given === undefined
        ? { file: 'environment', variable: instanceEnvVar, message: bad }
        : { file: '-i/--instance', message: bad },
    );
    return undefined;
  }
  return instance;
}

/**
 * The reference refuses to start when `-i` is given without `<instance>.ini`; a node with no
 * indirection is legitimate (nodes on separate hosts), so a missing file is only a warning.
 */
function loadIndirection(
  configFile: string,
  configDir: string,
  instance: string | undefined,
  report: Report,
): AddressIndirection {
  if (instance === undefined) return emptyIndirection();
  const file = overrideFilePath(configDir, instance);
  if (file === configFile) {
    report.problems.push({
      file: '-i/--instance',
      message: `node name "${instance}" would make the main configuration its own override file`,
    });
    return emptyIndirection();
  }
  if (!existsSync(file)) {
    report.warnings.push(
      `${file}: no override file for node "${instance}"; this node has no address indirection`,
    );
    return emptyIndirection();
  }
  const { indirection, problems } = readOverrideFile(file);
  report.problems.push(...problems);
  return indirection;
}
