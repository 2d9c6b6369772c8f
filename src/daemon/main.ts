#!/usr/bin/env node
/**
 * `waarp-gatewayd`: the gateway daemon. Parses the command line, loads the configuration
 * and runs the command; every failure ends with a message on stderr and a distinct exit code.
 */
import { createInterface } from 'node:readline';
import { loadConfig } from '../config/load.js';
import { findConfigFile, configFileCandidates } from '../config/find.js';
import { writeDefaultConfig } from '../config/defaults-file.js';
import type { GatewayConfig } from '../config/types.js';
import { ExitCode, FatalError } from '../errors.js';
import { createLogger } from '../log.js';
import type { Logger } from '../log.js';
import { version } from '../version.js';
import { parseDaemonArgs } from './args.js';
import { commandConnectWaitMs, connectDatabase, migrateDatabase } from './database.js';
import { startNode } from './node.js';

function locateConfig(file: string | undefined): string {
  if (file !== undefined) return file;
  const found = findConfigFile(process.cwd());
  if (found === undefined) {
    throw new FatalError(
      `no configuration file given (-c FILE) and none found in: ${configFileCandidates(process.cwd()).join(', ')}. ` +
        'Create one with: waarp-gatewayd server -n -c gatewayd.ini',
      ExitCode.badConfigFile,
    );
  }
  return found;
}

function load(
  file: string | undefined,
  instance: string | undefined,
  /** Set when stdout carries the command's output (an export): logs go elsewhere. */
  logTo?: 'stderr',
): { config: GatewayConfig; log: Logger } {
  const { config, warnings } = loadConfig({ file: locateConfig(file), instance });
  const to = logTo !== undefined && config.log.logTo === 'stdout' ? logTo : config.log.logTo;
  const log = createLogger({ level: config.log.level, logTo: to, name: config.instance });
  for (const w of warnings) log.warn(w);
  return { config, log };
}

async function runServer(file: string | undefined, instance: string | undefined): Promise<void> {
  const { config, log } = load(file, instance);
  log.info({ config: config.configFile, instance: config.instance, version }, 'starting waarp-gatewayd');
  const node = await startNode(config, log);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(ExitCode.gatewayError);
    }
    log.info({ signal }, 'stop requested: draining');
    node.stop().then(
      () => {
        process.exitCode = ExitCode.ok;
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exitCode = ExitCode.gatewayError;
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function runMigrate(file: string | undefined): Promise<void> {
  const { config, log } = load(file, undefined);
  const db = await connectDatabase(config, log, commandConnectWaitMs);
  try {
    const applied = await migrateDatabase(db, config.instance ?? 'migrate', log);
    if (applied.length === 0) log.info('database already up to date');
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const cmd = parseDaemonArgs(argv);
  switch (cmd.command) {
    case 'help':
      process.stdout.write(cmd.text + '\n');
      return;
    case 'version':
      process.stdout.write(`waarp-gatewayd ${version}\n`);
      return;
    case 'server':
      if (cmd.create) {
        const written = writeDefaultConfig(cmd.config ?? 'gatewayd.ini', cmd.instance);
        for (const f of written) process.stdout.write(`wrote ${f}\n`);
        return;
      }
      return runServer(cmd.config, cmd.instance);
    case 'migrate':
      return runMigrate(cmd.config);
    case 'import': {
      const { formatImportReport, runImport } = await import('./import.js');
      const { config, log } = load(cmd.config, cmd.instance);
      const report = await runImport(config, log, {
        source: cmd.source,
        targets: cmd.targets,
        reset: cmd.reset,
        dryRun: cmd.dryRun,
        skipUnsupported: cmd.skipUnsupported,
        ...(cmd.yes ? {} : { confirm }),
      });
      for (const line of formatImportReport(report)) process.stderr.write(line + '\n');
      return;
    }
    case 'export': {
      const { runExport } = await import('./backup-commands.js');
      const { config, log } = load(cmd.config, cmd.instance, 'stderr');
      await runExport(config, log, { file: cmd.file, stdout: process.stdout, targets: cmd.targets });
      process.stderr.write(
        `export done${cmd.file === undefined ? '' : `: ${cmd.file}`} (secrets in clear: keep it safe)\n`,
      );
      return;
    }
    case 'export-history': {
      const { runExportHistory } = await import('./backup-commands.js');
      const { config, log } = load(cmd.config, cmd.instance, 'stderr');
      const count = await runExportHistory(config, log, { file: cmd.file, stdout: process.stdout });
      process.stderr.write(`history export done: ${count} entries\n`);
      return;
    }
    case 'restore-history': {
      const { runRestoreHistory } = await import('./backup-commands.js');
      const { config, log } = load(cmd.config, cmd.instance);
      const r = await runRestoreHistory(config, log, {
        source: cmd.source,
        dryRun: cmd.dryRun,
        ...(cmd.yes ? {} : { confirm }),
      });
      process.stderr.write(
        `${r.dryRun ? 'dry run, nothing written: would restore' : 'history restored:'} ${r.restored} entries (${r.replaced} replaced)\n`,
      );
      return;
    }
  }
}

/** Asks on the terminal; anything but YES (a closed or empty stdin too) is a no. */
async function confirm(question: string): Promise<boolean> {
  process.stderr.write(
    `${question}\nThis cannot be undone. Type YES (in capitals) to proceed, or --yes in scripts: `,
  );
  const rl = createInterface({ input: process.stdin });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim() === 'YES';
  } finally {
    rl.close();
  }
}

process.on('unhandledRejection', (err) => {
  process.stderr.write(`waarp-gatewayd: unhandled error: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(ExitCode.gatewayError);
});

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof FatalError) {
    process.stderr.write(`waarp-gatewayd: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`waarp-gatewayd: ${String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = ExitCode.gatewayError;
  }
});
