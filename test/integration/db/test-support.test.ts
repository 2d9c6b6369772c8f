/**
 * The test database helpers themselves: other suites trust them to give isolated databases
 * and to leave nothing running or on disk.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { migrations } from '../../../src/db/migrations.js';
import type * as MariaDbModule from '../../support/mariadb.js';
import { startMariaDb, startPrivateMariaDb } from '../../support/mariadb.js';
import { dbKindsUnderTest, openTestDatabase, testDbKind } from '../../support/test-db.js';
import { makeTempDir, removeTempDir, withTempDir } from '../../support/tmp.js';

const savedEnv = { ...process.env };
afterEach(() => {
  for (const k of ['WAARP_TEST_DB', 'WAARP_TEST_MARIADB_BINDIR', 'WAARP_TEST_MYSQL_URL']) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

void describe('test database helpers', { timeout: 120_000 }, () => {
  void it('tests both engines, and reads the per-run engine from WAARP_TEST_DB', () => {
    assert.deepEqual(dbKindsUnderTest(), ['sqlite', 'mysql']);
    delete process.env.WAARP_TEST_DB;
    assert.equal(testDbKind(), 'sqlite');
    process.env.WAARP_TEST_DB = 'mysql';
    assert.equal(testDbKind(), 'mysql');
    process.env.WAARP_TEST_DB = 'postgres';
    assert.throws(() => testDbKind(), /WAARP_TEST_DB/);
  });

  void it('makes and removes temp dirs', async () => {
    const dir = await makeTempDir('support');
    assert.ok(existsSync(dir));
    await removeTempDir(dir);
    assert.ok(!existsSync(dir));
    let seen = '';
    await assert.rejects(
      withTempDir('support', (d) => {
        seen = d;
        return Promise.reject(new Error('inside'));
      }),
      /inside/,
    );
    assert.ok(seen !== '' && !existsSync(seen), 'removed even when the callback throws');
  });

  void it('gives each MySQL test its own database on one shared server', async () => {
    await using a = await openTestDatabase('mysql');
    await using b = await openTestDatabase('mysql');
    assert.notEqual(a.config.name, b.config.name);
    assert.equal(a.config.address, b.config.address, 'one server per process');
    assert.match(a.config.address, /^127\.0\.0\.1:\d+$/);
    await a.run('CREATE TABLE only_in_a (x INT)');
    await assert.rejects(b.run('SELECT * FROM only_in_a'), /doesn't exist/);
    // Migrated by default, to the latest schema.
    assert.equal(
      Number((await b.get<{ c: number }>('SELECT COUNT(*) AS c FROM schema_migrations'))?.c),
      migrations.length,
    );
  });

  void it('createDatabase takes an exact name and refuses an existing one', async () => {
    await using server = await startMariaDb();
    const name = `waarp_exact_${process.pid}`;
    assert.equal(await server.createDatabase(name), name);
    await assert.rejects(server.createDatabase(name), /exists/);
    await assert.rejects(server.createDatabase('bad-name; DROP'), /bad test database name/);
    await server.dropDatabase(name);
    assert.equal(await server.createDatabase(name), name);
    await server.dropDatabase(name);
  });

  void it('closes a SQLite test database and removes its files', async () => {
    const db = await openTestDatabase('sqlite');
    const extra = db.connect();
    await extra.ping();
    assert.ok(existsSync(db.config.address));
    await db.close();
    await db.close(); // idempotent
    assert.ok(!existsSync(dirname(db.config.address)));
    await assert.rejects(extra.ping(), /not open/);
  });

  void it('a private server really stops', async () => {
    const server = await startPrivateMariaDb();
    const conn = { host: server.host, port: server.port, user: server.user, password: server.password };
    const c = await mysql.createConnection(conn);
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    assert.match(String(rows[0]?.v), /MariaDB/);
    await c.end();
    await server.stop();
    await server.stop(); // idempotent
    await assert.rejects(mysql.createConnection({ ...conn, connectTimeout: 2000 }), /ECONNREFUSED/);
  });

  void it('says how to install MariaDB when it is missing, rather than skipping', async () => {
    process.env.WAARP_TEST_MARIADB_BINDIR = await makeTempDir('empty-bin');
    await assert.rejects(startPrivateMariaDb(), /install mariadb-server/);
  });

  void it('only accepts a local WAARP_TEST_MYSQL_URL', async () => {
    process.env.WAARP_TEST_MYSQL_URL = 'mysql://u:p@db.example.com:3306';
    // The shared server may be running already; a private start ignores the URL. Check the
    // parser through a fresh module state instead: import with a cache-busting query.
    const fresh = (await import(`../../support/mariadb.js?fresh=${Date.now()}`)) as typeof MariaDbModule;
    await assert.rejects(fresh.startMariaDb(), /127\.0\.0\.1 or localhost/);
  });
});
