import { hostname } from 'node:os';
import type { Migration } from './migrations.js';
import { migrations as knownMigrations, renderDdl } from './migrations.js';
import type { SqlDatabase, SqlExecutor } from './sql.js';

const lockName = 'waarp_gateway_migrate';

export interface SchemaStatus {
  /** Highest migration applied to the database (0 when empty). */
  current: number;
  /** Highest migration this build knows. */
  known: number;
  /** Applied migrations this build does not know, and whether each keeps older nodes working. */
  unknown: { id: number; name: string; additive: boolean }[];
}

export class SchemaTooNewError extends Error {
  constructor(readonly status: SchemaStatus) {
    const breaking = status.unknown.filter((m) => !m.additive).map((m) => `${m.id} "${m.name}"`);
    super(
      `the database schema is at version ${status.current}, newer than this build knows (${status.known}), ` +
        `and migration(s) ${breaking.join(', ')} are not compatible with older nodes: upgrade this node`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Applies the missing migrations, one node at a time: the cluster-wide lock makes the
 * other nodes wait, then find nothing left to do. Returns the ids it applied.
 */
export async function migrate(
  db: SqlDatabase,
  options: { node?: string; list?: readonly Migration[]; lockTimeoutMs?: number } = {},
): Promise<number[]> {
  const list = options.list ?? knownMigrations;
  const appliedBy = options.node ?? hostname();
  return db.withExclusiveLock(lockName, options.lockTimeoutMs ?? 120_000, async (tx) => {
    await ensureMigrationTable(tx);
    const status = await readStatus(tx, list);
    if (status.unknown.some((m) => !m.additive)) throw new SchemaTooNewError(status);
    const applied: number[] = [];
    for (const m of list) {
      if (m.id <= status.current) continue;
      for (const statement of m.up) await tx.run(renderDdl(statement, tx.dialect));
      await tx.run(
        'INSERT INTO schema_migrations (id, name, additive, applied_at, applied_by) VALUES (?, ?, ?, ?, ?)',
        [m.id, m.name, m.additive, Date.now(), appliedBy],
      );
      applied.push(m.id);
    }
    return applied;
  });
}

/** Where the database stands against this build, without changing anything. */
export async function schemaStatus(
  db: SqlExecutor,
  list: readonly Migration[] = knownMigrations,
): Promise<SchemaStatus> {
  await ensureMigrationTable(db);
  return readStatus(db, list);
}

/** Throws SchemaTooNewError when this build cannot run against the database. */
export async function assertSchemaCompatible(
  db: SqlExecutor,
  list?: readonly Migration[],
): Promise<SchemaStatus> {
  const status = await schemaStatus(db, list);
  if (status.unknown.some((m) => !m.additive)) throw new SchemaTooNewError(status);
  return status;
}

async function ensureMigrationTable(db: SqlExecutor): Promise<void> {
  await db.run(
    renderDdl(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        id {int} NOT NULL PRIMARY KEY,
        name {name} NOT NULL,
        additive {bool} NOT NULL,
        applied_at {int} NOT NULL,
        applied_by {name} NOT NULL
      ){table}`,
      db.dialect,
    ),
  );
}

async function readStatus(db: SqlExecutor, list: readonly Migration[]): Promise<SchemaStatus> {
  const rows = await db.all<{ id: number; name: string; additive: number }>(
    'SELECT id, name, additive FROM schema_migrations ORDER BY id',
  );
  const known = list[list.length - 1]?.id ?? 0;
  const knownIds = new Set(list.map((m) => m.id));
  return {
    current: rows.reduce((max, r) => Math.max(max, Number(r.id)), 0),
    known,
    unknown: rows
      .filter((r) => !knownIds.has(Number(r.id)))
      .map((r) => ({ id: Number(r.id), name: r.name, additive: Number(r.additive) === 1 })),
  };
}
