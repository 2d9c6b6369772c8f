import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdminHarness } from './harness.js';
import { allPermissions, maskToPermissions } from '../../../src/model/permissions.js';
import { basic, startHarness } from './harness.js';

type Err = { error: { code: string; message: string } };
type UserOut = { username: string; perms: Record<string, string> };

describe('users', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('lists the bootstrap admin with every permission, never a password', async () => {
    const r = await h.call<{ users: UserOut[] }>('GET', '/api/users');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.users, [
      {
        username: 'admin',
        perms: {
          transfers: 'rwd',
          servers: 'rwd',
          partners: 'rwd',
          rules: 'rwd',
          users: 'rwd',
          administration: 'rwd',
        },
      },
    ]);
  });

  it('creates a user (201 + Location), who can then log in', async () => {
    const r = await h.call<UserOut>('POST', '/api/users', {
      username: 'alice',
      password: 'alice-password',
      perms: { transfers: 'rw-', servers: 'r--' },
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('location'), '/api/users/alice');
    assert.equal(r.body.perms.transfers, 'rw-');
    assert.equal(r.body.perms.users, '---');
    assert.ok(!('password' in r.body));
    const me = await h.call('GET', '/api/servers', undefined, { auth: basic('alice', 'alice-password') });
    assert.equal(me.status, 200);
  });

  it('stores a hash, not the password', async () => {
    const u = await h.ctx.stores.users.get('alice');
    assert.ok(u !== undefined);
    assert.doesNotMatch(u.passwordHash, /alice-pw/);
    assert.match(u.passwordHash, /^scrypt\$/);
  });

  it('refuses a duplicate username with 409', async () => {
    const r = await h.call<Err>('POST', '/api/users', { username: 'alice', password: 'another-password' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'E_CONFLICT');
  });

  it('applies chmod-like permission edits with PATCH', async () => {
    const r = await h.call<UserOut>('PATCH', '/api/users/alice', {
      perms: { transfers: '-w', servers: '+d', rules: '=r' },
    });
    assert.equal(r.status, 201);
    assert.deepEqual(
      { t: r.body.perms.transfers, s: r.body.perms.servers, r: r.body.perms.rules },
      { t: 'r--', s: 'r-d', r: 'r--' },
    );
    const again = await h.call<UserOut>('GET', '/api/users/alice');
    assert.equal(again.body.perms.servers, 'r-d');
  });

  it('refuses a bad permission string naming the target', async () => {
    const r = await h.call<Err>('PATCH', '/api/users/alice', { perms: { servers: 'rwx' } });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /perms\.servers/);
    const unknown = await h.call<Err>('PATCH', '/api/users/alice', { perms: { cheese: 'r--' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /perms\.cheese/);
  });

  it('renames with PATCH and answers the new Location', async () => {
    const r = await h.call('PATCH', '/api/users/alice', { username: 'alice2' });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('location'), '/api/users/alice2');
    assert.equal((await h.call('GET', '/api/users/alice')).status, 404);
    // The password was kept.
    assert.equal(
      (await h.call('GET', '/api/servers', undefined, { auth: basic('alice2', 'alice-password') })).status,
      200,
    );
  });

  it('replaces with PUT: omitted permissions are reset, the password is required', async () => {
    const missing = await h.call<Err>('PUT', '/api/users/alice2', { username: 'alice2' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /missing required field "password"/);
    const r = await h.call<UserOut>('PUT', '/api/users/alice2', {
      username: 'alice2',
      password: 'new-password-2',
      perms: { rules: 'r--' },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.perms.transfers, '---');
    assert.equal(r.body.perms.rules, 'r--');
    assert.equal(
      (await h.call('GET', '/api/rules', undefined, { auth: basic('alice2', 'new-password-2') })).status,
      200,
    );
    assert.equal(
      (await h.call('GET', '/api/rules', undefined, { auth: basic('alice2', 'alice-password') })).status,
      401,
    );
  });

  it('answers 403 with a clear message when a permission is missing', async () => {
    const auth = basic('alice2', 'new-password-2');
    const r = await h.call<Err>('GET', '/api/users', undefined, { auth });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'E_FORBIDDEN');
    assert.match(r.body.error.message, /"read" permission on "users"/);
    const write = await h.call<Err>('POST', '/api/rules', { name: 'r', isSend: true }, { auth });
    assert.equal(write.status, 403);
    assert.match(write.body.error.message, /"write" permission on "rules"/);
  });

  it('checks the body before anything: unknown field, wrong type, missing field', async () => {
    const unknown = await h.call<Err>('POST', '/api/users', {
      username: 'b',
      password: 'p-long-password',
      admin: true,
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /unknown field "admin"/);
    const wrong = await h.call<Err>('POST', '/api/users', { username: 42, password: 'p-long-password' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error.message, /field "username" must be a string, got a number/);
    const missing = await h.call<Err>('POST', '/api/users', { password: 'p-long-password' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /missing required field "username"/);
  });

  it('pages and sorts, and refuses bad paging parameters', async () => {
    await h.call('POST', '/api/users', { username: 'zed', password: 'p-long-password' });
    await h.call('POST', '/api/users', { username: 'bob', password: 'p-long-password' });
    const desc = await h.call<{ users: UserOut[] }>('GET', '/api/users?sort=username-&limit=2');
    assert.deepEqual(
      desc.body.users.map((u) => u.username),
      ['zed', 'bob'],
    );
    const asc = await h.call<{ users: UserOut[] }>('GET', '/api/users?sort=username%2B&offset=1&limit=1');
    assert.deepEqual(
      asc.body.users.map((u) => u.username),
      ['alice2'],
    );
    // `+` unencoded arrives as a space: still ascending.
    const plus = await h.call<{ users: UserOut[] }>('GET', '/api/users?sort=username+&limit=1');
    assert.deepEqual(
      plus.body.users.map((u) => u.username),
      ['admin'],
    );
    for (const q of [
      'sort=password+',
      'limit=0',
      'limit=5000',
      'limit=abc',
      'offset=-1',
      'colour=blue',
      'limit=1&limit=2',
    ]) {
      const r = await h.call<Err>('GET', `/api/users?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error.code, 'E_BAD_REQUEST', q);
    }
  });

  it('keeps the last user who can manage users: no delete, no demotion', async () => {
    const del = await h.call<Err>('DELETE', '/api/users/admin');
    assert.equal(del.status, 400);
    assert.match(del.body.error.message, /last user/);
    const demote = await h.call<Err>('PATCH', '/api/users/admin', { perms: { users: 'r--' } });
    assert.equal(demote.status, 400);
    assert.match(demote.body.error.message, /last user/);
    assert.equal((await h.call<UserOut>('GET', '/api/users/admin')).body.perms.users, 'rwd');
  });

  it('deletes a manager once another one exists (204), then refuses the last one', async () => {
    // Deleting the admin needs every right it holds (a user edits no user above it).
    await h.call('POST', '/api/users', {
      username: 'boss',
      password: 'boss-password',
      perms: maskToPermissions(allPermissions),
    });
    const boss = basic('boss', 'boss-password');
    const r = await h.call('DELETE', '/api/users/admin', undefined, { auth: boss });
    assert.equal(r.status, 204);
    assert.equal((await h.call('GET', '/api/users/admin', undefined, { auth: boss })).status, 404);
    const last = await h.call<Err>('DELETE', '/api/users/boss', undefined, { auth: boss });
    assert.equal(last.status, 400);
    assert.match(last.body.error.message, /last user/);
  });

  it('answers 404 for an unknown user', async () => {
    const r = await h.call<Err>('DELETE', '/api/users/nobody', undefined, {
      auth: basic('boss', 'boss-password'),
    });
    assert.equal(r.status, 404);
    assert.match(r.body.error.message, /user "nobody" not found/);
  });
});
