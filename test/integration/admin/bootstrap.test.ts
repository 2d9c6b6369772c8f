import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureAdminUser } from '../../../src/admin/bootstrap.js';
import { verifyPassword } from '../../../src/crypto/passwords.js';
import type { SqlDatabase } from '../../../src/db/sql.js';
import { allPermissions } from '../../../src/model/permissions.js';
import type { TestDatabase } from '../../support/test-db.js';
import { openTestDatabase, testDbKind } from '../../support/test-db.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';
import { makeContext, testConfig } from './harness.js';

describe('first admin user', () => {
  let db: TestDatabase;
  let home: string;
  before(async () => {
    db = await openTestDatabase(testDbKind());
    home = await makeTempDir('bootstrap');
  });
  after(async () => {
    await db.close();
    await removeTempDir(home);
  });

  const context = (gatewayName: string, database: SqlDatabase = db) => {
    const config = testConfig(home, home, undefined, db);
    return makeContext({ ...config, global: { gatewayName } }, database, 'n');
  };

  it('uses WAARP_GATEWAY_ADMIN_PASSWORD when set, and writes no file', async () => {
    const ctx = context('gw-env');
    const res = await ensureAdminUser(ctx, { WAARP_GATEWAY_ADMIN_PASSWORD: 'from-env' });
    assert.deepEqual(res, { created: true });
    const admin = await ctx.stores.users.get('admin');
    assert.ok(admin !== undefined);
    assert.equal(admin.permissions, allPermissions);
    assert.ok(await verifyPassword('from-env', admin.passwordHash));
    assert.equal(existsSync(join(home, 'admin-password')), false);
  });

  it('reads the password from WAARP_GATEWAY_ADMIN_PASSWORD_FILE (a mounted secret)', async () => {
    const ctx = context('gw-env-file');
    const secret = join(home, 'secret-admin-password');
    writeFileSync(secret, 'from-file\n', { mode: 0o600 });
    const res = await ensureAdminUser(ctx, { WAARP_GATEWAY_ADMIN_PASSWORD_FILE: secret });
    assert.deepEqual(res, { created: true });
    assert.ok(await verifyPassword('from-file', (await ctx.stores.users.get('admin'))!.passwordHash));
    await assert.rejects(
      ensureAdminUser(context('gw-env-file-missing'), {
        WAARP_GATEWAY_ADMIN_PASSWORD_FILE: `${secret}.nope`,
      }),
      /WAARP_GATEWAY_ADMIN_PASSWORD_FILE: cannot read .*nope: no such file/,
    );
  });

  it('does nothing once the gateway has a user', async () => {
    const ctx = context('gw-env');
    const res = await ensureAdminUser(ctx, { WAARP_GATEWAY_ADMIN_PASSWORD: 'other' });
    assert.deepEqual(res, { created: false });
    assert.ok(await verifyPassword('from-env', (await ctx.stores.users.get('admin'))!.passwordHash));
  });

  it('without the variable, writes a random password to <home>/admin-password (0600)', async () => {
    const ctx = context('gw-random');
    const res = await ensureAdminUser(ctx, {});
    assert.equal(res.created, true);
    const file = join(home, 'admin-password');
    assert.equal(res.passwordFile, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const password = readFileSync(file, 'utf8').trim();
    assert.ok(password.length >= 20, 'a long random password');
    assert.notEqual(password, 'admin_password');
    assert.ok(await verifyPassword(password, (await ctx.stores.users.get('admin'))!.passwordHash));
  });

  it('creates exactly one admin when three nodes start at once on one database', async () => {
    const connections = [db.connect(), db.connect(), db.connect()];
    const ctxs = connections.map((c) => context('gw-race', c));
    const results = await Promise.all(ctxs.map((c) => ensureAdminUser(c, {})));
    assert.equal(results.filter((r) => r.created).length, 1);
    const users = await ctxs[0]!.stores.users.list();
    assert.deepEqual(
      users.map((u) => u.username),
      ['admin'],
    );
    // The winner's password is the one on disk, and no temporary file is left behind.
    const password = readFileSync(join(home, 'admin-password'), 'utf8').trim();
    assert.ok(await verifyPassword(password, users[0]!.passwordHash));
    assert.deepEqual(
      readdirSync(home).filter((f) => f.includes('admin-password.')),
      [],
    );
  });

  it('is per gateway: another GatewayName on the same database gets its own admin', async () => {
    const ctx = context('gw-second');
    assert.equal((await ensureAdminUser(ctx, { WAARP_GATEWAY_ADMIN_PASSWORD: 'second' })).created, true);
    assert.ok(await verifyPassword('second', (await ctx.stores.users.get('admin'))!.passwordHash));
  });
});
