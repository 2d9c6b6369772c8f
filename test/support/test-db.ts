/**
 * A database for a test, on either engine: a temp SQLite file or a fresh database on the
 * process's private MariaDB server (see mariadb.ts). Migrated unless asked otherwise.
 *
 *   for (const kind of dbKindsUnderTest()) describe(kind, () => { ... openTestDatabase(kind) ... })
 *   const db = await openTestDatabase(testDbKind());   // suites run once per engine, chosen by env
 */
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.js';
import { MysqlDatabase } from '../../src/db/mysql.js';
import type { Row, RunResult, SqlDatabase, SqlExecutor, SqlValue, WriteOptions } from '../../src/db/sql.js';
import { SqliteDatabase } from '../../src/db/sqlite.js';
import type { StartedMariaDb } from './mariadb.js';
import { startMariaDb } from './mariadb.js';
import { makeTempDir, removeTempDir } from './tmp.js';

export type DbKind = 'sqlite' | 'mysql';

/** Where the test database is, in the shape of the gateway's `database` configuration. */
export interface TestDbConfig {
  readonly type: DbKind;
  /** SQLite: the file. MySQL: host:port. */
  readonly address: string;
  /** MySQL database name ('' for SQLite). */
  readonly name: string;
  readonly user: string;
  readonly password: string;
}

export interface TestDatabase extends SqlDatabase, AsyncDisposable {
  readonly kind: DbKind;
  readonly config: TestDbConfig;
  /**
   * Another connection (a second SqlDatabase) to the same database, as a second node would
   * have. Closed by `close()` if the caller has not closed it.
   */
  connect(): SqlDatabase;
  /** Closes every connection and removes the database (idempotent). */
  close(): Promise<void>;
}

/** Both engines, always: the MySQL tier runs in CI and locally, it is never skipped. */
export function dbKindsUnderTest(): DbKind[] {
  return ['sqlite', 'mysql'];
}

/** The engine for suites run once per engine: WAARP_TEST_DB=sqlite (default) or mysql. */
export function testDbKind(): DbKind {
  const v = process.env.WAARP_TEST_DB ?? '';
  if (v === '' || v === 'sqlite') return 'sqlite';
  if (v === 'mysql') return 'mysql';
  throw new Error(`WAARP_TEST_DB must be "sqlite" or "mysql", not "${v}"`);
}

/** Opens a fresh database of `kind`, migrated to the latest schema unless `migrate: false`. */
export async function openTestDatabase(
  kind: DbKind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  let config: TestDbConfig;
  let release: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = await makeTempDir('sqlite');
    config = { type: 'sqlite', address: join(dir, 'gateway.db'), name: '', user: '', password: '' };
    release = () => removeTempDir(dir);
  } else {
    const server: StartedMariaDb = await startMariaDb();
    const name = await server.createDatabase();
    config = { type: 'mysql', address: server.address, name, user: server.user, password: server.password };
    release = () => server.stop();
  }
  const db = new TestDb(config, release);
  if (options.migrate ?? true) {
    try {
      await migrate(db, { node: 'test' });
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

/** Opens a connection from a TestDbConfig (no migration), e.g. in a child process's place. */
export function connectTestDatabase(config: TestDbConfig): SqlDatabase {
  if (config.type === 'sqlite') return new SqliteDatabase(config.address);
  return new MysqlDatabase({
    address: config.address,
    database: config.name,
    user: config.user,
    password: config.password,
  });
}

class TestDb implements TestDatabase {
  readonly kind: DbKind;
  readonly dialect: DbKind;
  readonly #main: SqlDatabase;
  readonly #extra = new Set<SqlDatabase>();
  #closing: Promise<void> | undefined;

  constructor(
    readonly config: TestDbConfig,
    private readonly release: () => Promise<void>,
  ) {
    this.kind = config.type;
    this.dialect = config.type;
    this.#main = connectTestDatabase(config);
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#main.all<T>(sql, params);
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.#main.get<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.#main.run(sql, params);
  }

  write(sql: string, params: readonly SqlValue[], options: WriteOptions): Promise<RunResult> {
    return this.#main.write(sql, params, options);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: WriteOptions): Promise<T> {
    return this.#main.transaction(fn, options);
  }

  withExclusiveLock<T>(name: string, timeoutMs: number, fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#main.withExclusiveLock(name, timeoutMs, fn);
  }

  ping(): Promise<void> {
    return this.#main.ping();
  }

  connect(): SqlDatabase {
    const extra = connectTestDatabase(this.config);
    const close = extra.close.bind(extra);
    let closed: Promise<void> | undefined;
    // Closing twice (by the test, then by close()) must be harmless.
    extra.close = () => {
      this.#extra.delete(extra);
      closed ??= close();
      return closed;
    };
    this.#extra.add(extra);
    return extra;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const results = await Promise.allSettled([
        this.#main.close(),
        ...[...this.#extra].map((d) => d.close()),
      ]);
      await this.release();
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
