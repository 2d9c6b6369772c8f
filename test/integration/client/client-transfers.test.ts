/**
 * Client transfers against a real partner (a private OpenSSH sshd): push and pull of a large
 * file with checksums, pinned host keys, retries with growing delays, pause/resume from the
 * saved offset, cancel, and a transfer planned in the database being run by the controller.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StartedGateway } from '../../support/gateway.js';
import { startGateway } from '../../support/gateway.js';
import type { StartedSshd } from '../../support/sshd.js';
import { freePort, startSshd } from '../../support/sshd.js';
import { generateKey, sftpBatch } from '../../support/openssh.js';
import { makeTempDir } from '../../support/tmp.js';
import type { NewTransfer } from '../../../src/db/stores/transfers.js';
import { plannedTransfer } from '../../support/transfers.js';
import {
  declareLocalAccount,
  declareOpenSshPartner,
  rule,
  sftpClient,
  sftpServer,
} from '../../support/declare.js';
import { fileSize, sha256File, transferIn, waitFor, writeRandomFile } from './helpers.js';

const MiB = 1 << 20;

describe('client transfers to an OpenSSH partner', { timeout: 180_000 }, () => {
  let g: StartedGateway;
  let sshd: StartedSshd;
  let ids: {
    push: number;
    pull: number;
    account: number;
    badAccount: number;
    client: number;
    partner: number;
  };

  before(async () => {
    sshd = await startSshd();
    g = await startGateway({ ini: { controller: { Delay: '200ms' } } });
    const { stores, secrets } = g.node.ctx;
    mkdirSync(join(sshd.root, 'in'));
    mkdirSync(join(sshd.root, 'out'));
    const { partner, account } = await declareOpenSshPartner(stores, secrets, sshd);
    const wrongKey = await generateKey(await makeTempDir('wrong-key'));
    const badAccount = await stores.remoteAccounts.create({ partnerId: partner.id, login: 'nobody-here' });
    await stores.credentials.create({
      owner: { kind: 'remoteAccount', id: badAccount.id },
      name: 'key',
      type: 'ssh_private_key',
      value: secrets.encrypt(readFileSync(wrongKey.file, 'utf8')),
      value2: '',
    });
    const client = await stores.clients.create(sftpClient());
    const push = await stores.rules.create(
      rule({ name: 'to-partner', isSend: true, remoteDir: join(sshd.root, 'in') }),
    );
    const pull = await stores.rules.create(
      rule({ name: 'from-partner', isSend: false, remoteDir: join(sshd.root, 'out') }),
    );
    ids = {
      push: push.id,
      pull: pull.id,
      account: account.id,
      badAccount: badAccount.id,
      client: client.id,
      partner: partner.id,
    };
  });

  after(async () => {
    await g?.stop();
    await sshd?.stop();
  });

  function plan(overrides: Partial<NewTransfer>): NewTransfer {
    return plannedTransfer(
      { ruleId: ids.push, clientId: ids.client, remoteAccountId: ids.account },
      overrides,
    );
  }

  it('pushes a large file byte-identical, planned in the database and run by the controller', async () => {
    const { ctx } = g.node;
    const src = join(ctx.config.paths.defaultOutDir, 'big-push.bin');
    await writeRandomFile(src, 64 * MiB);
    const t = await ctx.stores.transfers.create(
      plan({ srcFilename: 'big-push.bin', destFilename: 'pushed.bin' }),
    );
    const done = await waitFor('push DONE', transferIn(ctx, t.id, ['DONE', 'ERROR']), 60_000);
    assert.equal(done.status, 'DONE', done.errorDetails);
    assert.equal(done.progress, 64 * MiB);
    const expected = await sha256File(src);
    assert.equal(await sha256File(join(sshd.root, 'in', 'pushed.bin')), expected);
    assert.equal(done.info.sha256, expected);
    assert.equal(done.node, ctx.nodeName);
  });

  it('pulls a large file into the receive folder through a tmp file', async () => {
    const { ctx } = g.node;
    const remote = join(sshd.root, 'out', 'big-pull.bin');
    await writeRandomFile(remote, 48 * MiB);
    const t = await ctx.stores.transfers.create(
      plan({ ruleId: ids.pull, srcFilename: 'big-pull.bin', destFilename: 'pulled.bin' }),
    );
    const done = await waitFor('pull DONE', transferIn(ctx, t.id, ['DONE', 'ERROR']), 60_000);
    assert.equal(done.status, 'DONE', done.errorDetails);
    const local = join(ctx.config.paths.defaultInDir, 'pulled.bin');
    assert.equal(await sha256File(local), await sha256File(remote));
    assert.equal(statSync(local).size, 48 * MiB);
  });

  it('refuses a partner whose host key does not match the pinned one', async () => {
    const { ctx } = g.node;
    const other = await generateKey(await makeTempDir('other-host'));
    const partner = await ctx.stores.partners.create({
      name: 'impostor',
      protocol: 'sftp',
      address: sshd.address,
      protoConfig: {},
    });
    await ctx.stores.credentials.create({
      owner: { kind: 'partner', id: partner.id },
      name: 'hostkey',
      type: 'ssh_public_key',
      value: other.publicKey,
      value2: '',
    });
    const account = await ctx.stores.remoteAccounts.create({ partnerId: partner.id, login: sshd.user });
    const t = await ctx.stores.transfers.create(
      plan({ remoteAccountId: account.id, srcFilename: 'big-push.bin', destFilename: 'never.bin' }),
    );
    const failed = await waitFor('ERROR', transferIn(ctx, t.id, ['ERROR', 'DONE']));
    assert.equal(failed.status, 'ERROR');
    assert.equal(failed.errorCode, 'TeForbidden');
    assert.match(failed.errorDetails, /host key/);
    assert.equal(failed.nextRetry, null, 'no attempts left: never picked again');
  });

  it('refuses a partner with no pinned host key at all', async () => {
    const { ctx } = g.node;
    const partner = await ctx.stores.partners.create({
      name: 'unpinned',
      protocol: 'sftp',
      address: sshd.address,
      protoConfig: {},
    });
    const account = await ctx.stores.remoteAccounts.create({ partnerId: partner.id, login: sshd.user });
    const t = await ctx.stores.transfers.create(
      plan({ remoteAccountId: account.id, srcFilename: 'big-push.bin' }),
    );
    const failed = await waitFor('ERROR', transferIn(ctx, t.id, ['ERROR', 'DONE']));
    assert.equal(failed.errorCode, 'TeUnknownRemote');
    assert.match(failed.errorDetails, /no ssh_public_key credential/);
  });

  it('retries a refused login with growing delays, then stops with no retry scheduled', async () => {
    const { ctx } = g.node;
    const t = await ctx.stores.transfers.create(
      plan({
        remoteAccountId: ids.badAccount,
        srcFilename: 'big-push.bin',
        remainingTries: 2,
        nextRetryDelay: 1,
        retryIncrementFactor: 2,
      }),
    );
    const first = await waitFor('first failure', async () => {
      const r = await ctx.stores.transfers.get(t.id);
      return r?.status === 'ERROR' && r.remainingTries === 1 ? r : undefined;
    });
    assert.equal(first.errorCode, 'TeBadAuthentication');
    assert.equal(first.nextRetryDelay, 2, 'the delay grows by the factor');
    assert.ok(
      first.nextRetry !== null && first.nextRetry - (first.stop ?? 0) === 1000,
      'due after the first delay',
    );
    const last = await waitFor(
      'last failure',
      async () => {
        const r = await ctx.stores.transfers.get(t.id);
        return r?.status === 'ERROR' && r.remainingTries === 0 && r.nextRetry === null ? r : undefined;
      },
      15_000,
    );
    assert.equal(last.nextRetry, null);
    assert.equal(last.nextRetryDelay, 4);
    // Give the controller a few ticks: it must never pick it again.
    await new Promise((r) => setTimeout(r, 800));
    const still = await ctx.stores.transfers.get(t.id);
    assert.equal(still?.status, 'ERROR');
    assert.equal(still?.stop, last.stop);
  });

  it('pauses mid-transfer (asked through the database) and resumes from the saved offset', async () => {
    const { ctx } = g.node;
    const src = join(ctx.config.paths.defaultOutDir, 'pause.bin');
    await writeRandomFile(src, 512 * MiB);
    const t = await ctx.stores.transfers.create(
      plan({ srcFilename: 'pause.bin', destFilename: 'paused.bin' }),
    );
    // Paused once bytes reach the partner, not after a first progress save (about a second in):
    // at 255 KiB requests the whole file can be through by then on a quiet machine.
    const remote = join(sshd.root, 'in', 'paused.bin');
    await waitFor('bytes at the partner', () => Promise.resolve(fileSize(remote) > 0 ? true : undefined));
    assert.equal(await ctx.stores.transfers.requestAction(t.id, 'pause'), true);
    const paused = await waitFor('PAUSED', transferIn(ctx, t.id, ['PAUSED', 'DONE', 'ERROR']));
    assert.equal(
      paused.status,
      'PAUSED',
      'the transfer finished before the pause took effect: make the file larger',
    );
    assert.ok(paused.progress > 0 && paused.progress < 512 * MiB, `paused at ${paused.progress}`);
    const remoteSize = statSync(join(sshd.root, 'in', 'paused.bin')).size;
    assert.ok(remoteSize >= paused.progress, 'the partner has at least the saved bytes');
    assert.equal(await ctx.stores.transfers.resume(t.id, Date.now()), true);
    const done = await waitFor('DONE', transferIn(ctx, t.id, ['DONE', 'ERROR']), 90_000);
    assert.equal(done.status, 'DONE', done.errorDetails);
    assert.equal(await sha256File(join(sshd.root, 'in', 'paused.bin')), await sha256File(src));
  });

  it('runs pre and post tasks of a push, and resumes them from the saved task number', async () => {
    const { ctx } = g.node;
    const archive = join(ctx.config.paths.gatewayHome, 'archive');
    const rule = await ctx.stores.rules.create({
      name: 'push-with-tasks',
      isSend: true,
      comment: '',
      path: 'push-with-tasks',
      localDir: '',
      remoteDir: join(sshd.root, 'in'),
      tmpLocalRcvDir: '',
      preTasks: [{ type: 'COPY', args: { path: join(archive, 'before') } }],
      postTasks: [
        { type: 'COPYRENAME', args: { path: join(archive, 'after', '#TRANSFERID#-#TRUEFILENAME#') } },
      ],
      errorTasks: [],
    });
    const src = join(ctx.config.paths.defaultOutDir, 'tasks.bin');
    await writeRandomFile(src, 1 * MiB);
    const t = await ctx.stores.transfers.create(
      plan({ ruleId: rule.id, srcFilename: 'tasks.bin', destFilename: 'tasks.bin' }),
    );
    const done = await waitFor('DONE', transferIn(ctx, t.id, ['DONE', 'ERROR']));
    assert.equal(done.status, 'DONE', done.errorDetails);
    const expected = await sha256File(src);
    assert.equal(await sha256File(join(archive, 'before', 'tasks.bin')), expected);
    assert.equal(await sha256File(join(archive, 'after', `${t.id}-tasks.bin`)), expected);
  });

  it("sends the file an EXECMOVE pre-task moved, and the record's local path follows it", async () => {
    const { ctx } = g.node;
    const staging = join(ctx.config.paths.gatewayHome, 'staging');
    const stage = join(await makeTempDir('client-execmove'), 'stage.sh');
    writeFileSync(
      stage,
      `#!/bin/sh\nmkdir -p "${staging}" && mv "$TRUEFULLPATH" "${staging}/$TRUEFILENAME" && echo "${staging}/$TRUEFILENAME"\n`,
    );
    chmodSync(stage, 0o755);
    const rule = await ctx.stores.rules.create({
      name: 'push-staged',
      isSend: true,
      comment: '',
      path: 'push-staged',
      localDir: '',
      remoteDir: join(sshd.root, 'in'),
      tmpLocalRcvDir: '',
      preTasks: [{ type: 'EXECMOVE', args: { path: stage } }],
      postTasks: [],
      errorTasks: [],
    });
    const src = join(ctx.config.paths.defaultOutDir, 'staged.bin');
    await writeRandomFile(src, 1 * MiB);
    const expected = await sha256File(src);
    const t = await ctx.stores.transfers.create(
      plan({ ruleId: rule.id, srcFilename: 'staged.bin', destFilename: 'staged.bin' }),
    );
    const done = await waitFor('DONE', transferIn(ctx, t.id, ['DONE', 'ERROR']));
    assert.equal(done.status, 'DONE', done.errorDetails);
    assert.equal(done.localPath, join(staging, 'staged.bin'));
    assert.equal(existsSync(src), false);
    assert.equal(await sha256File(join(sshd.root, 'in', 'staged.bin')), expected);
  });

  it('forwards a file received by SFTP to the partner (TRANSFER task, planned in the database)', async () => {
    const { ctx } = g.node;
    const port = await freePort();
    const server = await ctx.stores.servers.create(sftpServer('drop', `127.0.0.1:${port}`));
    const key = await generateKey(await makeTempDir('rebound-key'));
    await declareLocalAccount(ctx.stores, server.id, 'alice', { publicKey: key.publicKey });
    await ctx.stores.rules.create(
      rule({
        name: 'inbound',
        isSend: false,
        postTasks: [
          {
            type: 'TRANSFER',
            args: { to: 'openssh', as: sshd.user, rule: 'to-partner', output: 'forwarded.bin' },
          },
        ],
      }),
    );
    const work = await makeTempDir('rebound');
    await writeRandomFile(join(work, 'parcel.bin'), 4 * MiB);
    await waitFor('listener', () =>
      Promise.resolve(g.node.sftpListeners().some((l) => l.port === port) ? true : undefined),
    );
    const put = await sftpBatch({ port, user: 'alice', key: key.file, cwd: work }, [
      'put parcel.bin /inbound/parcel.bin',
    ]);
    assert.equal(put.code, 0, put.stderr);
    const received = await waitFor('server transfer DONE', async () => {
      const h = await ctx.stores.transfers.listNormalized({ historyOnly: true, rule: ['inbound'] });
      return h.find((x) => x.destFilename === 'parcel.bin');
    });
    assert.equal(received.status, 'DONE');
    const forwarded = await waitFor(
      'forwarded transfer DONE',
      async () => {
        const h = await ctx.stores.transfers.listNormalized(
          { historyOnly: true, rule: ['to-partner'] },
          { limit: 100 },
        );
        return h.find((x) => x.info.__followID__ === received.id);
      },
      30_000,
    );
    assert.equal(forwarded.status, 'DONE', forwarded.errorDetails);
    assert.equal(forwarded.destFilename, 'forwarded.bin');
    assert.equal(
      await sha256File(join(sshd.root, 'in', 'forwarded.bin')),
      await sha256File(join(work, 'parcel.bin')),
    );
  });

  it('cancels a planned transfer and moves it to history', async () => {
    const { ctx } = g.node;
    const later = Date.now() + 3_600_000;
    const t = await ctx.stores.transfers.create(
      plan({ srcFilename: 'big-push.bin', nextRetry: later, start: later }),
    );
    assert.equal(await ctx.stores.transfers.cancelWaiting(t.id, Date.now()), true);
    const h = await ctx.stores.transfers.getHistory(t.id);
    assert.equal(h?.status, 'CANCELLED');
  });
});
