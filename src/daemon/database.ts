/**
 * The database as the daemon reaches it, for the node (`server`) and for the one-shot commands
 * (`migrate`, `import`, `export`, `export-history`, `restore-history`): one connect loop that
 * retries (containers start in any order), and migration failures turned into the exit codes
 * operators script against.
 */
import type { GatewayConfig } from '../config/types.js';
import { assertSchemaCompatible, migrate, SchemaTooNewError } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import type { SqlDatabase } from '../db/sql.js';
import { ExitCode, FatalError } from '../errors.js';
import type { Logger } from '../log.js';
import { sleep } from '../util/timers.js';

/** How long a one-shot command keeps trying: it may start as soon as the database container. */
export const commandConnectWaitMs = 60_000;

/** Opens the database and waits up to `waitMs` for it to answer; the caller closes it. */
export async function connectDatabase(
  config: GatewayConfig,
  log: Logger,
  waitMs: number,
): Promise<SqlDatabase> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    let db: SqlDatabase | undefined;
    try {
      db = openDatabase(config);
      await db.ping();
      return db;
    } catch (err) {
      await db?.close().catch(() => undefined);
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

/** Applies the missing migrations (logged); returns their ids. */
export async function migrateDatabase(db: SqlDatabase, node: string, log: Logger): Promise<number[]> {
  try {
    const applied = await migrate(db, { node });
    if (applied.length > 0) log.info({ applied }, 'database migrated');
    return applied;
  } catch (err) {
    throw schemaFailure(err);
  }
}

/**
 * Refuses a schema this build cannot serve: older than it needs, or with newer migrations that
 * break older nodes. Newer additive migrations (a rolling upgrade under way) are only logged.
 */
export async function checkSchema(db: SqlDatabase, log: Logger): Promise<void> {
  let status: Awaited<ReturnType<typeof assertSchemaCompatible>>;
  try {
    status = await assertSchemaCompatible(db);
  } catch (err) {
    throw schemaFailure(err);
  }
  if (status.unknown.length > 0) {
    log.warn(
      { unknown: status.unknown },
      'the database has newer additive migrations: a newer node migrated it',
    );
  }
  if (status.current < status.known) {
    throw new FatalError(
      `the database schema is at version ${status.current}, this build needs ${status.known}: run waarp-gatewayd migrate`,
      ExitCode.migrationFailed,
    );
  }
}

/** For a one-shot command: the database reached (with retries) and migrated; the caller closes it. */
export async function openCommandDatabase(
  config: GatewayConfig,
  log: Logger,
  node: string,
): Promise<SqlDatabase> {
  const db = await connectDatabase(config, log, commandConnectWaitMs);
  try {
    await migrateDatabase(db, config.instance ?? node, log);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

function schemaFailure(err: unknown): FatalError {
  if (err instanceof SchemaTooNewError)
    return new FatalError(err.message, ExitCode.schemaTooNew, { cause: err });
  return new FatalError(`database migration failed: ${(err as Error).message}`, ExitCode.migrationFailed, {
    cause: err,
  });
}
