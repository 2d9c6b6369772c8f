/**
 * One transaction under a cluster-wide named lock, for the one-shot commands that write many
 * objects at once (import, restore-history): the stores see the lock's executor.
 */
import type { Row, RunResult, SqlDatabase, SqlExecutor, SqlValue } from './sql.js';

/**
 * Runs `fn` in one transaction under the cluster-wide lock `name`. SQLite's lock is already an
 * exclusive transaction; MySQL's named lock is not one. `fn` gets a database whose every path
 * goes through the lock's executor (see lockedDatabase).
 */
export function inLockedTransaction<T>(
  db: SqlDatabase,
  name: string,
  timeoutMs: number,
  fn: (locked: SqlDatabase) => Promise<T>,
): Promise<T> {
  return db.withExclusiveLock(name, timeoutMs, async (tx) => {
    if (tx.dialect === 'mysql') await tx.run('START TRANSACTION');
    try {
      const result = await fn(lockedDatabase(tx));
      if (tx.dialect === 'mysql') await tx.run('COMMIT');
      return result;
    } catch (err) {
      if (tx.dialect === 'mysql') await tx.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/**
 * The stores take a database; inside the lock everything must go through the lock's executor
 * (on SQLite another path would wait on the lock we hold). Nested transactions join the outer one.
 */
export function lockedDatabase(tx: SqlExecutor): SqlDatabase {
  return {
    dialect: tx.dialect,
    all: <T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> => tx.all<T>(sql, params),
    get: <T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> =>
      tx.get<T>(sql, params),
    run: (sql: string, params?: readonly SqlValue[]): Promise<RunResult> => tx.run(sql, params),
    write: (sql: string, params: readonly SqlValue[]): Promise<RunResult> => tx.run(sql, params),
    transaction: <T>(fn: (t: SqlExecutor) => Promise<T>): Promise<T> => fn(tx),
    withExclusiveLock: <T>(_n: string, _t: number, fn: (t: SqlExecutor) => Promise<T>): Promise<T> => fn(tx),
    ping: async (): Promise<void> => {
      await tx.get('SELECT 1 AS one');
    },
    close: (): Promise<void> => Promise.resolve(),
  };
}
