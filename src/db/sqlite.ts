import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Mutex } from '../util/mutex.js';
import type { Row, RunResult, SqlDatabase, SqlExecutor, SqlValue } from './sql.js';
import { bindable, ForeignKeyViolationError, UniqueViolationError } from './sql.js';

/**
 * The embedded engine. better-sqlite3 is synchronous and has one connection, so an async
 * transaction must keep other callers of this process out until it ends: every call goes
 * through one mutex. Other processes on the same file wait on SQLite's own lock (busy_timeout).
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #lock = new Mutex();
  readonly #direct: SqlExecutor;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 10000');
    // FULL: a transfer state written is a transfer state kept, even on power loss.
    this.#db.pragma('synchronous = FULL');
    this.#direct = new SqliteExecutor(this.#db);
  }

  all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#lock.run(() => this.#direct.all<T>(sql, params));
  }

  get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.#lock.run(() => this.#direct.get<T>(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return this.#lock.run(() => this.#direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#lock.run(() => this.#inTransaction('BEGIN IMMEDIATE', fn));
  }

  withExclusiveLock<T>(_name: string, _timeoutMs: number, fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    // The database file lock is the cluster-wide lock for every process using this file.
    return this.#lock.run(() => this.#inTransaction('BEGIN EXCLUSIVE', fn));
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS one');
  }

  close(): Promise<void> {
    return this.#lock.run(() => {
      this.#db.close();
      return Promise.resolve();
    });
  }

  async #inTransaction<T>(begin: string, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.#db.exec(begin);
    try {
      const result = await fn(this.#direct);
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }
}

class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  readonly #cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return attempt(() => this.#prepare(sql).all(...bindable(params)) as T[]);
  }

  get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return attempt(() => this.#prepare(sql).get(...bindable(params)) as T | undefined);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return attempt(() => {
      const stmt = this.#prepare(sql);
      if (!stmt.reader) {
        const r = stmt.run(...bindable(params));
        return { changes: r.changes, lastInsertId: Number(r.lastInsertRowid) };
      }
      stmt.all(...bindable(params));
      return { changes: 0, lastInsertId: 0 };
    });
  }

  #prepare(sql: string): Database.Statement {
    let stmt = this.#cache.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      // Statements are cached per SQL text; the set of texts is fixed by the code.
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }
}

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(translateError(err));
  }
}

function translateError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new UniqueViolationError({ cause: err });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ForeignKeyViolationError({ cause: err });
  return err;
}
