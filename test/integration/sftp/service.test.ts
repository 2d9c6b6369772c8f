/**
 * The service around the sessions: listeners reconciled with the server rows, the per-node
 * transfer limit, operator stops through the running-transfer registry, and the drain.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Transfer } from '../../../src/model/entities.js';
import type { SftpClient } from './client.js';
import { connect, p } from './client.js';
import type { SftpHarness } from './harness.js';
import { eventually, freePort, startHarness } from './harness.js';
import { sftpServer } from '../../support/declare.js';

async function onlyRow(h: SftpHarness): Promise<Transfer> {
  const rows = await h.db.all<{ id: number }>('SELECT id FROM transfers');
  assert.equal(rows.length, 1);
  const t = await h.stores.transfers.get(Number(rows[0]?.id));
  assert.ok(t);
  return t;
}

describe('SFTP service', { timeout: 60_000 }, () => {
  let h: SftpHarness;

  before(async () => {
    h = await startHarness({ maxTransferIn: 1 });
    await h.addAccount('henry', { password: 'henry-secret' });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
  });
  after(() => h.stop());

  async function openUpload(name: string): Promise<{ c: SftpClient; handle: Buffer }> {
    const c = await connect(h.port, { username: 'henry', password: 'henry-secret' });
    const handle = await p.open(c.sftp, `/in/${name}`, 'w');
    await p.write(c.sftp, handle, Buffer.alloc(1000, 1), 0);
    return { c, handle };
  }

  it('refuses a transfer beyond maxTransferIn with a clear message', async () => {
    const first = await openUpload('one.bin');
    const c2 = await connect(h.port, { username: 'henry', password: 'henry-secret' });
    await assert.rejects(p.open(c2.sftp, '/in/two.bin', 'w'), /too many transfers on this node/);
    await p.close(first.c.sftp, first.handle);
    // The slot is free again once the first transfer ended.
    const handle = await p.open(c2.sftp, '/in/two.bin', 'w');
    await p.close(c2.sftp, handle);
    await first.c.end();
    await c2.end();
    assert.equal(h.ctx.running.count('server'), 0);
  });

  it('pauses a running upload on request: PAUSED in the database, the handle fails', async () => {
    const { c, handle } = await openUpload('paused.bin');
    const t = await onlyRow(h);
    await h.ctx.running.get(t.id)?.stop('pause');
    const row = await h.stores.transfers.get(t.id);
    assert.equal(row?.status, 'PAUSED');
    assert.equal(row?.progress, 1000);
    assert.equal(row?.leaseExpiresAt, null);
    await assert.rejects(p.write(c.sftp, handle, Buffer.alloc(10), 1000), /paused/);
    await assert.rejects(p.close(c.sftp, handle), /paused/);
    await c.end();
    await h.db.run('DELETE FROM transfers');
  });

  it('cancels a running upload on request: CANCELLED in history, tmp file removed', async () => {
    const { c, handle } = await openUpload('cancelled.bin');
    const t = await onlyRow(h);
    assert.ok(existsSync(t.localPath));
    await h.ctx.running.get(t.id)?.stop('cancel');
    const hist = await h.stores.transfers.getHistory(t.id);
    assert.equal(hist?.status, 'CANCELLED');
    assert.equal(existsSync(t.localPath), false);
    await assert.rejects(p.close(c.sftp, handle), /cancelled/);
    await c.end();
  });

  it('interrupts running uploads when the sessions are closed (drain)', async () => {
    const { c } = await openUpload('drained.bin');
    const t = await onlyRow(h);
    await h.service.closeAllSessions();
    const row = await h.stores.transfers.get(t.id);
    assert.equal(row?.status, 'INTERRUPTED');
    assert.equal(row?.progress, 1000);
    assert.equal(h.ctx.running.count(), 0);
    await c.end().catch(() => undefined);
    await h.db.run('DELETE FROM transfers');
  });

  it('stops touching a transfer another node took over (fenced writes)', async () => {
    const { c, handle } = await openUpload('stolen.bin');
    const t = await onlyRow(h);
    await h.db.run(`UPDATE transfers SET node = 'node-b', progress = 7 WHERE id = ?`, [t.id]);
    // Writes go on until the next progress save (about a second) finds the row is not ours.
    const err = await eventually(async () => {
      try {
        await p.write(c.sftp, handle, Buffer.alloc(1000, 2), 1000);
        return undefined;
      } catch (e) {
        return e as Error;
      }
    });
    assert.match(err.message, /no longer owned by this node/);
    const row = await h.stores.transfers.get(t.id);
    assert.equal(row?.node, 'node-b');
    assert.equal(row?.status, 'RUNNING');
    assert.equal(row?.progress, 7, 'nothing written over the new owner');
    assert.equal(h.ctx.running.count(), 0);
    await c.end();
    await h.db.run('DELETE FROM transfers');
  });

  it('a draining node starts transfers for its open sessions until its grace is over', async () => {
    const c = await connect(h.port, { username: 'henry', password: 'henry-secret' });
    h.ctx.health.draining = true;
    try {
      await p.close(c.sftp, await p.open(c.sftp, '/in/during-drain.bin', 'w'));
      h.ctx.health.closing = true;
      await assert.rejects(p.open(c.sftp, '/in/late.bin', 'w'), /shutting down/);
    } finally {
      h.ctx.health.draining = false;
      h.ctx.health.closing = false;
      await c.end();
    }
  });

  it('starts, stops and restarts listeners as server rows change', async () => {
    const port = await freePort();
    const server = await h.stores.servers.create(sftpServer('second', `127.0.0.1:${port}`));
    await h.stores.localAccounts.create({
      serverId: server.id,
      login: 'ivy',
      passwordHash: (await h.stores.localAccounts.get(h.server.id, 'henry'))?.passwordHash ?? null,
      ipAddresses: [],
    });
    await eventually(() => h.service.listeners().some((l) => l.server === 'second' && l.port === port));
    assert.equal(h.ctx.services.list().find((s) => s.name === 'second')?.state, 'Running');
    const c = await connect(port, { username: 'ivy', password: 'henry-secret' });
    await c.end();
    // Accounts belong to their server: henry cannot log in on the second one.
    await assert.rejects(connect(port, { username: 'henry', password: 'henry-secret' }));

    const port2 = await freePort();
    await h.stores.servers.update(server.id, { ...server, address: `127.0.0.1:${port2}` });
    await eventually(() => h.service.listeners().some((l) => l.server === 'second' && l.port === port2));
    await assert.rejects(connect(port, { username: 'ivy', password: 'henry-secret' }), /ECONNREFUSED/);

    await h.stores.servers.setEnabled(server.id, false);
    await eventually(() => !h.service.listeners().some((l) => l.server === 'second'));
    assert.equal(h.ctx.services.list().find((s) => s.name === 'second')?.state, 'Offline');
    await assert.rejects(connect(port2, { username: 'ivy', password: 'henry-secret' }), /ECONNREFUSED/);

    await h.stores.servers.delete(server.id);
    await eventually(() => h.ctx.services.list().every((s) => s.name !== 'second'));
    assert.ok(
      h.service.listeners().some((l) => l.server === 'sftp-test'),
      'the first server kept listening',
    );
  });
});
