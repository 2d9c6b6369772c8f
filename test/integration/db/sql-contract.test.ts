/**
 * The SQL layer's contract, run unchanged against both engines (SQLite file, real MariaDB):
 * what stores may rely on whichever database a deployment uses.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { assertSchemaCompatible, migrate, SchemaTooNewError, schemaStatus } from '../../../src/db/migrate.js';
import { latestSchemaVersion, migrations, renderDdl } from '../../../src/db/migrations.js';
import type { SqlExecutor } from '../../../src/db/sql.js';
import { ForeignKeyViolationError, UniqueViolationError } from '../../../src/db/sql.js';
import { SqliteDatabase } from '../../../src/db/sqlite.js';
import type { TestDatabase, TestDbConfig } from '../../support/test-db.js';
import { dbKindsUnderTest, openTestDatabase } from '../../support/test-db.js';
import { tempDir } from '../../support/tmp.js';

/** dist/, where the compiled sources are (this file runs as dist/test/integration/db/*.js). */
const distDir = fileURLToPath(new URL('../../../', import.meta.url));
/** The repository, where node_modules is. */
const repoDir = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every migration this build knows, in order. */
const allIds = migrations.map((m) => m.id);

let tableSeq = 0;

/** A parent table (unique name) and a child table referencing it, fresh for one test. */
async function scratchTables(db: SqlExecutor): Promise<{ parent: string; child: string }> {
  const n = ++tableSeq;
  const parent = `t_parent_${n}`;
  const child = `t_child_${n}`;
  await db.run(
    renderDdl(
      `CREATE TABLE ${parent} (
        id {pk},
        name {name} NOT NULL,
        flag {bool} NOT NULL,
        n {int},
        owner {name},
        UNIQUE (name)
      ){table}`,
      db.dialect,
    ),
  );
  await db.run(
    renderDdl(
      `CREATE TABLE ${child} (
        id {pk},
        parent_id {int} NOT NULL,
        FOREIGN KEY (parent_id) REFERENCES ${parent} (id)
      ){table}`,
      db.dialect,
    ),
  );
  return { parent, child };
}

async function count(
  db: SqlExecutor,
  table: string,
  where = '1 = 1',
  params: (string | number)[] = [],
): Promise<number> {
  const row = await db.get<{ c: number | string }>(
    `SELECT COUNT(*) AS c FROM ${table} WHERE ${where}`,
    params,
  );
  return Number(row?.c);
}

for (const kind of dbKindsUnderTest()) {
  void describe(`SQL contract on ${kind}`, { timeout: 120_000 }, () => {
    let db: TestDatabase;

    before(async () => {
      db = await openTestDatabase(kind);
    });

    after(async () => {
      await db?.close();
    });

    void it('all / get / run bind ? parameters', async () => {
      const { parent } = await scratchTables(db);
      for (const [name, n] of [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ] as const) {
        await db.run(`INSERT INTO ${parent} (name, flag, n) VALUES (?, ?, ?)`, [name, false, n]);
      }
      const rows = await db.all<{ name: string; n: number }>(
        `SELECT name, n FROM ${parent} WHERE n >= ? AND name <> ? ORDER BY n`,
        [2, 'c'],
      );
      assert.deepEqual(
        rows.map((r) => ({ ...r })),
        [{ name: 'b', n: 2 }],
      );
      const one = await db.get<{ name: string }>(`SELECT name FROM ${parent} WHERE n = ?`, [3]);
      assert.equal(one?.name, 'c');
      assert.equal(await db.get(`SELECT name FROM ${parent} WHERE n = ?`, [42]), undefined);
      assert.deepEqual(await db.all(`SELECT name FROM ${parent} WHERE n = ?`, [42]), []);
      // A value that looks like SQL stays a value.
      await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ["x'); DROP TABLE users; --", true]);
      assert.equal(await count(db, parent, 'name = ?', ["x'); DROP TABLE users; --"]), 1);
      assert.equal(await count(db, 'users'), 0);
    });

    void it('binds booleans as 0/1 and reads them back as numbers', async () => {
      const { parent } = await scratchTables(db);
      await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['yes', true]);
      await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['no', false]);
      const rows = await db.all<{ name: string; flag: unknown }>(
        `SELECT name, flag FROM ${parent} ORDER BY name`,
      );
      assert.deepEqual(
        rows.map((r) => [r.name, r.flag]),
        [
          ['no', 0],
          ['yes', 1],
        ],
      );
      const found = await db.all<{ name: string }>(`SELECT name FROM ${parent} WHERE flag = ?`, [true]);
      assert.deepEqual(
        found.map((r) => r.name),
        ['yes'],
      );
    });

    void it('round-trips nulls, epoch-ms integers and non-ASCII text exactly', async () => {
      const { parent } = await scratchTables(db);
      const epochMs = 1_764_000_000_123;
      const name = 'Été 日本語 🚀';
      await db.run(`INSERT INTO ${parent} (name, flag, n, owner) VALUES (?, ?, ?, ?)`, [
        name,
        0,
        epochMs,
        null,
      ]);
      const row = await db.get<{ name: unknown; n: unknown; owner: unknown }>(
        `SELECT name, n, owner FROM ${parent} WHERE name = ?`,
        [name],
      );
      assert.equal(row?.name, name);
      assert.equal(row?.n, epochMs, 'BIGINT epoch-ms must come back as a JS number');
      assert.equal(row?.owner, null);
    });

    void it('compares names case-sensitively (binary collation on MySQL, as SQLite)', async () => {
      const { parent } = await scratchTables(db);
      await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['Alice', 0]);
      // Not a duplicate of 'Alice' on either engine.
      await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['alice', 0]);
      const rows = await db.all<{ name: string }>(`SELECT name FROM ${parent} WHERE name = ?`, ['alice']);
      assert.deepEqual(
        rows.map((r) => r.name),
        ['alice'],
      );
    });

    void it('reports lastInsertId and changes', async () => {
      const { parent } = await scratchTables(db);
      const first = await db.run(`INSERT INTO ${parent} (name, flag, n) VALUES (?, ?, ?)`, ['one', 0, 5]);
      const second = await db.run(`INSERT INTO ${parent} (name, flag, n) VALUES (?, ?, ?)`, ['two', 0, 5]);
      assert.equal(first.changes, 1);
      assert.ok(first.lastInsertId > 0, `lastInsertId ${first.lastInsertId}`);
      assert.ok(second.lastInsertId > first.lastInsertId);
      const row = await db.get<{ name: string }>(`SELECT name FROM ${parent} WHERE id = ?`, [
        second.lastInsertId,
      ]);
      assert.equal(row?.name, 'two');

      const updated = await db.run(`UPDATE ${parent} SET n = ? WHERE n = ?`, [6, 5]);
      assert.equal(updated.changes, 2);
      // Matched rows count even when the new value equals the old one (mysql2 sets FOUND_ROWS),
      // so `changes === 0` means "no such row" on both engines.
      const same = await db.run(`UPDATE ${parent} SET n = ? WHERE name = ?`, [6, 'one']);
      assert.equal(same.changes, 1);
      const none = await db.run(`DELETE FROM ${parent} WHERE name = ?`, ['nobody']);
      assert.equal(none.changes, 0);
    });

    void it('reports lastInsertId 0 for a statement that is not an INSERT', async () => {
      const { parent } = await scratchTables(db);
      await db.run(`INSERT INTO ${parent} (name, flag, n) VALUES (?, ?, ?)`, ['one', 0, 5]);
      assert.deepEqual(await db.run(`UPDATE ${parent} SET n = ? WHERE n = ?`, [6, 5]), {
        changes: 1,
        lastInsertId: 0,
      });
      assert.deepEqual(await db.run(`DELETE FROM ${parent} WHERE n = ?`, [6]), {
        changes: 1,
        lastInsertId: 0,
      });
    });

    void it('turns a unique violation into UniqueViolationError', async () => {
      const { parent } = await scratchTables(db);
      const { lastInsertId } = await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['dup', 0]);
      await assert.rejects(db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['dup', 1]), (err) => {
        assert.ok(err instanceof UniqueViolationError, String(err));
        assert.ok(err.cause !== undefined, 'the driver error is kept as cause');
        return true;
      });
      // A duplicate primary key is a unique violation too.
      await assert.rejects(
        db.run(`INSERT INTO ${parent} (id, name, flag) VALUES (?, ?, ?)`, [lastInsertId, 'other', 0]),
        UniqueViolationError,
      );
      // Through a transaction's executor as well; the transaction rolls back.
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['in-tx', 0]);
          await tx.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['dup', 0]);
        }),
        UniqueViolationError,
      );
      assert.equal(await count(db, parent), 1);
    });

    void it('turns a foreign key violation into ForeignKeyViolationError', async () => {
      const { parent, child } = await scratchTables(db);
      await assert.rejects(db.run(`INSERT INTO ${child} (parent_id) VALUES (?)`, [987_654]), (err) => {
        assert.ok(err instanceof ForeignKeyViolationError, String(err));
        return true;
      });
      const { lastInsertId } = await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['p', 0]);
      await db.run(`INSERT INTO ${child} (parent_id) VALUES (?)`, [lastInsertId]);
      // Deleting a parent that is still referenced (no ON DELETE CASCADE) is refused.
      await assert.rejects(
        db.run(`DELETE FROM ${parent} WHERE id = ?`, [lastInsertId]),
        ForeignKeyViolationError,
      );
      assert.equal(await count(db, child), 1);
      // The real schema's foreign keys are enforced too (SQLite needs PRAGMA foreign_keys).
      await assert.rejects(
        db.run("INSERT INTO local_accounts (local_agent_id, login, ip_addresses) VALUES (?, ?, '')", [
          987_654,
          'x',
        ]),
        ForeignKeyViolationError,
      );
    });

    void it('commits a transaction that resolves', async () => {
      const { parent } = await scratchTables(db);
      const result = await db.transaction(async (tx) => {
        assert.equal(tx.dialect, kind);
        await tx.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['t1', 0]);
        await tx.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['t2', 0]);
        // Reads inside the transaction see its own writes.
        return count(tx, parent);
      });
      assert.equal(result, 2);
      assert.equal(await count(db, parent), 2);
    });

    void it('writes with durable: false like any write, then commits durably again (SQLite: FULL)', async () => {
      const { parent } = await scratchTables(db);
      const r = await db.write(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['relaxed', 0], {
        durable: false,
      });
      assert.equal(r.changes, 1);
      assert.ok(r.lastInsertId > 0);
      await db.transaction(
        (tx) => tx.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['relaxed tx', 0]),
        { durable: false },
      );
      // A failed relaxed write leaves the durability as it was too.
      await assert.rejects(
        db.write(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['relaxed', 0], { durable: false }),
        UniqueViolationError,
      );
      assert.equal(await count(db, parent), 2);
      if (kind === 'sqlite') {
        const sync = await db.get<{ synchronous: number }>('PRAGMA synchronous');
        assert.equal(sync?.synchronous, 2, 'FULL again after the relaxed writes');
      }
    });

    void it('rolls back a transaction that throws, and rethrows its error', async () => {
      const { parent } = await scratchTables(db);
      const boom = new Error('boom');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['gone1', 0]);
          await tx.run(`UPDATE ${parent} SET n = 1`);
          await delay(5);
          await tx.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['gone2', 0]);
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.equal(await count(db, parent), 0);
      // The database is usable afterwards (no transaction left open).
      await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['after', 0]);
      assert.equal(await count(db, parent), 1);
    });

    void it('does not roll back a write made outside a transaction while it was open', async () => {
      const { parent } = await scratchTables(db);
      let outside: Promise<unknown> | undefined;
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['inside', 0]);
          // SQLite: this waits for the transaction to end; MySQL: another pooled connection.
          outside = db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, ['outside', 0]);
          await delay(20);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      await outside;
      const rows = await db.all<{ name: string }>(`SELECT name FROM ${parent}`);
      assert.deepEqual(
        rows.map((r) => r.name),
        ['outside'],
      );
    });

    void it('runs concurrent read-modify-write transactions one after the other', async () => {
      const { parent } = await scratchTables(db);
      const { lastInsertId: id } = await db.run(`INSERT INTO ${parent} (name, flag, n) VALUES (?, ?, ?)`, [
        'counter',
        0,
        0,
      ]);
      // The row lock is the one dialect difference: SQLite serializes whole transactions.
      const lock = db.dialect === 'mysql' ? ' FOR UPDATE' : '';
      const trace: string[] = [];
      const n = 25;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          db.transaction(async (tx) => {
            const row = await tx.get<{ n: number }>(`SELECT n FROM ${parent} WHERE id = ?${lock}`, [id]);
            trace.push(`in ${i}`);
            await delay(1); // give the others every chance to interleave
            await tx.run(`UPDATE ${parent} SET n = ? WHERE id = ?`, [Number(row!.n) + 1, id]);
            trace.push(`out ${i}`);
          }),
        ),
      );
      const final = await db.get<{ n: number }>(`SELECT n FROM ${parent} WHERE id = ?`, [id]);
      assert.equal(Number(final?.n), n, 'no update lost');
      for (let k = 0; k < trace.length; k += 2) {
        const i = trace[k]!.split(' ')[1];
        assert.equal(
          trace[k + 1],
          `out ${i}`,
          `transaction ${i} interleaved with another: ${trace.join(', ')}`,
        );
      }
    });

    void it('withExclusiveLock lets one holder in at a time', async () => {
      const trace: string[] = [];
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          db.withExclusiveLock('contract_test_lock', 10_000, async (ex) => {
            trace.push(`in ${i}`);
            await ex.get('SELECT 1 AS one');
            await delay(5);
            trace.push(`out ${i}`);
          }),
        ),
      );
      assert.equal(trace.length, 10);
      for (let k = 0; k < trace.length; k += 2) {
        const i = trace[k]!.split(' ')[1];
        assert.equal(trace[k + 1], `out ${i}`, trace.join(', '));
      }
    });

    void it('gives exactly one winner per row to two connections racing a compare-and-set', async () => {
      const { parent } = await scratchTables(db);
      const rows = 40;
      const attemptsPerConnection = 3;
      const ids: number[] = [];
      for (let i = 0; i < rows; i++) {
        ids.push(
          (await db.run(`INSERT INTO ${parent} (name, flag) VALUES (?, ?)`, [`row${i}`, 0])).lastInsertId,
        );
      }
      const a = db.connect();
      const b = db.connect();
      try {
        const claims: Promise<{ id: number; who: string; won: boolean }>[] = [];
        for (let k = 0; k < attemptsPerConnection; k++) {
          for (const id of ids) {
            for (const [who, conn] of [
              ['a', a],
              ['b', b],
            ] as const) {
              const label = `${who}${k}`;
              claims.push(
                conn
                  .run(`UPDATE ${parent} SET owner = ? WHERE id = ? AND owner IS NULL`, [label, id])
                  .then((r) => ({ id, who: label, won: r.changes === 1 })),
              );
            }
          }
        }
        const results = await Promise.all(claims);
        const finalOwners = new Map(
          (await db.all<{ id: number; owner: string | null }>(`SELECT id, owner FROM ${parent}`)).map((r) => [
            Number(r.id),
            r.owner,
          ]),
        );
        for (const id of ids) {
          const winners = results.filter((r) => r.id === id && r.won);
          assert.equal(winners.length, 1, `row ${id} has ${winners.length} winners`);
          assert.equal(finalOwners.get(id), winners[0]!.who);
        }
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  void describe(`migrations on ${kind}`, { timeout: 120_000 }, () => {
    void it('migrate() applies migration 1, then has nothing left to apply', async () => {
      await using db = await openTestDatabase(kind, { migrate: false });
      const before = await schemaStatus(db);
      assert.deepEqual(before, { current: 0, known: latestSchemaVersion, unknown: [] });

      const applied = await migrate(db, { node: 'node-a' });
      assert.deepEqual(applied, allIds);
      assert.equal(applied[0], 1);
      // The schema is there: every table of migration 1 can be queried.
      for (const table of ['nodes', 'users', 'local_agents', 'rules', 'transfers', 'transfer_history']) {
        assert.equal(await count(db, table), 0, table);
      }
      assert.equal(await count(db, 'normalized_transfers'), 0);
      const row = await db.get<{ id: number; applied_by: string; additive: number }>(
        'SELECT id, applied_by, additive FROM schema_migrations WHERE id = 1',
      );
      assert.deepEqual(
        { ...row, id: Number(row?.id), additive: Number(row?.additive) },
        {
          id: 1,
          applied_by: 'node-a',
          additive: 0,
        },
      );

      assert.deepEqual(await migrate(db, { node: 'node-b' }), []);
      assert.equal(await count(db, 'schema_migrations'), allIds.length);
      assert.deepEqual(await schemaStatus(db), {
        current: latestSchemaVersion,
        known: latestSchemaVersion,
        unknown: [],
      });
    });

    void it('refuses a database with an unknown non-additive migration, accepts an additive one', async () => {
      await using db = await openTestDatabase(kind);
      await db.run(
        'INSERT INTO schema_migrations (id, name, additive, applied_at, applied_by) VALUES (?, ?, ?, ?, ?)',
        [999, 'from the future', false, Date.now(), 'newer-node'],
      );
      await assert.rejects(migrate(db), (err) => {
        assert.ok(err instanceof SchemaTooNewError, String(err));
        assert.equal(err.status.current, 999);
        assert.equal(err.status.known, latestSchemaVersion);
        assert.deepEqual(err.status.unknown, [{ id: 999, name: 'from the future', additive: false }]);
        assert.match(err.message, /999 "from the future"/);
        return true;
      });
      await assert.rejects(assertSchemaCompatible(db), SchemaTooNewError);

      await db.run('UPDATE schema_migrations SET additive = ? WHERE id = ?', [true, 999]);
      assert.deepEqual(await migrate(db), []);
      const status = await assertSchemaCompatible(db);
      assert.deepEqual(status.unknown, [{ id: 999, name: 'from the future', additive: true }]);
      assert.equal(status.current, 999);
    });

    void it('an older build accepts the migrated database exactly when every newer migration is additive', async () => {
      await using db = await openTestDatabase(kind);
      for (let k = 1; k < migrations.length; k++) {
        const older = migrations.slice(0, k);
        const newer = migrations.slice(k);
        if (newer.every((m) => m.additive)) {
          const status = await assertSchemaCompatible(db, older);
          assert.deepEqual(
            status.unknown.map((m) => m.id),
            newer.map((m) => m.id),
          );
          assert.deepEqual(await migrate(db, { list: older }), [], 'an older build applies nothing');
        } else {
          await assert.rejects(assertSchemaCompatible(db, older), SchemaTooNewError);
          await assert.rejects(migrate(db, { list: older }), SchemaTooNewError);
        }
      }
    });

    void it('two processes migrating the same fresh database at once apply each migration once', async () => {
      for (let round = 0; round < 3; round++) {
        await using db = await openTestDatabase(kind, { migrate: false });
        const results = await migrateInProcesses(db.config, 2);
        const applied = results.flat().sort((x, y) => x - y);
        assert.deepEqual(applied, allIds, JSON.stringify(results));
        const ids = await db.all<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
        assert.deepEqual(
          ids.map((r) => Number(r.id)),
          allIds,
        );
        assert.equal(await count(db, 'users'), 0);
      }
    });

    if (kind === 'sqlite') {
      void it('opening a database file another process has locked waits for the lock instead of failing', async () => {
        await using dir = await tempDir('sqlite-open');
        const file = join(dir.path, 'gateway.db');
        // Another process (a second node starting at the same moment) holds the fresh file's lock.
        const holder = await holdSqliteLock(file, 400);
        try {
          const db = new SqliteDatabase(file);
          try {
            await db.ping();
            const mode = await db.get<{ journal_mode: string }>('PRAGMA journal_mode');
            assert.equal(mode?.journal_mode, 'wal');
          } finally {
            await db.close();
          }
        } finally {
          await holder.ended;
        }
      });
    }
  });
}

/**
 * Starts a process that creates `file` and holds an exclusive lock on it for `ms`; resolves when
 * the lock is held, with a promise of the process's end (wrapped: an async function would wait on it).
 */
async function holdSqliteLock(file: string, ms: number): Promise<{ ended: Promise<void> }> {
  const code = `
    import Database from 'better-sqlite3';
    const db = new Database(process.argv[1]);
    // A write transaction in the default rollback-journal mode, as a process that is creating the
    // file: converting to WAL then needs a lock SQLite will not wait for (no busy handler call).
    db.exec('BEGIN IMMEDIATE; CREATE TABLE held (a INTEGER)');
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[2]));
    db.exec('COMMIT');
    db.close();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, file, String(ms)], {
    cwd: repoDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const ended = new Promise<void>((resolve, reject) =>
    child.once('exit', (status) =>
      status === 0 ? resolve() : reject(new Error(`lock holder exited ${status}: ${err}`)),
    ),
  );
  ended.catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    ended.then(() => reject(new Error('lock holder ended before locking')), reject);
  });
  return { ended };
}

/**
 * Starts `processes` `node` processes on the compiled sources and releases them together into
 * migrate(), once each has opened the database.
 * Returns what each applied.
 */
async function migrateInProcesses(config: TestDbConfig, processes: number): Promise<number[][]> {
  const code = `
    import { pathToFileURL } from 'node:url';
    const [dist, json] = process.argv.slice(1);
    const cfg = JSON.parse(json);
    const load = (p) => import(pathToFileURL(dist + p).href);
    const { migrate } = await load('src/db/migrate.js');
    const { SqliteDatabase } = await load('src/db/sqlite.js');
    const { MysqlDatabase } = await load('src/db/mysql.js');
    const open = () =>
      cfg.type === 'sqlite'
        ? new SqliteDatabase(cfg.address)
        : new MysqlDatabase({ address: cfg.address, database: cfg.name, user: cfg.user, password: cfg.password });
    const db = open();
    await db.ping();
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    const applied = await migrate(db, { node: 'child-' + process.pid });
    await db.close();
    process.stdout.write(JSON.stringify(applied) + '\\n');
    process.stdin.destroy();
  `;
  const children = Array.from({ length: processes }, () => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', code, distDir, JSON.stringify(config)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => {
        if (out.startsWith('ready\n')) resolve();
      });
      child.once('exit', () => reject(new Error(`child exited before ready: ${err}`)));
    });
    const done = new Promise<number[]>((resolve, reject) => {
      child.once('exit', (status) => {
        if (status !== 0) reject(new Error(`migrating child exited ${status}:\n${err}`));
        else resolve(JSON.parse(out.split('\n')[1] ?? 'null') as number[]);
      });
    });
    // Whichever fails first is reported; the others' rejections must not go unhandled.
    ready.catch(() => undefined);
    done.catch(() => undefined);
    return { child, ready, done };
  });
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write('go\n');
    return await Promise.all(children.map((c) => c.done));
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  }
}
