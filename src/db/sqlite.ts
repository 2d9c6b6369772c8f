import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Mutex } from '../util/mutex.js';
import type { Row, RunResult, SqlDatabase, SqlExecutor, SqlValue, WriteOptions } from './sql.js';
import { bindable, ForeignKeyViolationError, sqlStatements, UniqueViolationError } from './sql.js';

/**
 * One mutex per database file for the whole process. better-sqlite3 is synchronous: if a
 * second connection of this process hit the file lock held by an open async transaction, its
 * busy wait would block the event loop that the first one needs to finish. So connections of
 * one process to one file take turns here; other processes wait on SQLite's lock (busy_timeout).
 */
const fileLocks = new Map<string, Mutex>();

function lockFor(file: string): Mutex {
  if (file === ':memory:') return new Mutex();
  const key = resolve(file);
  let lock = fileLocks.get(key);
  if (lock === undefined) {
    lock = new Mutex();
    fileLocks.set(key, lock);
  }
  return lock;
}

/**
 * The embedded engine. better-sqlite3 is synchronous and has one connection, so an async
 * transaction must keep other callers out until it ends: every call goes through the file's
 * mutex.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #lock: Mutex;
  readonly #direct: SqlExecutor;

  constructor(file: string) {
    if (file !== ':memory:') createPrivately(file);
    this.#lock = lockFor(file);
    this.#db = new Database(file);
    // Switching a fresh file to WAL takes a lock SQLite does not wait for: retry briefly.
    retryBusySync(() => this.#db.pragma('journal_mode = WAL'), 10_000);
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 10000');
    // FULL: a transfer state written is a transfer state kept, even on power loss; the writes
    // that need not be (WriteOptions) switch to NORMAL for their commit.
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

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    return this.#lock.run(() => this.#synchronous(options, () => this.#inTransaction('BEGIN IMMEDIATE', fn)));
  }

  write(sql: string, params: readonly SqlValue[], options: WriteOptions): Promise<RunResult> {
    return this.#lock.run(() => this.#synchronous(options, () => this.#direct.run(sql, params)));
  }

  /** Runs `fn` (holding the lock) with the commit durability `options` ask for. */
  async #synchronous<T>(options: WriteOptions, fn: () => Promise<T>): Promise<T> {
    if (options.durable !== false) return fn();
    this.#db.pragma('synchronous = NORMAL');
    try {
      return await fn();
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  withExclusiveLock<T>(_name: string, timeoutMs: number, fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    // The database file lock is the cluster-wide lock for every process using this file. Wait
    // for it with async sleeps (not the blocking busy handler), up to the caller's timeout.
    return this.#lock.run(async () => {
      const deadline = Date.now() + timeoutMs;
      this.#db.pragma('busy_timeout = 0');
      try {
        for (;;) {
          try {
            sqlStatements.count++;
            this.#db.exec('BEGIN EXCLUSIVE');
            break;
          } catch (err) {
            if (!isBusy(err) || Date.now() >= deadline) throw err;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      } finally {
        this.#db.pragma('busy_timeout = 10000');
      }
      return this.#body(fn);
    });
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

  #inTransaction<T>(begin: string, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    sqlStatements.count++;
    this.#db.exec(begin);
    return this.#body(fn);
  }

  /** Runs `fn` in the transaction just begun. Inside it, use `tx`: the database object itself
   *  would wait for the lock this transaction holds, forever. */
  async #body<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      const result = await fn(this.#direct);
      sqlStatements.count++;
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.#db.inTransaction) {
        sqlStatements.count++;
        this.#db.exec('ROLLBACK');
      }
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
        // lastInsertRowid is the connection's last insert, whatever this statement was.
        const inserted = r.changes > 0 && /^\s*(INSERT|REPLACE)\b/i.test(sql);
        return { changes: r.changes, lastInsertId: inserted ? Number(r.lastInsertRowid) : 0 };
      }
      stmt.all(...bindable(params));
      return { changes: 0, lastInsertId: 0 };
    });
  }

  #prepare(sql: string): Database.Statement {
    sqlStatements.count++;
    let stmt = this.#cache.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      // Statements are cached per SQL text; the set of texts is fixed by the code.
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }
}

/**
 * Creates a missing database file readable by its owner only (0600): it holds password hashes
 * and sealed secrets. SQLite gives its -wal and -shm files the database file's mode.
 */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Retries a synchronous statement on SQLITE_BUSY (used only while opening). */
function retryBusySync(fn: () => unknown, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fn();
      return;
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    const translated = translateError(err);
    return Promise.reject(translated instanceof Error ? translated : new Error(String(translated)));
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
