/**
 * PROXY protocol v2 with a real HAProxy (Debian's) in front of a node: the account's IP
 * allow-list sees the client's address, not HAProxy's; a client that forges a PROXY header
 * directly, or a trusted peer that sends none, is dropped; a banned address is refused (told why).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeProxyV2 } from '../../../src/sftp/proxy-protocol.js';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';
import type { SshKey } from '../../support/openssh.js';
import { generateKey, sftpArgs } from '../../support/openssh.js';
import { freePort } from '../../support/sshd.js';
import { makeTempDir, removeTempDir } from '../../support/tmp.js';
import { waitFor } from '../client/helpers.js';
import { declareLocalAccount, rule, sftpServer } from '../../support/declare.js';

const haproxyBin = '/usr/sbin/haproxy';

/** OpenSSH `sftp` from a chosen local address (127.0.0.x are all loopback). */
function sftpFrom(
  bind: string,
  port: number,
  user: string,
  key: SshKey,
  commands = 'ls /\n',
): Promise<{ code: number | null; stderr: string }> {
  const args = sftpArgs({ port, user, key: key.file });
  const child = spawn('sftp', ['-o', `BindAddress=${bind}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(commands);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/**
 * Opens a raw TCP connection from `bind`, sends `data`, and returns the first line the server
 * sends (its SSH banner), or '' when it closes the connection without one; `all`: everything
 * it sends until it closes (a refusal's disconnect message).
 */
function rawExchange(bind: string, port: number, data: Buffer, all = false): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = connect({ port, host: '127.0.0.1', localAddress: bind }, () => s.write(data));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (!all && got.includes('\n')) s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
    setTimeout(() => s.destroy(), 8000);
  });
}

/** One command on HAProxy's runtime socket; its whole answer. */
function haproxyCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = connect(socketPath, () => s.write(`${command}\n`));
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('error', reject);
    s.on('close', () => resolve(out));
  });
}

describe('SFTP behind HAProxy with PROXY protocol v2', { timeout: 90_000 }, () => {
  let g: StartedGateway;
  let haproxy: ChildProcess | undefined;
  let key: SshKey;
  let lbPort: number;
  let nodePort: number;
  let dir: string;

  before(async () => {
    if (!existsSync(haproxyBin))
      throw new Error(`${haproxyBin} not found: install haproxy (Debian) — .ci/run does it`);
    g = await startGateway({
      ini: {
        admin: { TrustedProxies: '127.0.0.1' },
        // Clients are 127.0.0.x here: none is exempt from bans.
        security: { MaxLoginFailures: '3', FailureWindow: '1m', BanDuration: '1m', ExemptAddresses: '' },
      },
    });
    dir = await makeTempDir('haproxy');
    key = await generateKey(dir);
    nodePort = await freePort();
    lbPort = await freePort();
    const { stores } = g.node.ctx;
    const server = await stores.servers.create(
      sftpServer('behind-lb', `127.0.0.1:${nodePort}`, { protoConfig: { proxyProtocol: true } }),
    );
    await declareLocalAccount(stores, server.id, 'alice', {
      publicKey: key.publicKey,
      ipAddresses: ['127.0.0.2'],
    });
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      [
        'global',
        '    maxconn 100',
        `    stats socket ${join(dir, 'admin.sock')} level admin`,
        'defaults',
        '    mode tcp',
        '    timeout connect 5s',
        '    timeout client 1m',
        '    timeout server 1m',
        'frontend fe',
        `    bind 127.0.0.1:${lbPort}`,
        '    default_backend be',
        'backend be',
        // The banner check goes to the SFTP port: with send-proxy-v2 and no `port`, HAProxy
        // sends it a PROXY header too (command LOCAL), which the node must answer.
        '    option tcp-check',
        '    tcp-check expect string SSH-2.0-',
        `    server node1 127.0.0.1:${nodePort} send-proxy-v2 source 127.0.0.1 check inter 300ms rise 1`,
        '',
      ].join('\n'),
    );
    await waitFor(
      'the listener',
      () => Promise.resolve(g.node.sftpListeners().some((l) => l.port === nodePort) ? true : undefined),
      10_000,
    );
    haproxy = spawn(haproxyBin, ['-db', '-f', cfg], { stdio: 'ignore' });
    await waitFor(
      'haproxy',
      async () => {
        const banner = await rawExchange('127.0.0.2', lbPort, Buffer.from('SSH-2.0-probe\r\n'));
        return banner.startsWith('SSH-2.0-') ? true : undefined;
      },
      10_000,
    );
  });

  after(async () => {
    haproxy?.kill('SIGKILL');
    await g?.stop();
    if (dir !== undefined) await removeTempDir(dir);
  });

  it("passes HAProxy's health checks, which carry a PROXY header too", async () => {
    // A passed check, not the state HAProxy starts servers in (UP until checks fail).
    const check = await waitFor(
      'a passed health check',
      async () => {
        const [header = '', ...rows] = (await haproxyCommand(join(dir, 'admin.sock'), 'show stat')).split(
          '\n',
        );
        const columns = header.replace(/^# /, '').split(',');
        const node = rows.find((l) => l.startsWith('be,node1,'))?.split(',') ?? [];
        const field = (name: string): string => node[columns.indexOf(name)] ?? '';
        return field('check_status') === 'L7OK' ? `${field('status')} ${field('check_status')}` : undefined;
      },
      10_000,
    );
    assert.equal(check, 'UP L7OK');
  });

  it('the allow-list sees the client address relayed by HAProxy', async () => {
    const viaLb = await sftpFrom('127.0.0.2', lbPort, 'alice', key);
    assert.equal(viaLb.code, 0, viaLb.stderr);
    // 127.0.0.5 is not on the list: refused, although HAProxy's own address is the same.
    const other = await sftpFrom('127.0.0.5', lbPort, 'alice', key);
    assert.notEqual(other.code, 0);
  });

  it("records the relayed client's address in the transfer", async () => {
    const { stores } = g.node.ctx;
    await stores.rules.create(rule({ name: 'inbox', isSend: false }));
    const file = join(dir, 'relayed.txt');
    writeFileSync(file, 'through HAProxy\n');
    const put = await sftpFrom('127.0.0.2', lbPort, 'alice', key, `put ${file} /inbox/relayed.txt\n`);
    assert.equal(put.code, 0, put.stderr);
    const done = await stores.transfers.listNormalized({ historyOnly: true });
    const entry = done.find((t) => t.destFilename === 'relayed.txt');
    assert.equal(entry?.info.clientAddress, '127.0.0.2', JSON.stringify(entry));
  });

  it('drops a forged PROXY header from an untrusted source, and a trusted peer without one', async () => {
    const forged = Buffer.concat([
      encodeProxyV2({ address: '127.0.0.2', port: 40000 }, { address: '127.0.0.1', port: nodePort }),
      Buffer.from('SSH-2.0-forger\r\n'),
    ]);
    const answer = await rawExchange('127.0.0.4', nodePort, forged);
    assert.equal(answer, '', 'dropped before any SSH banner');
    const noHeader = await rawExchange('127.0.0.1', nodePort, Buffer.from('SSH-2.0-direct\r\n'));
    assert.equal(noHeader, '', 'a trusted peer must send the header');
    // A plain client from an untrusted address is served as itself (and refused by the allow-list).
    const direct = await rawExchange('127.0.0.4', nodePort, Buffer.from('SSH-2.0-plain\r\n'));
    assert.match(direct, /^SSH-2\.0-/);
  });

  it('bans the relayed client address after failed passwords, not HAProxy', async () => {
    const { stores } = g.node.ctx;
    for (let i = 0; i < 3; i++)
      await stores.bans.recordFailure('127.0.0.6', 'sftp', Date.now(), {
        maxFailures: 3,
        windowMs: 60_000,
        banMs: 60_000,
      });
    const banned = await rawExchange('127.0.0.6', lbPort, Buffer.from('SSH-2.0-probe\r\n'), true);
    assert.match(banned, /too many failed logins from this address: banned for \d+ s/);
    const fine = await rawExchange('127.0.0.2', lbPort, Buffer.from('SSH-2.0-probe\r\n'));
    assert.match(fine, /^SSH-2\.0-/, 'other clients behind the same proxy are served');
  });
});
