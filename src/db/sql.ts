/**
 * The one SQL seam of the gateway: an async executor that both engines implement.
 * Stores write portable SQL with `?` placeholders; the few dialect differences
 * (DDL, upserts, row locks) are switched on `dialect`.
 */

export type Dialect = 'sqlite' | 'mysql';
export type SqlValue = string | number | bigint | boolean | null | Buffer;
export type Row = Record<string, unknown>;

export interface RunResult {
  /** Rows changed (SQLite `changes`, MySQL `affectedRows`). */
  changes: number;
  /** Auto-increment id of an INSERT, else 0. */
  lastInsertId: number;
}

/** What a query can run on: the database itself, or a transaction. */
export interface SqlExecutor {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

/**
 * `durable: false` is for writes that a crash of this process (kill -9) must not lose but a
 * power loss may, until the next durable commit (a heartbeat, within a second): the records of
 * downloads, the row of an upload not yet acknowledged. SQLite commits them with
 * `synchronous = NORMAL` (in the OS's hands at once, no fsync of the WAL; the next durable
 * commit's fsync covers them); MySQL as any write (the server's innodb_flush_log_at_trx_commit
 * decides).
 */
export interface WriteOptions {
  readonly durable?: boolean;
}

export interface SqlDatabase extends SqlExecutor {
  /**
   * Runs `fn` in one transaction, committed when it resolves, rolled back when it throws.
   * SQLite: BEGIN IMMEDIATE, and other callers of this process wait for it.
   * MySQL: one pooled connection for the whole transaction.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** Runs one write (autocommitted, as `run`) with `options` (see WriteOptions). */
  write(sql: string, params: readonly SqlValue[], options: WriteOptions): Promise<RunResult>;
  /**
   * Runs `fn` while holding the cluster-wide named lock `name` (MySQL GET_LOCK; SQLite: an
   * exclusive transaction, the file lock being cluster-wide for its processes).
   */
  withExclusiveLock<T>(name: string, timeoutMs: number, fn: (db: SqlExecutor) => Promise<T>): Promise<T>;
  /** A cheap round trip, for readiness and metrics. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Statements this process sent to its database, BEGIN and COMMIT included (what MariaDB's
 * `Questions` counts): `waarp_db_statements_total` in `/metrics`, and the benchmark's
 * statements per file.
 */
export const sqlStatements = { count: 0 };

/** Coerces JS values to what both drivers bind (booleans as 0/1). */
export function bindable(params: readonly SqlValue[]): (string | number | bigint | null | Buffer)[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/**
 * The database's clock in epoch milliseconds, as an SQL expression: the one clock that decides
 * leases, heartbeats and liveness in a cluster, whatever the clocks of the nodes say
 * (docs/cluster-runtime.md). MySQL/MariaDB count UTC_TIMESTAMP(6) from the epoch, which involves
 * no time zone (`UNIX_TIMESTAMP(NOW(6))` goes through the session's zone and is ambiguous in the
 * hour a DST change repeats). SQLite is one machine: its clock is the local one. Both evaluate it
 * once per statement.
 */
export function clusterNowSql(dialect: Dialect): string {
  return dialect === 'mysql'
    ? "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)"
    : "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";
}

/** `(?, ?, ?)` for an IN list of n values; n must be > 0. */
export function placeholders(n: number): string {
  return `(${new Array<string>(n).fill('?').join(', ')})`;
}

/** Thrown when a write hit a unique constraint (a duplicate name). */
export class UniqueViolationError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('unique constraint violated', options);
    this.name = 'UniqueViolationError';
  }
}

/** Thrown when a write names a row that does not exist (foreign key). */
export class ForeignKeyViolationError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('foreign key constraint violated', options);
    this.name = 'ForeignKeyViolationError';
  }
}
