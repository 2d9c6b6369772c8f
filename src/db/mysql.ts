import mysql from 'mysql2/promise';
import type { Row, RunResult, SqlDatabase, SqlExecutor, SqlValue, WriteOptions } from './sql.js';
import { bindable, ForeignKeyViolationError, sqlStatements, UniqueViolationError } from './sql.js';

export interface MysqlOptions {
  /** host[:port] */
  address: string;
  database: string;
  user: string;
  password: string;
  poolSize?: number;
}

type Queryable = mysql.Pool | mysql.PoolConnection;

/** The cluster engine: MySQL or MariaDB through a mysql2 pool. */
export class MysqlDatabase implements SqlDatabase {
  readonly dialect = 'mysql' as const;
  readonly #pool: mysql.Pool;
  readonly #direct: MysqlExecutor;

  constructor(options: MysqlOptions) {
    const { host, port } = splitHostPort(options.address);
    this.#pool = mysql.createPool({
      host,
      port,
      user: options.user,
      password: options.password,
      database: options.database,
      connectionLimit: options.poolSize ?? 10,
      // Epoch-ms BIGINTs stay numbers; DATETIME is never used.
      supportBigNumbers: true,
      bigNumberStrings: false,
      connectTimeout: 5000,
      // A transaction that waits on a row lock should fail soon, not hang a node.
      enableKeepAlive: true,
    });
    this.#direct = new MysqlExecutor(this.#pool);
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#direct.all<T>(sql, params);
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.#direct.get<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.#direct.run(sql, params);
  }

  /** As `run`: the server decides the durability of every commit (WriteOptions). */
  write(sql: string, params: readonly SqlValue[], _options: WriteOptions): Promise<RunResult> {
    return this.#direct.run(sql, params);
  }

  /**
   * InnoDB may pick a transaction as a deadlock victim (e.g. several nodes registering at once
   * take gap locks on the same empty range): it is rolled back whole, so it is run again.
   */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, _options?: WriteOptions): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#transactionOnce(fn);
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ER_LOCK_DEADLOCK' || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
      }
    }
  }

  async #transactionOnce<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const conn = await this.#pool.getConnection();
    // A connection whose rollback failed is in an unknown state: never give it back to the pool.
    let healthy = true;
    try {
      sqlStatements.count++;
      await conn.beginTransaction();
      try {
        const result = await fn(new MysqlExecutor(conn));
        sqlStatements.count++;
        await conn.commit();
        return result;
      } catch (err) {
        sqlStatements.count++;
        await conn.rollback().catch(() => (healthy = false));
        throw err;
      }
    } finally {
      if (healthy) conn.release();
      else conn.destroy();
    }
  }

  async withExclusiveLock<T>(
    name: string,
    timeoutMs: number,
    fn: (db: SqlExecutor) => Promise<T>,
  ): Promise<T> {
    // GET_LOCK belongs to the connection: hold one connection for the whole critical section.
    const conn = await this.#pool.getConnection();
    let healthy = true;
    try {
      sqlStatements.count++;
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [
        name,
        Math.ceil(timeoutMs / 1000),
      ]);
      if (rows[0]?.got !== 1) throw new Error(`timed out after ${timeoutMs} ms waiting for lock "${name}"`);
      try {
        return await fn(new MysqlExecutor(conn));
      } finally {
        // A connection that may still hold the lock must not go back to the pool.
        sqlStatements.count++;
        await conn.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => (healthy = false));
      }
    } finally {
      if (healthy) conn.release();
      else conn.destroy();
    }
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS one');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

class MysqlExecutor implements SqlExecutor {
  readonly dialect = 'mysql' as const;

  constructor(private readonly conn: Queryable) {}

  async all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    sqlStatements.count++;
    try {
      const [rows] = await this.conn.query<mysql.RowDataPacket[]>(sql, bindable(params));
      return rows as T[];
    } catch (err) {
      throw translateError(err);
    }
  }

  async get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    sqlStatements.count++;
    try {
      const [result] = await this.conn.query<mysql.ResultSetHeader>(sql, bindable(params));
      return { changes: result.affectedRows ?? 0, lastInsertId: Number(result.insertId ?? 0) };
    } catch (err) {
      throw translateError(err);
    }
  }
}

function translateError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'ER_DUP_ENTRY') return new UniqueViolationError({ cause: err });
  if (code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_ROW_IS_REFERENCED_2') {
    return new ForeignKeyViolationError({ cause: err });
  }
  return err;
}

function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address);
  if (m === null || m[1] === undefined) return { host: address, port: 3306 };
  return { host: m[1], port: m[2] !== undefined ? Number(m[2]) : 3306 };
}
