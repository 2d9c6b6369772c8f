/**
 * The proxy trust rule on a node with no `[admin] TrustedProxies` (the default): nobody may
 * choose its own address. A server declared with `proxyProtocol: true` is refused, naming the
 * setting, by its listener and by the REST API; a PROXY header claiming an allowed address
 * gets nobody in.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeProxyV2 } from '../../../src/sftp/proxy-protocol.js';
import { Client } from '../../../src/sftp/ssh2.js';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';
import type { SshKey } from '../../support/openssh.js';
import { generateKey } from '../../support/openssh.js';
import { freePort } from '../../support/sshd.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';
import { eventually } from './harness.js';
import { declareLocalAccount, sftpServer } from '../../support/declare.js';

/** Logs in with `key` over a TCP connection that starts with a PROXY header claiming `claimed`. */
function loginClaiming(port: number, claimed: string, user: string, key: SshKey): Promise<string> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ port, host: '127.0.0.1' });
    sock.on('error', (err) => resolve(`socket: ${err.message}`));
    sock.once('connect', () => {
      sock.write(encodeProxyV2({ address: claimed, port: 40000 }, { address: '127.0.0.1', port }));
      const conn = new Client();
      conn.on('ready', () => {
        conn.end();
        resolve('logged in');
      });
      conn.on('error', (err) => resolve(`ssh: ${err.message}`));
      conn.connect({ sock, username: user, privateKey: readFileSync(key.file), readyTimeout: 5000 });
    });
  });
}

describe('PROXY protocol with nobody trusted', { timeout: 60_000 }, () => {
  let g: StartedGateway;
  let dir: string;
  let key: SshKey;
  let port: number;

  before(async () => {
    g = await startGateway();
    dir = await makeTempDir('proxy-trust');
    key = await generateKey(dir);
    port = await freePort();
    const { stores } = g.node.ctx;
    const server = await stores.servers.create(
      sftpServer('behind-lb', `127.0.0.1:${port}`, { protoConfig: { proxyProtocol: true } }),
    );
    await declareLocalAccount(stores, server.id, 'alice', {
      publicKey: key.publicKey,
      ipAddresses: ['203.0.113.77'],
    });
  });

  after(async () => {
    await g?.stop();
    if (dir !== undefined) await removeTempDir(dir);
  });

  it('does not start the listener, and says which settings disagree', async () => {
    const status = await eventually(() => {
      const s = g.node.ctx.services.list().find((x) => x.name === 'behind-lb');
      return s !== undefined && s.state !== 'Offline' ? s : undefined;
    });
    assert.equal(status.state, 'Error', JSON.stringify(status));
    assert.match(status.reason, /protoConfig\.proxyProtocol/);
    assert.match(status.reason, /\[admin\] TrustedProxies/);
  });

  it('lets no PROXY header choose the address an allow-list sees', async () => {
    const outcome = await loginClaiming(port, '203.0.113.77', 'alice', key);
    assert.notEqual(outcome, 'logged in');
  });

  it('refuses the setting through the REST API, naming it', async () => {
    const r = await g.api('/api/servers', {
      method: 'POST',
      body: JSON.stringify({
        name: 'lb2',
        protocol: 'sftp',
        address: '127.0.0.1:1',
        protoConfig: { proxyProtocol: true },
      }),
    });
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(body.error.message, /protoConfig\.proxyProtocol/);
    assert.match(body.error.message, /TrustedProxies/);
  });
});
