/**
 * The database, as the one-shot commands (`import`, `export`, `restore-history`,
 * `export-history`) use it: reached with retries (a one-shot container may start with the
 * database's), then migrated.
 */
import type { GatewayConfig } from '../config/types.js';
import { migrate, SchemaTooNewError } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import type { SqlDatabase } from '../db/sql.js';
import { ExitCode, FatalError } from '../errors.js';
import type { Logger } from '../log.js';
import { sleep } from '../util/timers.js';

const connectTimeoutMs = 60_000;

/** Opens the database and migrates it; the caller closes it. */
export async function openCommandDatabase(
  config: GatewayConfig,
  log: Logger,
  node: string,
): Promise<SqlDatabase> {
  const db = await connect(config, log);
  try {
    await prepare(db, config.instance ?? node);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

async function connect(config: GatewayConfig, log: Logger): Promise<SqlDatabase> {
  // A one-shot container may start as soon as the database container does.
  const deadline = Date.now() + connectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const db = openDatabase(config);
    try {
      await db.ping();
      return db;
    } catch (err) {
      await db.close().catch(() => undefined);
      if (Date.now() >= deadline) {
        throw new FatalError(
          `cannot reach the ${config.database.type} database at ${config.database.address}: ${(err as Error).message}`,
          ExitCode.databaseUnreachable,
          { cause: err },
        );
      }
      if (attempt === 1) log.warn({ err: (err as Error).message }, 'database not reachable yet, retrying');
      await sleep(1000);
    }
  }
}

async function prepare(db: SqlDatabase, node: string): Promise<void> {
  try {
    await migrate(db, { node });
  } catch (err) {
    if (err instanceof SchemaTooNewError)
      throw new FatalError(err.message, ExitCode.schemaTooNew, { cause: err });
    throw new FatalError(`database migration failed: ${(err as Error).message}`, ExitCode.migrationFailed, {
      cause: err,
    });
  }
}
