import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyPassword } from '../../../src/crypto/passwords.js';
import type { AdminHarness } from './harness.js';
import { startHarness } from './harness.js';
import { generateEd25519KeyPair } from '../../../src/crypto/ssh-keygen.js';

type Err = { error: { code: string; message: string } };
type ServerOut = {
  name: string;
  protocol: string;
  address: string;
  enabled: boolean;
  rootDir: string;
  receiveDir: string;
  sendDir: string;
  tmpReceiveDir: string;
  protoConfig: Record<string, unknown>;
  credentials: string[];
  authorizedRules: { sending: string[]; reception: string[] };
};
type AccountOut = {
  login: string;
  ipAddresses: string[];
  credentials: string[];
  authorizedRules: ServerOut['authorizedRules'];
};

const hostKey = generateEd25519KeyPair();
const userKey = generateEd25519KeyPair();

describe('servers and local accounts', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness();
    await h.call('POST', '/api/rules', { name: 'in', isSend: false, path: 'in' });
  });
  after(async () => {
    await h.close();
  });

  describe('servers', () => {
    it('creates a server with the reference directory defaults', async () => {
      const r = await h.call<ServerOut>('POST', '/api/servers', {
        name: 'sftp1',
        protocol: 'sftp',
        address: '0.0.0.0:2222',
        rootDir: 'sftp1-root',
        protoConfig: { keyExchanges: ['curve25519-sha256'] },
      });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), '/api/servers/sftp1');
      assert.deepEqual(r.body, {
        name: 'sftp1',
        protocol: 'sftp',
        address: '0.0.0.0:2222',
        enabled: true,
        rootDir: 'sftp1-root',
        receiveDir: 'in',
        sendDir: 'out',
        tmpReceiveDir: 'tmp',
        protoConfig: { keyExchanges: ['curve25519-sha256'] },
        credentials: [],
        authorizedRules: { sending: [], reception: [] },
      });
    });

    it('refuses a duplicate name (409), a bad address, an unknown protocol and a missing field (400)', async () => {
      const dup = await h.call<Err>('POST', '/api/servers', {
        name: 'sftp1',
        protocol: 'sftp',
        address: '0.0.0.0:2223',
      });
      assert.equal(dup.status, 409);
      const addr = await h.call<Err>('POST', '/api/servers', {
        name: 's2',
        protocol: 'sftp',
        address: 'nowhere',
      });
      assert.equal(addr.status, 400);
      assert.match(addr.body.error.message, /field "address"/);
      const proto = await h.call<Err>('POST', '/api/servers', {
        name: 's2',
        protocol: 'r66',
        address: 'h:1',
      });
      assert.equal(proto.status, 400);
      assert.match(proto.body.error.message, /field "protocol" must be one of sftp/);
      const missing = await h.call<Err>('POST', '/api/servers', { name: 's2', protocol: 'sftp' });
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /missing required field "address"/);
      const type = await h.call<Err>('POST', '/api/servers', {
        name: 's2',
        protocol: 'sftp',
        address: 'h:1',
        protoConfig: [],
      });
      assert.equal(type.status, 400);
      assert.match(type.body.error.message, /field "protoConfig" must be an object/);
    });

    it('lists with a protocol filter and sort keys', async () => {
      await h.call('POST', '/api/servers', { name: 'a-srv', protocol: 'sftp', address: '127.0.0.1:2224' });
      const r = await h.call<{ servers: ServerOut[] }>('GET', '/api/servers?sort=name-&protocol=sftp');
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.servers.map((s) => s.name),
        ['sftp1', 'a-srv'],
      );
      const none = await h.call<{ servers: ServerOut[] }>('GET', '/api/servers?protocol=ftp');
      assert.deepEqual(none.body.servers, []);
      const bad = await h.call<Err>('GET', '/api/servers?sort=address');
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /"sort" must be one of name\+/);
    });

    it('PATCH keeps omitted fields; PUT resets them', async () => {
      const patched = await h.call<ServerOut>('PATCH', '/api/servers/a-srv', { address: '127.0.0.1:2299' });
      assert.equal(patched.status, 201);
      assert.equal(patched.body.address, '127.0.0.1:2299');
      await h.call('PATCH', '/api/servers/a-srv', { sendDir: 'outbox' });
      const put = await h.call<ServerOut>('PUT', '/api/servers/a-srv', {
        name: 'b-srv',
        protocol: 'sftp',
        address: '127.0.0.1:2300',
      });
      assert.equal(put.status, 201);
      assert.equal(put.headers.get('location'), '/api/servers/b-srv');
      assert.equal(put.body.sendDir, '');
      assert.equal((await h.call('GET', '/api/servers/a-srv')).status, 404);
    });

    it('enable/disable/start/stop/restart write the database (202) for every node to apply', async () => {
      const before = (await h.ctx.stores.servers.get('sftp1'))!;
      for (const [action, enabled] of [
        ['disable', false],
        ['enable', true],
        ['stop', false],
        ['start', true],
      ] as const) {
        const r = await h.call('PUT', `/api/servers/sftp1/${action}`);
        assert.equal(r.status, 202, action);
        assert.equal((await h.ctx.stores.servers.get('sftp1'))!.enabled, enabled, action);
      }
      const restart = await h.call('PUT', '/api/servers/sftp1/restart');
      assert.equal(restart.status, 202);
      const after = (await h.ctx.stores.servers.get('sftp1'))!;
      assert.equal(after.revision, before.revision + 5);
      assert.equal((await h.call('PUT', '/api/servers/nope/start')).status, 404);
    });

    it('stores a host key encrypted, shows only its public half, and bumps the revision', async () => {
      const before = (await h.ctx.stores.servers.get('sftp1'))!.revision;
      const r = await h.call<{ name: string; type: string; value: string }>(
        'POST',
        '/api/servers/sftp1/credentials',
        {
          name: 'hostkey',
          type: 'ssh_private_key',
          value: hostKey.private,
        },
      );
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), '/api/servers/sftp1/credentials/hostkey');
      assert.equal(r.body.value, hostKey.public.split(' ').slice(0, 2).join(' '));
      const server = (await h.ctx.stores.servers.get('sftp1'))!;
      assert.equal(server.revision, before + 1);
      const stored = await h.ctx.stores.credentials.get({ kind: 'server', id: server.id }, 'hostkey');
      assert.ok(stored !== undefined && stored.value.startsWith('aesgcm:'));
      assert.equal(h.ctx.secrets.decrypt(stored.value), hostKey.private);
      const get = await h.call<{ value: string }>('GET', '/api/servers/sftp1/credentials/hostkey');
      assert.equal(get.status, 200);
      assert.doesNotMatch(JSON.stringify(get.body), /PRIVATE/);
      assert.deepEqual((await h.call<ServerOut>('GET', '/api/servers/sftp1')).body.credentials, ['hostkey']);
    });

    it('refuses a bad key, a public key as host key, a wrong type and a duplicate name', async () => {
      const garbage = await h.call<Err>('POST', '/api/servers/sftp1/credentials', {
        name: 'k2',
        type: 'ssh_private_key',
        value: 'not a key',
      });
      assert.equal(garbage.status, 400);
      assert.match(garbage.body.error.message, /not a valid SSH private key/);
      const pub = await h.call<Err>('POST', '/api/servers/sftp1/credentials', {
        name: 'k2',
        type: 'ssh_private_key',
        value: hostKey.public,
      });
      assert.equal(pub.status, 400);
      assert.match(pub.body.error.message, /public key was given/);
      const type = await h.call<Err>('POST', '/api/servers/sftp1/credentials', {
        type: 'password',
        value: 'x',
      });
      assert.equal(type.status, 400);
      assert.match(
        type.body.error.message,
        /not a credential type for a server \(allowed: ssh_private_key\)/,
      );
      const dup = await h.call<Err>('POST', '/api/servers/sftp1/credentials', {
        name: 'hostkey',
        type: 'ssh_private_key',
        value: hostKey.private,
      });
      assert.equal(dup.status, 409);
    });

    it('deletes a credential (204) and bumps the revision; 404 after', async () => {
      const before = (await h.ctx.stores.servers.get('sftp1'))!.revision;
      assert.equal((await h.call('DELETE', '/api/servers/sftp1/credentials/hostkey')).status, 204);
      assert.equal((await h.ctx.stores.servers.get('sftp1'))!.revision, before + 1);
      assert.equal((await h.call('GET', '/api/servers/sftp1/credentials/hostkey')).status, 404);
      assert.equal((await h.call('DELETE', '/api/servers/sftp1/credentials/hostkey')).status, 404);
    });

    it('authorizes and revokes a rule; the output shows it', async () => {
      const auth = await h.call<{ message: string }>('PUT', '/api/servers/sftp1/authorize/in/receive');
      assert.equal(auth.status, 200);
      assert.match(auth.body.message, /restricted/);
      const s = await h.call<ServerOut>('GET', '/api/servers/sftp1');
      assert.deepEqual(s.body.authorizedRules, { sending: [], reception: ['in'] });
      const rule = await h.call<{ authorized: { servers: string[] } }>('GET', '/api/rules/in/receive');
      assert.deepEqual(rule.body.authorized.servers, ['sftp1']);
      const again = await h.call<{ message: string }>('PUT', '/api/servers/sftp1/authorize/in/receive');
      assert.match(again.body.message, /already/);
      const revoke = await h.call<{ message: string }>('PUT', '/api/servers/sftp1/revoke/in/receive');
      assert.equal(revoke.status, 200);
      assert.match(revoke.body.message, /open to everyone/);
      assert.deepEqual(
        (await h.call<ServerOut>('GET', '/api/servers/sftp1')).body.authorizedRules.reception,
        [],
      );
      assert.equal((await h.call('PUT', '/api/servers/sftp1/authorize/in/send')).status, 404);
      assert.equal((await h.call<Err>('PUT', '/api/servers/sftp1/authorize/in/sideways')).status, 400);
    });
  });

  describe('local accounts', () => {
    it('creates an account with a hashed password and an IP allow-list', async () => {
      const r = await h.call<AccountOut>('POST', '/api/servers/sftp1/accounts', {
        login: 'bob',
        password: 'bob-password',
        ipAddresses: ['10.0.0.1', '192.168.0.0/16'],
      });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), '/api/servers/sftp1/accounts/bob');
      assert.deepEqual(r.body, {
        login: 'bob',
        ipAddresses: ['10.0.0.1', '192.168.0.0/16'],
        credentials: ['password'],
        authorizedRules: { sending: [], reception: [] },
      });
      const server = (await h.ctx.stores.servers.get('sftp1'))!;
      const a = (await h.ctx.stores.localAccounts.get(server.id, 'bob'))!;
      assert.ok(await verifyPassword('bob-password', a.passwordHash!));
    });

    it('refuses a bad IP, a duplicate login and an unknown server', async () => {
      const ip = await h.call<Err>('POST', '/api/servers/sftp1/accounts', {
        login: 'x',
        ipAddresses: ['10.0.0.300'],
      });
      assert.equal(ip.status, 400);
      assert.match(ip.body.error.message, /ipAddresses\[0\]/);
      const dup = await h.call('POST', '/api/servers/sftp1/accounts', { login: 'bob' });
      assert.equal(dup.status, 409);
      const srv = await h.call<Err>('POST', '/api/servers/ghost/accounts', { login: 'x' });
      assert.equal(srv.status, 404);
      assert.match(srv.body.error.message, /server "ghost" not found/);
    });

    it('lists and gets accounts', async () => {
      await h.call('POST', '/api/servers/sftp1/accounts', { login: 'amy' });
      const list = await h.call<{ localAccounts: AccountOut[] }>(
        'GET',
        '/api/servers/sftp1/accounts?sort=login-',
      );
      assert.deepEqual(
        list.body.localAccounts.map((a) => a.login),
        ['bob', 'amy'],
      );
      const amy = await h.call<AccountOut>('GET', '/api/servers/sftp1/accounts/amy');
      assert.deepEqual(amy.body.credentials, []);
      assert.equal((await h.call('GET', '/api/servers/sftp1/accounts/zoe')).status, 404);
    });

    it('adds an SSH public key (stored in OpenSSH form) and a password credential', async () => {
      const key = await h.call<{ value: string }>('POST', '/api/servers/sftp1/accounts/amy/credentials', {
        name: 'laptop',
        type: 'ssh_public_key',
        value: userKey.public + ' amy@laptop',
      });
      assert.equal(key.status, 201);
      assert.equal(key.body.value, userKey.public.split(' ').slice(0, 2).join(' '));
      const pw = await h.call('POST', '/api/servers/sftp1/accounts/amy/credentials', {
        type: 'password',
        value: 'amy-password',
      });
      assert.equal(pw.status, 201);
      assert.equal(pw.headers.get('location'), '/api/servers/sftp1/accounts/amy/credentials/password');
      const amy = await h.call<AccountOut>('GET', '/api/servers/sftp1/accounts/amy');
      assert.deepEqual(amy.body.credentials, ['password', 'laptop']);
      const server = (await h.ctx.stores.servers.get('sftp1'))!;
      const a = (await h.ctx.stores.localAccounts.get(server.id, 'amy'))!;
      assert.ok(await verifyPassword('amy-password', a.passwordHash!));
      const bad = await h.call<Err>('POST', '/api/servers/sftp1/accounts/amy/credentials', {
        name: 'k',
        type: 'ssh_public_key',
        value: userKey.private,
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /private key was given/);
      const misnamed = await h.call<Err>('POST', '/api/servers/sftp1/accounts/amy/credentials', {
        name: 'pw2',
        type: 'password',
        value: 'x',
      });
      assert.equal(misnamed.status, 400);
    });

    it('deletes the password credential: the account keeps only its key', async () => {
      assert.equal((await h.call('GET', '/api/servers/sftp1/accounts/amy/credentials/password')).status, 200);
      assert.equal(
        (await h.call('DELETE', '/api/servers/sftp1/accounts/amy/credentials/password')).status,
        204,
      );
      const amy = await h.call<AccountOut>('GET', '/api/servers/sftp1/accounts/amy');
      assert.deepEqual(amy.body.credentials, ['laptop']);
      assert.equal((await h.call('GET', '/api/servers/sftp1/accounts/amy/credentials/password')).status, 404);
    });

    it('PATCH renames and keeps the password; PUT resets the IP list but keeps the password', async () => {
      const p = await h.call<AccountOut>('PATCH', '/api/servers/sftp1/accounts/bob', { login: 'robert' });
      assert.equal(p.status, 201);
      assert.equal(p.headers.get('location'), '/api/servers/sftp1/accounts/robert');
      assert.deepEqual(p.body.ipAddresses, ['10.0.0.1', '192.168.0.0/16']);
      const put = await h.call<AccountOut>('PUT', '/api/servers/sftp1/accounts/robert', { login: 'robert' });
      assert.deepEqual(put.body.ipAddresses, []);
      assert.deepEqual(put.body.credentials, ['password']);
    });

    it('authorizes an account on a rule', async () => {
      assert.equal(
        (await h.call('PUT', '/api/servers/sftp1/accounts/robert/authorize/in/receive')).status,
        200,
      );
      const rule = await h.call<{ authorized: { localAccounts: Record<string, string[]> } }>(
        'GET',
        '/api/rules/in/receive',
      );
      assert.deepEqual(rule.body.authorized.localAccounts, { sftp1: ['robert'] });
      const acc = await h.call<AccountOut>('GET', '/api/servers/sftp1/accounts/robert');
      assert.deepEqual(acc.body.authorizedRules.reception, ['in']);
      assert.equal((await h.call('PUT', '/api/servers/sftp1/accounts/robert/revoke/in/receive')).status, 200);
      const after = await h.call<AccountOut>('GET', '/api/servers/sftp1/accounts/robert');
      assert.deepEqual(after.body.authorizedRules.reception, []);
    });

    it('deletes an account (204), then the server with its accounts (204)', async () => {
      assert.equal((await h.call('DELETE', '/api/servers/sftp1/accounts/amy')).status, 204);
      assert.equal((await h.call('GET', '/api/servers/sftp1/accounts/amy')).status, 404);
      assert.equal((await h.call('DELETE', '/api/servers/sftp1')).status, 204);
      assert.equal((await h.call('GET', '/api/servers/sftp1')).status, 404);
      assert.equal((await h.call('GET', '/api/servers/sftp1/accounts')).status, 404);
    });
  });

  describe('permissions', () => {
    it('needs servers:r to read, servers:w to write, servers:d to delete', async () => {
      await h.call('POST', '/api/servers', { name: 'perm-srv', protocol: 'sftp', address: '127.0.0.1:2400' });
      const reader = await h.addUser('srv-reader', { servers: 'r--' });
      assert.equal((await h.call('GET', '/api/servers', undefined, { auth: reader })).status, 200);
      assert.equal(
        (await h.call('PUT', '/api/servers/perm-srv/stop', undefined, { auth: reader })).status,
        403,
      );
      assert.equal(
        (await h.call('DELETE', '/api/servers/perm-srv', undefined, { auth: reader })).status,
        403,
      );
      const other = await h.addUser('partner-only', { partners: 'rwd' });
      assert.equal((await h.call('GET', '/api/servers/perm-srv', undefined, { auth: other })).status, 403);
      assert.equal(
        (await h.call('GET', '/api/servers/perm-srv/accounts', undefined, { auth: other })).status,
        403,
      );
    });
  });
});
