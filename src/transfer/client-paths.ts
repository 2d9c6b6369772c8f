/**
 * Where a client transfer reads and writes, from the rule and the configuration, as the
 * reference (leaf/branch chain): rule.localDir → the configured default directory, relative
 * paths resolved against GatewayHome. Remote paths always stay inside the rule's remoteDir.
 */
import { isAbsolute, join, posix, resolve, sep } from 'node:path';
import { protectedFileAt } from '../config/gateway-files.js';
import type { GatewayConfig } from '../config/types.js';
import type { Rule, Transfer } from '../model/entities.js';
import { TransferError } from '../model/transfer-state.js';

export interface ClientPaths {
  /** Push: the file sent. Pull: the final file. */
  local: string;
  /** Pull only: the temporary file bytes land in (resumable by any node: it is on the shared volume). */
  tmp: string;
  remote: string;
}

function inHome(config: GatewayConfig, dir: string, fallback: string): string {
  if (dir === '') return fallback;
  return isAbsolute(dir) ? dir : resolve(config.paths.gatewayHome, dir);
}

/** A file name from a transfer request: relative, no `..`, no empty segment. */
export function safeRelative(name: string, what: string): string {
  const normalized = posix.normalize(name.replaceAll('\\', '/'));
  if (
    name === '' ||
    normalized.startsWith('/') ||
    normalized === '..' ||
    normalized.startsWith('../') ||
    normalized === '.'
  ) {
    throw new TransferError(
      'TeForbidden',
      `${what} "${name}" must be a relative path inside the rule's directory`,
    );
  }
  return normalized;
}

/**
 * The file a push sends: relative to the rule's folder, or an absolute path inside GatewayHome
 * (a file the gateway received, forwarded by a TRANSFER task). Nothing outside GatewayHome can
 * be sent, whoever planned the transfer.
 */
function localSource(config: GatewayConfig, outDir: string, file: string): string {
  if (!isAbsolute(file)) return join(outDir, safeRelative(file, 'file'));
  const home = resolve(config.paths.gatewayHome);
  const abs = resolve(file);
  if (abs !== home && abs.startsWith(home + sep)) return abs;
  throw new TransferError('TeForbidden', `file "${file}" is outside the gateway's folder and cannot be sent`);
}

/** Refuses a local path that is (or holds) one of the gateway's own files: key, database, … */
function notGatewayFile(path: string, what: string): string {
  if (path !== '' && protectedFileAt(path) !== undefined) {
    throw new TransferError('TeForbidden', `${what} "${path}" is one of the gateway's own files`);
  }
  return path;
}

/**
 * The local and remote paths of a client transfer. Called when the transfer is planned (so a
 * bad file is refused at once) and again when it runs.
 */
export function clientPaths(
  config: GatewayConfig,
  rule: Rule,
  t: Pick<Transfer, 'id' | 'srcFilename' | 'destFilename'>,
): ClientPaths {
  const remoteDir = rule.remoteDir === '' ? '/' : rule.remoteDir;
  if (rule.isSend) {
    const dest = safeRelative(t.destFilename, 'output');
    const outDir = inHome(config, rule.localDir, config.paths.defaultOutDir);
    return {
      local: notGatewayFile(localSource(config, outDir, t.srcFilename), 'file'),
      tmp: '',
      remote: posix.join(remoteDir, dest),
    };
  }
  const src = safeRelative(t.srcFilename, 'file');
  const dest = safeRelative(t.destFilename, 'output');
  const inDir = inHome(config, rule.localDir, config.paths.defaultInDir);
  const tmpDir = inHome(config, rule.tmpLocalRcvDir, config.paths.defaultTmpDir);
  return {
    local: notGatewayFile(join(inDir, dest), 'output'),
    tmp: notGatewayFile(join(tmpDir, `${dest.replaceAll('/', '_')}.${t.id}.part`), 'temporary file'),
    remote: posix.join(remoteDir, src),
  };
}
