/**
 * Finding 8 of #15: secrets at rest. scrypt ran at N=2^14, r=8, p=1 (below OWASP's guidance); any
 * password was accepted (one character); the SQLite file was created 0644; a node that found no
 * AES key created one even when the database held secrets sealed with another key; a
 * `transfers:w` user could plan a push of `<GatewayHome>/passphrase.aes`.
 */
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import type { RunningNode } from '../../src/daemon/node.js';
import { startNode } from '../../src/daemon/node.js';
import { silentLogger } from '../../src/log.js';
import type { StartedGateway } from '../support/gateway.js';
import { startGateway } from '../support/gateway.js';
import { makeTempDir, removeTempDir } from '../support/tmp.js';
import { connect } from '../integration/sftp/client.js';
import { eventually } from '../integration/sftp/harness.js';
import { addSftpServer, basic, call } from './helpers.js';

/** A hash as the gateway stored them before the fix: scrypt N=2^14, r=8, p=1. */
function oldHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1 << 14, r: 8, p: 1 });
  return `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when the stored hash is scrypt at OWASP's current level (one of its equivalent settings). */
function atOwaspLevel(stored: string): boolean {
  const [kind, n, r, p] = stored.split('$');
  const levels: [number, number][] = [
    [1 << 17, 1],
    [1 << 16, 2],
    [1 << 15, 3],
    [1 << 14, 5],
    [1 << 13, 10],
  ];
  return kind === 'scrypt' && Number(r) >= 8 && levels.some(([nn, pp]) => Number(n) >= nn && Number(p) >= pp);
}

describe('secrets at rest (finding 8)', { timeout: 120_000 }, () => {
  let g: StartedGateway;
  before(async () => {
    g = await startGateway();
  });
  after(() => g?.stop());

  it("hashes new passwords with scrypt at OWASP's current parameters", async () => {
    assert.equal(
      (await call(g, 'POST', '/api/users', { username: 'fresh', password: 'fresh-long-password' })).status,
      201,
    );
    const u = await g.node.ctx.stores.users.get('fresh');
    assert.ok(
      u !== undefined && atOwaspLevel(u.passwordHash),
      u?.passwordHash.split('$').slice(0, 4).join('$'),
    );
  });

  it('rehashes an old REST user hash at its next login, and the login still works', async () => {
    await g.node.ctx.stores.users.create({
      username: 'legacy',
      passwordHash: oldHash('legacy-long-password'),
      permissions: 0,
    });
    const auth = basic('legacy', 'legacy-long-password');
    assert.equal((await call(g, 'GET', '/api/about', undefined, auth)).status, 200);
    const rehashed = await eventually(async () => {
      const u = await g.node.ctx.stores.users.get('legacy');
      return u !== undefined && atOwaspLevel(u.passwordHash) ? u.passwordHash : undefined;
    });
    assert.ok(rehashed.startsWith('scrypt$'));
    assert.equal((await call(g, 'GET', '/api/about', undefined, auth)).status, 200);
  });

  it('rehashes an old SFTP account hash at its next login', async () => {
    const port = await addSftpServer(g);
    const server = await g.node.ctx.stores.servers.get('sftp');
    assert.ok(server);
    const account = await g.node.ctx.stores.localAccounts.create({
      serverId: server.id,
      login: 'old-partner',
      passwordHash: oldHash('partner-long-password'),
      ipAddresses: [],
    });
    const c = await eventually(() =>
      connect(port, { username: 'old-partner', password: 'partner-long-password' }),
    );
    await c.end();
    await eventually(async () => {
      const a = await g.node.ctx.stores.localAccounts.getById(account.id);
      return a?.passwordHash !== null && a?.passwordHash !== undefined && atOwaspLevel(a.passwordHash);
    });
    const again = await connect(port, { username: 'old-partner', password: 'partner-long-password' });
    await again.end();
  });

  it('refuses passwords shorter than the minimum length, naming the field', async () => {
    const user = await call(g, 'POST', '/api/users', { username: 'weak', password: 'x' });
    assert.equal(user.status, 400);
    assert.match(user.body.error.message, /"password".*at least \d+ characters/);
    const account = await call(g, 'POST', '/api/servers/sftp/accounts', { login: 'weak', password: 'short' });
    assert.equal(account.status, 400);
    assert.match(account.body.error.message, /at least \d+ characters/);
  });

  it('creates the SQLite database and the AES key readable by the owner only', () => {
    for (const file of ['gateway.db', 'passphrase.aes']) {
      const mode = statSync(join(g.home, file)).mode & 0o777;
      assert.equal(mode & 0o077, 0, `${file} is ${mode.toString(8)}`);
    }
  });

  it("refuses to let a transfers:w user plan a push of the gateway's own files", async () => {
    const planner = basic('planner', 'planner-long-password');
    assert.equal(
      (
        await call(g, 'POST', '/api/users', {
          username: 'planner',
          password: 'planner-long-password',
          perms: { transfers: 'rw-' },
        })
      ).status,
      201,
    );
    assert.equal(
      (await call(g, 'POST', '/api/partners', { name: 'peer', protocol: 'sftp', address: '127.0.0.1:1' }))
        .status,
      201,
    );
    assert.equal(
      (await call(g, 'POST', '/api/partners/peer/accounts', { login: 'me', password: 'remote-secret' }))
        .status,
      201,
    );
    assert.equal((await call(g, 'POST', '/api/rules', { name: 'push', isSend: true })).status, 201);
    for (const file of [join(g.home, 'passphrase.aes'), join(g.home, 'gateway.db'), '../passphrase.aes']) {
      const r = await call(
        g,
        'POST',
        '/api/transfers',
        { rule: 'push', isSend: true, partner: 'peer', account: 'me', file },
        planner,
      );
      assert.equal(r.status, 400, file);
    }
  });
});

describe('the AES key belongs to the database (finding 8)', { timeout: 60_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aes-key');
    writeFileSync(
      join(dir, 'gatewayd.ini'),
      [
        '[global]',
        'GatewayName = key-test',
        '[paths]',
        'GatewayHome = home',
        '[log]',
        'Level = ERROR',
        '[admin]',
        'Host = 127.0.0.1',
        'Port = 0',
        '[database]',
        'Type = sqlite',
        'Address = gateway.db',
        'AESPassphrase = keys/passphrase.aes',
        '',
      ].join('\n'),
    );
  });
  after(() => removeTempDir(dir));

  const config = (): ReturnType<typeof loadConfig>['config'] =>
    loadConfig({
      file: join(dir, 'gatewayd.ini'),
      env: { WAARP_GATEWAY_ADMIN_PASSWORD: 'admin-long-password' },
    }).config;
  const keyFile = (): string => join(dir, 'keys', 'passphrase.aes');

  /** Asserts the node refuses to start, with a message matching `pattern` (stops it if it started). */
  async function refusesToStart(pattern: RegExp): Promise<void> {
    let node: RunningNode;
    try {
      node = await startNode(config(), silentLogger(), { databaseWaitMs: 1000 });
    } catch (err) {
      assert.match((err as Error).message, pattern);
      return;
    }
    await node.stop(0);
    assert.fail('the node started');
  }

  it('refuses to start with a new or another key when the database holds sealed secrets', async () => {
    const node = await startNode(config(), silentLogger(), { databaseWaitMs: 1000 });
    const partner = await node.ctx.stores.partners.create({
      name: 'peer',
      protocol: 'sftp',
      address: '127.0.0.1:1',
      protoConfig: {},
    });
    const account = await node.ctx.stores.remoteAccounts.create({ partnerId: partner.id, login: 'me' });
    await node.ctx.stores.credentials.create({
      owner: { kind: 'remoteAccount', id: account.id },
      name: 'password',
      type: 'password',
      value: node.ctx.secrets.encrypt('remote-secret'),
      value2: '',
    });
    await node.stop(0);

    rmSync(keyFile());
    await refusesToStart(/keys\/passphrase\.aes/);
    assert.equal(existsSync(keyFile()), false, 'no new key was left behind');

    writeFileSync(keyFile(), randomBytes(32), { mode: 0o600 });
    await refusesToStart(/keys\/passphrase\.aes/);
  });
});
