/**
 * `waarp-gatewayd export`, `export-history` and `restore-history`: open the database, run the
 * backup module, write the file (mode 0600: it holds secrets; complete or not at all).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { exportConfiguration } from '../backup/export.js';
import { serializeBackup } from '../backup/file-codec.js';
import type { HistoryRestore } from '../backup/history.js';
import { exportHistory, restoreHistory } from '../backup/history.js';
import type { BackupTarget } from '../backup/reference-format.js';
import type { GatewayConfig } from '../config/types.js';
import { SecretBox } from '../crypto/secret-box.js';
import { HistoryStore } from '../db/stores/history.js';
import { ExitCode, FatalError } from '../errors.js';
import type { Logger } from '../log.js';
import { openCommandDatabase } from './database.js';

/** Where a command writes: a file (undefined: `stdout`). */
export interface Output {
  readonly file: string | undefined;
  readonly stdout: Writable;
}

export async function runExport(
  config: GatewayConfig,
  log: Logger,
  options: Output & { targets: readonly BackupTarget[] },
): Promise<void> {
  const secrets = SecretBox.fromKeyFile(config.database.aesPassphrase);
  const db = await openCommandDatabase(config, log, 'export');
  try {
    const data = await exportConfiguration(db, config.global.gatewayName, secrets, options.targets);
    const text = serializeBackup(data, options.file);
    if (options.file === undefined) await write(options.stdout, text);
    else writeSecretFile(options.file, text);
    log.info({ file: options.file ?? 'stdout', targets: options.targets }, 'export done');
  } finally {
    await db.close();
  }
}

export async function runExportHistory(config: GatewayConfig, log: Logger, options: Output): Promise<number> {
  const db = await openCommandDatabase(config, log, 'export-history');
  try {
    const owner = config.global.gatewayName;
    if (options.file === undefined) return await exportHistory(db, owner, (t) => write(options.stdout, t));
    const file = options.file;
    const tmp = temporaryName(file);
    const out = createWriteStream(tmp, { mode: 0o600, flags: 'wx' });
    try {
      const count = await exportHistory(db, owner, (t) => write(out, t));
      out.end();
      await once(out, 'close');
      renameSync(tmp, file);
      log.info({ file, entries: count }, 'history export done');
      return count;
    } catch (err) {
      out.destroy();
      rmSync(tmp, { force: true });
      throw err;
    }
  } finally {
    await db.close();
  }
}

export async function runRestoreHistory(
  config: GatewayConfig,
  log: Logger,
  options: { source: string; dryRun: boolean; confirm?: (question: string) => Promise<boolean> },
): Promise<HistoryRestore> {
  const db = await openCommandDatabase(config, log, 'restore-history');
  try {
    const owner = config.global.gatewayName;
    const existing = await new HistoryStore(db, owner).count();
    // As the reference: the restored history replaces the existing one, after a question.
    if (existing > 0 && !options.dryRun && options.confirm !== undefined) {
      const question = `The ${existing} entries of the transfer history of gateway "${owner}" will be DELETED and replaced by those of ${options.source}.`;
      if (!(await options.confirm(question)))
        throw new FatalError('restore-history aborted: nothing was changed', ExitCode.usage);
    }
    const result = await restoreHistory(db, owner, options.source, { dryRun: options.dryRun });
    log.info({ source: options.source, ...result }, 'history restored');
    return result;
  } finally {
    await db.close();
  }
}

/** Writes a whole file under a temporary name, then renames it: never half a file. */
function writeSecretFile(file: string, text: string): void {
  const tmp = temporaryName(file);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new FatalError(`cannot write ${file}: ${(err as Error).message}`, ExitCode.badConfigFile, {
      cause: err,
    });
  }
}

function temporaryName(file: string): string {
  return `${file}.${randomBytes(6).toString('hex')}.tmp`;
}

/** Writes with back-pressure. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
