/**
 * The graceful stop as a load balancer sees it: for `[cluster] DrainNotice` after SIGTERM the
 * node still accepts connections (the balancer relays them until its next check sees /lbz 404),
 * then its listeners close; a session open before the drain goes on starting transfers during
 * `DrainGrace` (a batch of puts is not cut between two files).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { declareSftpServer } from '../../support/declare.js';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';
import { freePort } from '../../support/sshd.js';
import type { SftpClient } from '../sftp/client.js';
import { connect, p } from '../sftp/client.js';
import { eventually } from '../sftp/harness.js';

const login = { username: 'dora', password: 'dora-secret' };

/** Whether a TCP connection to the port is accepted (not refused). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ port, host: '127.0.0.1' });
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

async function upload(c: SftpClient, path: string, data: Buffer): Promise<void> {
  const h = await p.open(c.sftp, path, 'w');
  await p.write(c.sftp, h, data, 0);
  await p.close(c.sftp, h);
}

describe('graceful stop: drain notice and sessions open before the drain', { timeout: 60_000 }, () => {
  let g: StartedGateway;
  let port: number;

  before(async () => {
    g = await startGateway({ ini: { cluster: { DrainNotice: '3s', DrainGrace: '20s' } } });
    port = await freePort();
    await declareSftpServer(g.node.ctx.stores, {
      name: 'sftp',
      address: `127.0.0.1:${port}`,
      login: login.username,
      password: login.password,
    });
    await eventually(() => accepts(port));
  });
  after(() => g?.stop());

  it('accepts connections for the notice, serves every open session, then closes the listeners', async () => {
    const before = await connect(port, login);
    const stopped = g.node.stop();
    assert.equal(g.node.ctx.health.draining, true);
    assert.equal((await fetch(`${g.adminUrl}/lbz`)).status, 404, 'the balancer is told at once');

    // Relayed by the balancer before its check: accepted, and served to the end.
    const during = await connect(port, login);
    await upload(during, '/in/during-notice.bin', Buffer.from('accepted during the notice'));

    // The session open before the drain starts a new transfer: a batch goes on.
    await upload(before, '/in/after-drain.bin', Buffer.from('a second file of the batch'));

    await eventually(async () => !(await accepts(port)), 10_000);
    // Still served after the listeners closed.
    await upload(before, '/in/after-close.bin', Buffer.from('and a third'));
    await Promise.all([before.end(), during.end()]);
    await stopped;

    const inbox = join(g.home, 'in');
    assert.equal(await readFile(join(inbox, 'during-notice.bin'), 'utf8'), 'accepted during the notice');
    assert.equal(await readFile(join(inbox, 'after-drain.bin'), 'utf8'), 'a second file of the batch');
    assert.equal(await readFile(join(inbox, 'after-close.bin'), 'utf8'), 'and a third');
  });
});
