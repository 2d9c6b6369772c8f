/**
 * The gateway's own files: the AES key file, the admin-password file, the SQLite database (and
 * its journals), the configuration and override files, the admin TLS files and a log file. No
 * rule, server, task or transfer may expose them, whatever its folders and whoever wrote it.
 *
 * One check, used at three places: the configuration (default folders), the admin API (a folder
 * field that would expose one is a 400 naming the field) and run time (`resolveInside` and client
 * transfer planning refuse them). A folder "exposes" a file when the file is in it or below it:
 * a partner could list it, read it, or a task could copy it out.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { GatewayConfig } from './types.js';

/** Name of the first admin's random password file in GatewayHome (src/admin/bootstrap.ts). */
export const adminPasswordFileName = 'admin-password';

/** Absolute paths of the files of one gateway node, as configured. */
export function gatewayFiles(config: GatewayConfig): string[] {
  const files = [
    config.configFile,
    config.database.aesPassphrase,
    join(config.paths.gatewayHome, adminPasswordFileName),
  ];
  if (config.indirection.file !== undefined) files.push(config.indirection.file);
  if (config.database.type === 'sqlite') {
    const db = config.database.address;
    files.push(db, `${db}-wal`, `${db}-shm`, `${db}-journal`);
  }
  if (config.admin.tlsCert !== undefined) files.push(config.admin.tlsCert);
  if (config.admin.tlsKey !== undefined) files.push(config.admin.tlsKey);
  if (config.log.logTo !== 'stdout' && config.log.logTo !== 'stderr') files.push(config.log.logTo);
  return files.map((f) => resolve(f));
}

/** `file` with its folder's links resolved (the file itself may not exist yet). */
function realLocation(file: string): string {
  let dir = dirname(file);
  const tail = [basename(file)];
  for (;;) {
    try {
      return join(realpathSync(dir), ...tail.reverse());
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return file;
      tail.push(basename(dir));
      dir = parent;
    }
  }
}

function contains(dir: string, file: string): boolean {
  const d = dir.endsWith('/') ? dir : dir + '/';
  return file === dir || file.startsWith(d);
}

/** The files as written and, where links lead elsewhere, where they really are. */
export function withRealLocations(files: readonly string[]): string[] {
  return [...new Set(files.flatMap((f) => [f, realLocation(f)]))];
}

/**
 * The first of `files` (see withRealLocations) that `dir` exposes: holds at any depth, or is,
 * with `dir` taken as written and with its links resolved. Undefined when none.
 */
export function exposedFile(dir: string, files: readonly string[]): string | undefined {
  const abs = resolve(dir);
  const real = realLocation(abs);
  return files.find((f) => contains(abs, f) || contains(real, f));
}

/** The end of a refusal message. */
export function exposureReason(dir: string, file: string): string {
  return `the folder ${dir} holds the gateway's own file ${file}; choose a folder without it`;
}

// ---- run time -------------------------------------------------------------------------------

/**
 * Every gateway file of the nodes running in this process. Run-time checks (`resolveInside`)
 * have no configuration at hand, and the protection is a property of the process: a node
 * registers its files when it starts (src/daemon/node.ts), before any transfer can run.
 */
const protectedFiles = new Set<string>();

export function protectGatewayFiles(config: GatewayConfig): void {
  for (const f of withRealLocations(gatewayFiles(config))) protectedFiles.add(f);
}

/** The protected file that the real (links resolved) folder `realDir` exposes, or undefined. */
export function exposedProtectedFile(realDir: string): string | undefined {
  for (const f of protectedFiles) if (contains(realDir, f)) return f;
  return undefined;
}

/** The protected file at or below `path` (as written or with its links resolved), or undefined. */
export function protectedFileAt(path: string): string | undefined {
  const abs = resolve(path);
  return exposedProtectedFile(abs) ?? exposedProtectedFile(realLocation(abs));
}
