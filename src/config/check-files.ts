/**
 * The files and folders a configuration names, checked while it loads, before anything is
 * opened or created: the admin TLS certificate and key (readable, PEM, matching), the AES key
 * file (32 bytes, or creatable), the SQLite file, GatewayHome and the default folders (folders,
 * or creatable), a log file (writable), that no default folder holds the gateway's own files,
 * and the first admin's password from the environment against the password policy. Every
 * problem names the setting (and its file and line) it comes from.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { exposedFile, exposureReason, gatewayFiles, withRealLocations } from './gateway-files.js';
import type { KeyId } from './schema.js';
import { envPrefix } from './schema.js';
import type { Report, Settings } from './settings.js';
import { problemAt } from './settings.js';
import type { GatewayConfig } from './types.js';
import { readEnvOrFile } from './env-file.js';

/** Mode bits that let others than the owner read a file. */
const othersCanRead = 0o077;

/** The file's status; undefined when it does not exist (also when a parent is a file). */
function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

const reason = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a folder';
  return e.message;
};

/** Why `path` cannot be created (its nearest existing parent is no writable folder), or undefined. */
function notCreatable(path: string): string | undefined {
  let dir = dirname(path);
  for (;;) {
    const st = stat(dir);
    if (st !== undefined) {
      if (!st.isDirectory()) return `${dir} is not a folder`;
      try {
        accessSync(dir, constants.W_OK);
        return undefined;
      } catch {
        return `cannot create it: ${dir} is not writable`;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return `cannot create it: no folder above it`;
    dir = parent;
  }
}

export function checkConfigFiles(
  config: GatewayConfig,
  settings: Settings,
  displayFile: string,
  env: NodeJS.ProcessEnv,
  report: Report,
): void {
  const problem = (id: KeyId, message: string): void => {
    report.problems.push(problemAt(settings, id, displayFile, message));
  };
  const warn = (message: string): void => {
    report.warnings.push(message);
  };

  // A file that cannot even be examined (a folder we may not enter) is a problem of its setting.
  const guarded = (id: KeyId, check: () => void): void => {
    try {
      check();
    } catch (err) {
      problem(id, `cannot examine it: ${reason(err)}`);
    }
  };
  guarded('admin.tlsCert', () => checkTls(config, problem));
  guarded('database.aesPassphrase', () => checkAesKey(config.database.aesPassphrase, problem, warn));
  if (config.database.type === 'sqlite') {
    guarded('database.address', () => checkSqlite(config.database.address, problem, warn));
  }
  guarded('paths.gatewayHome', () => checkFolders(config, problem));
  const logTo = config.log.logTo;
  if (logTo !== 'stdout' && logTo !== 'stderr') {
    guarded('log.logTo', () => checkWritableFile(logTo, (m) => problem('log.logTo', m)));
  }
  // The first admin's password, given directly or as a file (_FILE): checked before anything starts.
  const given = readEnvOrFile(env, `${envPrefix}ADMIN_PASSWORD`);
  const min = config.security.minPasswordLength;
  if (given !== undefined && 'error' in given) {
    report.problems.push({ file: 'environment', variable: given.variable, message: given.error });
  } else if (given !== undefined && [...given.value].length < min) {
    report.problems.push({
      file: 'environment',
      variable: given.variable,
      message: `the first admin's password must be at least ${min} characters long ([security] MinPasswordLength)`,
    });
  }
}

type Problem = (id: KeyId, message: string) => void;

function readOrReport(path: string, report: (m: string) => void): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    report(`cannot read ${path}: ${reason(err)}`);
    return undefined;
  }
}

function checkTls(config: GatewayConfig, problem: Problem): void {
  const { tlsCert, tlsKey } = config.admin;
  if (tlsCert === undefined || tlsKey === undefined) return;
  let cert: X509Certificate | undefined;
  let key: KeyObject | undefined;
  const certPem = readOrReport(tlsCert, (m) => problem('admin.tlsCert', m));
  if (certPem !== undefined) {
    try {
      cert = new X509Certificate(certPem);
    } catch {
      problem('admin.tlsCert', `${tlsCert} is not a PEM certificate`);
    }
  }
  const keyPem = readOrReport(tlsKey, (m) => problem('admin.tlsKey', m));
  if (keyPem !== undefined) {
    try {
      key = createPrivateKey(keyPem);
    } catch {
      problem('admin.tlsKey', `${tlsKey} is not an unencrypted PEM private key`);
    }
  }
  if (cert !== undefined && key !== undefined && !cert.checkPrivateKey(key)) {
    problem('admin.tlsKey', `${tlsKey} is not the private key of the certificate ${tlsCert}`);
  }
}

function checkAesKey(file: string, problem: Problem, warn: (m: string) => void): void {
  const st = stat(file);
  if (st === undefined) {
    const why = notCreatable(file);
    if (why !== undefined) problem('database.aesPassphrase', `${file} does not exist and ${why}`);
    return;
  }
  const key = readOrReport(file, (m) => problem('database.aesPassphrase', m));
  if (key === undefined) return;
  // An operator's `echo` may add a newline; nothing else.
  const size = key.length === 33 && key[32] === 0x0a ? 32 : key.length;
  if (size !== 32) {
    problem(
      'database.aesPassphrase',
      `${file} must hold the 32 bytes of the AES key, it holds ${key.length} (every node shares this file)`,
    );
  } else if ((st.mode & othersCanRead) !== 0) {
    warn(
      `${file}: the AES key file can be read by others than its owner (mode ${modeText(st)}): chmod 600 it`,
    );
  }
}

function checkSqlite(file: string, problem: Problem, warn: (m: string) => void): void {
  const st = stat(file);
  if (st === undefined) {
    const why = notCreatable(file);
    if (why !== undefined) problem('database.address', `the database ${file} does not exist and ${why}`);
    return;
  }
  if (!st.isFile()) {
    problem('database.address', `the database ${file} is not a file`);
    return;
  }
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch {
    problem('database.address', `the database ${file} is not readable and writable by this user`);
    return;
  }
  if ((st.mode & othersCanRead) !== 0) {
    warn(`${file}: the database can be read by others than its owner (mode ${modeText(st)}): chmod 600 it`);
  }
}

function checkFolders(config: GatewayConfig, problem: Problem): void {
  const { paths } = config;
  const folders: [KeyId, string][] = [
    ['paths.gatewayHome', paths.gatewayHome],
    ['paths.defaultInDir', paths.defaultInDir],
    ['paths.defaultOutDir', paths.defaultOutDir],
    ['paths.defaultTmpDir', paths.defaultTmpDir],
  ];
  const files = withRealLocations(gatewayFiles(config));
  for (const [id, dir] of folders) {
    const st = stat(dir);
    if (st !== undefined && !st.isDirectory()) {
      problem(id, `${dir} is not a folder`);
      continue;
    }
    if (st === undefined) {
      const why = notCreatable(dir);
      if (why !== undefined) problem(id, `${dir} does not exist and ${why}`);
    }
    if (id === 'paths.gatewayHome') continue;
    // Partners read and write these: none may hold the gateway's own files.
    const exposed = exposedFile(dir, files);
    if (exposed !== undefined) problem(id, exposureReason(dir, exposed));
  }
}

function checkWritableFile(file: string, report: (m: string) => void): void {
  const st = stat(file);
  if (st === undefined) {
    const why = notCreatable(file);
    if (why !== undefined) report(`${file} does not exist and ${why}`);
    return;
  }
  try {
    accessSync(file, constants.W_OK);
  } catch {
    report(`${file} is not writable by this user`);
  }
}

const modeText = (st: Stats): string => (st.mode & 0o777).toString(8).padStart(4, '0');
