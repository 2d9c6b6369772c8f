/**
 * Two gateways talking to each other: gateway A pushes to and pulls from gateway B's SFTP
 * server. A push paused mid-file and resumed continues at the saved offset on both sides:
 * B continues its own unfinished record (one DONE record there), nothing is truncated, and the
 * delivered file is byte-identical.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NewTransfer } from '../../../src/db/stores/transfers.js';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';
import { generateKey } from '../../support/openssh.js';
import { freePort } from '../../support/sshd.js';
import { makeTempDir } from '../../support/tmp.js';
import { plannedTransfer } from '../../support/transfers.js';
import {
  declareLocalAccount,
  declareSftpPartner,
  rule,
  sftpClient,
  sftpServer,
} from '../../support/declare.js';
import { fileSize, sha256File, transferIn, waitFor, writeRandomFile } from './helpers.js';

const MiB = 1 << 20;

describe('a gateway as the partner of another gateway', { timeout: 180_000 }, () => {
  let a: StartedGateway;
  let b: StartedGateway;
  let ids: { push: number; pull: number; account: number; client: number };

  before(async () => {
    a = await startGateway({ instance: 'gw-a', ini: { controller: { Delay: '200ms' } } });
    b = await startGateway({ instance: 'gw-b' });
    const port = await freePort();
    const keys = await makeTempDir('gw-partner');
    const hostKey = await generateKey(keys, 'host');
    // B: an SFTP server with a known host key, an account with a password, two rules.
    const sb = b.node.ctx.stores;
    const server = await sb.servers.create(sftpServer('b-sftp', `127.0.0.1:${port}`));
    await sb.credentials.create({
      owner: { kind: 'server', id: server.id },
      name: 'hostkey',
      type: 'ssh_private_key',
      value: b.node.ctx.secrets.encrypt(readFileSync(hostKey.file, 'utf8')),
      value2: '',
    });
    await sb.servers.touch(server.id);
    await declareLocalAccount(sb, server.id, 'gw-a', { password: 'a-to-b' });
    await sb.rules.create(rule({ name: 'from-a', isSend: false }));
    await sb.rules.create(rule({ name: 'to-a', isSend: true }));
    // A: B as a partner, its host key pinned, the password stored encrypted.
    const sa = a.node.ctx.stores;
    const { account } = await declareSftpPartner(sa, {
      name: 'gw-b',
      address: `127.0.0.1:${port}`,
      hostPublicKey: hostKey.publicKey,
      login: 'gw-a',
      secret: { type: 'password', encrypted: a.node.ctx.secrets.encrypt('a-to-b') },
    });
    const client = await sa.clients.create(sftpClient());
    const push = await sa.rules.create(rule({ name: 'to-b', isSend: true, remoteDir: '/from-a' }));
    const pull = await sa.rules.create(rule({ name: 'from-b', isSend: false, remoteDir: '/to-a' }));
    ids = { push: push.id, pull: pull.id, account: account.id, client: client.id };
    await waitFor('B listening', () =>
      Promise.resolve(b.node.sftpListeners().some((l) => l.port === port) ? true : undefined),
    );
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  function plan(overrides: Partial<NewTransfer>): NewTransfer {
    return plannedTransfer(
      { ruleId: ids.push, clientId: ids.client, remoteAccountId: ids.account },
      overrides,
    );
  }

  it('pushes, is paused mid-file, resumes at the offset: one DONE record on each side', async () => {
    const ctx = a.node.ctx;
    const src = join(ctx.config.paths.defaultOutDir, 'to-b.bin');
    await writeRandomFile(src, 512 * MiB);
    const t = await ctx.stores.transfers.create(plan({ srcFilename: 'to-b.bin', destFilename: 'to-b.bin' }));
    // Paused once bytes reach B's tmp file, not after a first progress save (about a second in):
    // at 255 KiB requests the whole file can be through by then on a quiet machine.
    await waitFor('bytes at B', async () => {
      const list = await b.node.ctx.stores.transfers.listNormalized({ rule: ['from-a'], liveOnly: true });
      const row = list.find((x) => x.destFilename === 'to-b.bin');
      return row !== undefined && fileSize(row.localPath) > 0 ? row : undefined;
    });
    assert.equal(await ctx.stores.transfers.requestAction(t.id, 'pause'), true);
    const paused = await waitFor('PAUSED', transferIn(ctx, t.id, ['PAUSED', 'DONE', 'ERROR']));
    assert.equal(paused.status, 'PAUSED', 'finished before the pause: make the file larger');
    assert.ok(paused.progress > 0 && paused.progress < 512 * MiB, `paused mid-file at ${paused.progress}`);
    // B holds the unfinished upload: interrupted, with at least the bytes A saved.
    const onB = await waitFor('B interrupted', async () => {
      const list = await b.node.ctx.stores.transfers.listNormalized({ rule: ['from-a'], liveOnly: true });
      return list.find((x) => x.status === 'INTERRUPTED' || x.status === 'ERROR');
    });
    assert.ok(onB.progress >= paused.progress, `B has ${onB.progress}, A saved ${paused.progress}`);
    assert.equal(await ctx.stores.transfers.resume(t.id, Date.now()), true);
    const done = await waitFor('DONE', transferIn(ctx, t.id, ['DONE', 'ERROR']), 120_000);
    assert.equal(done.status, 'DONE', done.errorDetails);
    const received = join(b.node.ctx.config.paths.defaultInDir, 'to-b.bin');
    assert.equal(await sha256File(received), await sha256File(src));
    const bHistory = await b.node.ctx.stores.transfers.listNormalized({ rule: ['from-a'] }, { limit: 50 });
    assert.deepEqual(
      bHistory.filter((x) => x.destFilename === 'to-b.bin').map((x) => [x.id, x.status]),
      [[onB.id, 'DONE']],
      'B continued its record: exactly one, DONE',
    );
  });

  it('pulls a file from the partner gateway', async () => {
    const served = join(b.node.ctx.config.paths.defaultOutDir, 'from-b.bin');
    await writeRandomFile(served, 40 * MiB);
    const ctx = a.node.ctx;
    const t = await ctx.stores.transfers.create(
      plan({ ruleId: ids.pull, srcFilename: 'from-b.bin', destFilename: 'from-b.bin' }),
    );
    const done = await waitFor('DONE', transferIn(ctx, t.id, ['DONE', 'ERROR']), 60_000);
    assert.equal(done.status, 'DONE', done.errorDetails);
    assert.equal(
      await sha256File(join(ctx.config.paths.defaultInDir, 'from-b.bin')),
      await sha256File(served),
    );
  });
});
