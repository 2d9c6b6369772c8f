import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import type { AdminHarness } from './harness.js';
import { startHarness } from './harness.js';
import { generateEd25519KeyPair } from '../../../src/crypto/ssh-keygen.js';

type Err = { error: { code: string; message: string } };
type PartnerOut = {
  name: string;
  protocol: string;
  address: string;
  protoConfig: Record<string, unknown>;
  credentials: string[];
  authorizedRules: { sending: string[]; reception: string[] };
};
type RemoteAccountOut = {
  login: string;
  credentials: string[];
  authorizedRules: PartnerOut['authorizedRules'];
};
type ClientOut = {
  name: string;
  protocol: string;
  enabled: boolean;
  localAddress: string;
  nbOfAttempts: number;
  firstRetryDelay: number;
  retryIncrementFactor: number;
  protoConfig: Record<string, unknown>;
};

const partnerHostKey = generateEd25519KeyPair();
const clientKey = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });

describe('partners, remote accounts and clients', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startHarness();
    await h.call('POST', '/api/rules', { name: 'out', isSend: true, path: 'out' });
  });
  after(async () => {
    await h.close();
  });

  describe('partners', () => {
    it('creates, gets and lists partners', async () => {
      const r = await h.call<PartnerOut>('POST', '/api/partners', {
        name: 'acme',
        protocol: 'sftp',
        address: 'sftp.acme.test:22',
        protoConfig: { ciphers: ['aes128-ctr'] },
      });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), '/api/partners/acme');
      assert.deepEqual(r.body, {
        name: 'acme',
        protocol: 'sftp',
        address: 'sftp.acme.test:22',
        protoConfig: { ciphers: ['aes128-ctr'] },
        credentials: [],
        authorizedRules: { sending: [], reception: [] },
      });
      await h.call('POST', '/api/partners', { name: 'zeta', protocol: 'sftp', address: '[::1]:2022' });
      const list = await h.call<{ partners: PartnerOut[] }>('GET', '/api/partners?sort=name-');
      assert.deepEqual(
        list.body.partners.map((p) => p.name),
        ['zeta', 'acme'],
      );
      assert.equal((await h.call('GET', '/api/partners/nope')).status, 404);
    });

    it('refuses a duplicate (409) and bad fields (400)', async () => {
      assert.equal(
        (await h.call('POST', '/api/partners', { name: 'acme', protocol: 'sftp', address: 'a:1' })).status,
        409,
      );
      const slash = await h.call<Err>('POST', '/api/partners', {
        name: 'a/b',
        protocol: 'sftp',
        address: 'a:1',
      });
      assert.equal(slash.status, 400);
      assert.match(slash.body.error.message, /field "name"/);
      const port = await h.call<Err>('POST', '/api/partners', {
        name: 'p',
        protocol: 'sftp',
        address: 'a:99999',
      });
      assert.equal(port.status, 400);
    });

    it('PATCH changes one field, PUT resets protoConfig', async () => {
      const p = await h.call<PartnerOut>('PATCH', '/api/partners/acme', { address: 'sftp2.acme.test:22' });
      assert.equal(p.status, 201);
      assert.deepEqual(p.body.protoConfig, { ciphers: ['aes128-ctr'] });
      const put = await h.call<PartnerOut>('PUT', '/api/partners/acme', {
        name: 'acme',
        protocol: 'sftp',
        address: 'sftp2.acme.test:22',
      });
      assert.deepEqual(put.body.protoConfig, {});
    });

    it('pins the partner host key as an ssh_public_key credential', async () => {
      const r = await h.call<{ type: string; value: string }>('POST', '/api/partners/acme/credentials', {
        type: 'ssh_public_key',
        value: partnerHostKey.public,
      });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), '/api/partners/acme/credentials/ssh_public_key');
      assert.equal(r.body.value, partnerHostKey.public);
      const got = await h.call<{ name: string; type: string; value: string }>(
        'GET',
        '/api/partners/acme/credentials/ssh_public_key',
      );
      assert.deepEqual(got.body, {
        name: 'ssh_public_key',
        type: 'ssh_public_key',
        value: partnerHostKey.public,
      });
      const wrong = await h.call<Err>('POST', '/api/partners/acme/credentials', {
        type: 'ssh_private_key',
        value: 'x',
      });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body.error.message, /allowed: ssh_public_key/);
    });
  });

  describe('remote accounts', () => {
    it('creates an account whose password is stored encrypted as a credential', async () => {
      const r = await h.call<RemoteAccountOut>('POST', '/api/partners/acme/accounts', {
        login: 'gw',
        password: 's3cret',
      });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), '/api/partners/acme/accounts/gw');
      assert.deepEqual(r.body, {
        login: 'gw',
        credentials: ['password'],
        authorizedRules: { sending: [], reception: [] },
      });
      const partner = (await h.ctx.stores.partners.get('acme'))!;
      const a = (await h.ctx.stores.remoteAccounts.get(partner.id, 'gw'))!;
      const cred = await h.ctx.stores.credentials.get({ kind: 'remoteAccount', id: a.id }, 'password');
      assert.ok(cred !== undefined);
      assert.notEqual(cred.value, 's3cret');
      assert.equal(h.ctx.secrets.decrypt(cred.value), 's3cret');
      const shown = await h.call('GET', '/api/partners/acme/accounts/gw/credentials/password');
      assert.deepEqual(shown.body, { name: 'password', type: 'password' });
    });

    it('changes the password with PATCH and renames', async () => {
      const r = await h.call<RemoteAccountOut>('PATCH', '/api/partners/acme/accounts/gw', {
        login: 'gw2',
        password: 'n3w',
      });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), '/api/partners/acme/accounts/gw2');
      const partner = (await h.ctx.stores.partners.get('acme'))!;
      const a = (await h.ctx.stores.remoteAccounts.get(partner.id, 'gw2'))!;
      const cred = await h.ctx.stores.credentials.get({ kind: 'remoteAccount', id: a.id }, 'password');
      assert.equal(h.ctx.secrets.decrypt(cred!.value), 'n3w');
    });

    it('adds a client private key (encrypted); refuses unknown types', async () => {
      const r = await h.call<{ value: string }>('POST', '/api/partners/acme/accounts/gw2/credentials', {
        name: 'key',
        type: 'ssh_private_key',
        value: clientKey.private,
      });
      assert.equal(r.status, 201);
      assert.match(r.body.value, /^ecdsa-sha2-nistp256 /);
      const list = await h.call<{ remoteAccounts: RemoteAccountOut[] }>('GET', '/api/partners/acme/accounts');
      assert.deepEqual(list.body.remoteAccounts[0]?.credentials, ['key', 'password']);
      const bad = await h.call<Err>('POST', '/api/partners/acme/accounts/gw2/credentials', {
        type: 'tls_certificate',
        value: 'x',
      });
      assert.equal(bad.status, 400);
    });

    it('authorizes a partner and an account on a rule', async () => {
      assert.equal((await h.call('PUT', '/api/partners/acme/authorize/out/send')).status, 200);
      assert.equal((await h.call('PUT', '/api/partners/acme/accounts/gw2/authorize/out/send')).status, 200);
      const rule = await h.call<{
        authorized: { partners: string[]; remoteAccounts: Record<string, string[]> };
      }>('GET', '/api/rules/out/send');
      assert.deepEqual(rule.body.authorized.partners, ['acme']);
      assert.deepEqual(rule.body.authorized.remoteAccounts, { acme: ['gw2'] });
      const p = await h.call<PartnerOut>('GET', '/api/partners/acme');
      assert.deepEqual(p.body.authorizedRules, { sending: ['out'], reception: [] });
      assert.equal((await h.call('PUT', '/api/partners/acme/revoke/out/send')).status, 200);
    });

    it('needs partners permissions', async () => {
      const auth = await h.addUser('servers-only', { servers: 'rwd' });
      assert.equal((await h.call('GET', '/api/partners/acme/accounts', undefined, { auth })).status, 403);
      const rulesOnly = await h.addUser('rules-only', { rules: 'rw-' });
      // authorize/revoke are guarded by the rules permission, as the reference.
      assert.equal(
        (await h.call('PUT', '/api/partners/acme/authorize/out/send', undefined, { auth: rulesOnly })).status,
        200,
      );
    });

    it('PUT replaces an account (login required), keeps its password; revoke and credential delete', async () => {
      const missing = await h.call<Err>('PUT', '/api/partners/acme/accounts/gw2', {});
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /missing required field "login"/);
      const put = await h.call<RemoteAccountOut>('PUT', '/api/partners/acme/accounts/gw2', { login: 'gw2' });
      assert.equal(put.status, 201);
      assert.deepEqual(put.body.credentials, ['key', 'password']);
      const revoke = await h.call<{ message: string }>(
        'PUT',
        '/api/partners/acme/accounts/gw2/revoke/out/send',
      );
      assert.equal(revoke.status, 200);
      assert.match(revoke.body.message, /no longer authorized/);
      const rule = await h.call<{ authorized: { remoteAccounts: object } }>('GET', '/api/rules/out/send');
      assert.deepEqual(rule.body.authorized.remoteAccounts, {});
      assert.equal((await h.call('DELETE', '/api/partners/acme/accounts/gw2/credentials/key')).status, 204);
      assert.equal((await h.call('GET', '/api/partners/acme/accounts/gw2/credentials/key')).status, 404);
      assert.equal((await h.call('DELETE', '/api/partners/acme/credentials/ssh_public_key')).status, 204);
      assert.deepEqual((await h.call<PartnerOut>('GET', '/api/partners/acme')).body.credentials, []);
    });

    it('deletes an account and a partner', async () => {
      assert.equal((await h.call('DELETE', '/api/partners/acme/accounts/gw2')).status, 204);
      assert.equal((await h.call('GET', '/api/partners/acme/accounts/gw2')).status, 404);
      assert.equal((await h.call('DELETE', '/api/partners/zeta')).status, 204);
      assert.equal((await h.call('DELETE', '/api/partners/zeta')).status, 404);
    });
  });

  describe('clients', () => {
    it('creates a client with defaults: enabled, no retry', async () => {
      const r = await h.call<ClientOut>('POST', '/api/clients', { name: 'sftp-out', protocol: 'sftp' });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), '/api/clients/sftp-out');
      assert.deepEqual(r.body, {
        name: 'sftp-out',
        protocol: 'sftp',
        enabled: true,
        localAddress: '',
        nbOfAttempts: 0,
        firstRetryDelay: 0,
        retryIncrementFactor: 1,
        protoConfig: {},
      });
    });

    it('takes `disabled` in and shows `enabled` out', async () => {
      const r = await h.call<ClientOut>('POST', '/api/clients', {
        name: 'sftp-slow',
        protocol: 'sftp',
        disabled: true,
        localAddress: '127.0.0.1',
        nbOfAttempts: 3,
        firstRetryDelay: 30,
        retryIncrementFactor: 2.5,
      });
      assert.equal(r.status, 201);
      assert.equal(r.body.enabled, false);
      assert.equal(r.body.retryIncrementFactor, 2.5);
      const bad = await h.call<Err>('POST', '/api/clients', {
        name: 'x',
        protocol: 'sftp',
        nbOfAttempts: 1.5,
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /field "nbOfAttempts" must be an integer/);
      const neg = await h.call<Err>('POST', '/api/clients', {
        name: 'x',
        protocol: 'sftp',
        firstRetryDelay: -1,
      });
      assert.equal(neg.status, 400);
    });

    it('enable/disable/start/stop/restart answer 202 and set enabled', async () => {
      for (const [action, enabled] of [
        ['enable', true],
        ['stop', false],
        ['start', true],
        ['disable', false],
        ['restart', false],
      ] as const) {
        const r = await h.call('PUT', `/api/clients/sftp-slow/${action}`);
        assert.equal(r.status, 202, action);
        assert.equal(
          (await h.call<ClientOut>('GET', '/api/clients/sftp-slow')).body.enabled,
          enabled,
          action,
        );
      }
    });

    it('lists, patches, replaces and deletes', async () => {
      const list = await h.call<{ clients: ClientOut[] }>('GET', '/api/clients?sort=name-&protocol=sftp');
      assert.deepEqual(
        list.body.clients.map((c) => c.name),
        ['sftp-slow', 'sftp-out'],
      );
      const p = await h.call<ClientOut>('PATCH', '/api/clients/sftp-slow', { nbOfAttempts: 5 });
      assert.equal(p.body.nbOfAttempts, 5);
      assert.equal(p.body.firstRetryDelay, 30);
      const put = await h.call<ClientOut>('PUT', '/api/clients/sftp-slow', {
        name: 'sftp-fast',
        protocol: 'sftp',
      });
      assert.equal(put.headers.get('location'), '/api/clients/sftp-fast');
      assert.equal(put.body.nbOfAttempts, 0);
      assert.equal(put.body.enabled, true);
      assert.equal((await h.call('DELETE', '/api/clients/sftp-fast')).status, 204);
      assert.equal((await h.call('GET', '/api/clients/sftp-fast')).status, 404);
    });

    it('is guarded by the servers permission', async () => {
      const auth = await h.addUser('partners-user', { partners: 'rwd' });
      assert.equal((await h.call('GET', '/api/clients', undefined, { auth })).status, 403);
    });
  });
});
