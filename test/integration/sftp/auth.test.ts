/**
 * Authentication and transport: passwords (wrong password and unknown login answer alike),
 * public keys, IP allow-lists, host keys (gateway-wide generated key, or the server's own
 * credentials) and the modern-only default algorithms.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gatewayHostKeySetting } from '../../../src/sftp/host-keys.js';
import type { ParsedKey } from '../../../src/sftp/ssh2.js';
import { utils } from '../../../src/sftp/ssh2.js';
import { generateKey } from '../../support/openssh.js';
import { makeTempDir } from '../../support/tmp.js';
import { connect, p } from './client.js';
import type { SftpHarness } from './harness.js';
import { eventually, startHarness } from './harness.js';

/** The SSH wire form of a key's public half. */
function publicBlob(text: string): Buffer {
  const parsed: unknown = utils.parseKey(text);
  const key = (Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed) as ParsedKey | Error | undefined;
  assert.ok(key !== undefined && !(key instanceof Error), 'a parsable key');
  return key.getPublicSSH();
}

async function authError(port: number, config: Parameters<typeof connect>[1]): Promise<Error> {
  try {
    const c = await connect(port, config);
    await c.end();
  } catch (err) {
    return err as Error;
  }
  assert.fail('the login should have been refused');
}

describe('SFTP authentication', { timeout: 60_000 }, () => {
  let h: SftpHarness;
  let keyFile: string;
  let otherKeyFile: string;

  before(async () => {
    h = await startHarness();
    const dir = await makeTempDir('sftp-auth');
    const key = await generateKey(dir, 'good');
    const other = await generateKey(dir, 'other');
    keyFile = key.file;
    otherKeyFile = other.file;
    await h.addAccount('carol', { password: 'carol-secret', publicKey: key.publicKey });
    await h.addAccount('dave', { password: 'dave-secret', ipAddresses: ['10.0.0.0/8', '192.168.1.7'] });
    await h.addAccount('erin', { password: 'erin-secret', ipAddresses: ['127.0.0.0/8'] });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
  });
  after(() => h.stop());

  it('accepts the right password', async () => {
    const c = await connect(h.port, { username: 'carol', password: 'carol-secret' });
    assert.deepEqual(await p.readdir(c.sftp, '/'), ['in']);
    await c.end();
  });

  it('refuses a wrong password and an unknown login with the same answer', async () => {
    const wrong = await authError(h.port, { username: 'carol', password: 'nope' });
    const unknown = await authError(h.port, { username: 'nobody', password: 'nope' });
    assert.match(wrong.message, /authentication methods failed/);
    assert.equal(unknown.message, wrong.message);
    assert.equal((unknown as { level?: string }).level, (wrong as { level?: string }).level);
  });

  it('accepts a registered public key and refuses another one', async () => {
    const c = await connect(h.port, { username: 'carol', privateKey: readFileSync(keyFile) });
    assert.deepEqual(await p.readdir(c.sftp, '/'), ['in']);
    await c.end();
    const err = await authError(h.port, { username: 'carol', privateKey: readFileSync(otherKeyFile) });
    assert.match(err.message, /authentication methods failed/);
  });

  it('applies the account IP allow-list (exact IPs and CIDRs)', async () => {
    const err = await authError(h.port, { username: 'dave', password: 'dave-secret' });
    assert.match(err.message, /authentication methods failed/);
    const c = await connect(h.port, { username: 'erin', password: 'erin-secret' });
    await c.end();
  });

  it('reads accounts from the database at every login (no cache)', async () => {
    const before = await connect(h.port, { username: 'erin', password: 'erin-secret' });
    await before.end();
    const erin = await h.stores.localAccounts.get(h.server.id, 'erin');
    assert.ok(erin);
    await h.stores.localAccounts.update(erin.id, { ...erin, ipAddresses: ['10.1.2.3'] });
    await authError(h.port, { username: 'erin', password: 'erin-secret' });
  });

  it('presents the gateway-wide generated host key, stored encrypted in the settings', async () => {
    const seen: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await connect(h.port, {
        username: 'carol',
        password: 'carol-secret',
        hostVerifier: (key: Buffer) => (seen.push(key), true),
      });
      await c.end();
    }
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0], seen[1]);
    const stored = await h.stores.settings.get(gatewayHostKeySetting);
    assert.ok(stored !== undefined && stored.startsWith('aesgcm:'), 'the private key is stored encrypted');
    assert.deepEqual(publicBlob(h.ctx.secrets.decrypt(stored)), seen[0]);
  });

  it("presents the server's own host keys once set (the listener restarts on the change)", async () => {
    const pair = utils.generateKeyPairSync('ecdsa', { bits: 256 });
    await h.stores.credentials.create({
      owner: { kind: 'server', id: h.server.id },
      name: 'hostkey',
      type: 'ssh_private_key',
      value: h.ctx.secrets.encrypt(pair.private),
      value2: '',
    });
    await h.stores.servers.touch(h.server.id);
    const want = publicBlob(pair.public);
    await eventually(async () => {
      let got: Buffer | undefined;
      const c = await connect(h.port, {
        username: 'carol',
        password: 'carol-secret',
        hostVerifier: (key: Buffer) => ((got = key), true),
      });
      await c.end();
      return got !== undefined && got.equals(want);
    });
  });

  it('refuses SHA-1 key exchanges and CBC ciphers by default', async () => {
    const kex = await authError(h.port, {
      username: 'carol',
      password: 'carol-secret',
      algorithms: { kex: ['diffie-hellman-group14-sha1'] },
    });
    assert.match(kex.message, /no matching/i);
    const cbc = await authError(h.port, {
      username: 'carol',
      password: 'carol-secret',
      algorithms: { cipher: ['aes128-cbc'] },
    });
    assert.match(cbc.message, /no matching/i);
  });

  it('takes the algorithm lists of the server protoConfig', async () => {
    await h.stores.servers.update(h.server.id, {
      ...h.server,
      protoConfig: {
        keyExchanges: ['diffie-hellman-group14-sha1', 'curve25519-sha256'],
        ciphers: ['aes128-cbc'],
      },
    });
    await eventually(async () => {
      const c = await connect(h.port, {
        username: 'carol',
        password: 'carol-secret',
        algorithms: { kex: ['diffie-hellman-group14-sha1'], cipher: ['aes128-cbc'] },
      }).catch(() => undefined);
      await c?.end();
      return c !== undefined;
    });
    await h.stores.servers.update(h.server.id, { ...h.server, protoConfig: { ciphers: ['no-such-cipher'] } });
    await eventually(() => h.ctx.services.list().find((s) => s.name === 'sftp-test')?.state === 'Error');
    const status = h.ctx.services.list().find((s) => s.name === 'sftp-test');
    assert.match(status?.reason ?? '', /unsupported no-such-cipher/);
    await h.stores.servers.update(h.server.id, { ...h.server, protoConfig: {} });
    await eventually(() => h.ctx.services.list().find((s) => s.name === 'sftp-test')?.state === 'Running');
  });
});
