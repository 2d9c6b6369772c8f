/**
 * What a partner sees (issue #15, findings 3 and 5; issue #13, point 5): accounts are isolated
 * from each other in a shared receive folder, a restricted rule's folder is not readable
 * through another rule, partial uploads are never in a listed folder, and the rule's direction
 * governs what a partner may change.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OPEN_MODE, STATUS_CODE } from '../../../src/sftp/ssh2.js';
import type { SftpClient } from './client.js';
import { connect, p, q, refusal } from './client.js';
import type { SftpHarness } from './harness.js';
import { eventually, startHarness } from './harness.js';

describe('partner isolation', { timeout: 60_000 }, () => {
  let h: SftpHarness;
  let alice: SftpClient;
  let bob: SftpClient;

  before(async () => {
    h = await startHarness();
    const a = await h.addAccount('alice', { password: 'alice-secret' });
    await h.addAccount('bob', { password: 'bob-secret' });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
    await h.addRule({ name: 'outbox', isSend: true, path: 'out' });
    // Restricted to alice, with the default folder that the open outbox rule reads too.
    const restricted = await h.addRule({ name: 'alice-only', isSend: true, path: 'alice-only' });
    await h.stores.rules.authorize(restricted.id, { kind: 'localAccount', id: a.id });
    // A receive rule with its own folder and no tmp folder: the .part must not land there.
    await h.addRule({ name: 'drop', isSend: false, path: 'drop', localDir: join(h.home, 'drop') });
    await h.addRule({ name: 'drop-read', isSend: true, path: 'drop-read', localDir: join(h.home, 'drop') });
    alice = await connect(h.port, { username: 'alice', password: 'alice-secret' });
    bob = await connect(h.port, { username: 'bob', password: 'bob-secret' });
  });
  after(async () => {
    await alice.end();
    await bob.end();
    await h.stop();
  });

  it("never shows, overwrites, renames or deletes another account's delivered files", async () => {
    await p.writeFile(alice.sftp, '/in/alice.txt', Buffer.from('from alice'));
    await p.writeFile(bob.sftp, '/in/bob.txt', Buffer.from('from bob'));
    // The back office sees both, each partner its own.
    assert.deepEqual(readdirSync(h.dirs.in).sort(), ['alice.txt', 'bob.txt']);
    assert.deepEqual(await p.readdir(alice.sftp, '/in'), ['alice.txt']);
    assert.deepEqual(await p.readdir(bob.sftp, '/in'), ['bob.txt']);
    await refusal(q.stat(bob.sftp, '/in/alice.txt'), STATUS_CODE.NO_SUCH_FILE);
    await refusal(p.unlink(bob.sftp, '/in/alice.txt'), STATUS_CODE.NO_SUCH_FILE);
    await refusal(p.rename(bob.sftp, '/in/alice.txt', '/in/mine.txt'), STATUS_CODE.NO_SUCH_FILE);
    await refusal(q.setstat(bob.sftp, '/in/alice.txt', { mtime: 1, atime: 1 }), STATUS_CODE.NO_SUCH_FILE);
    await refusal(
      p.writeFile(bob.sftp, '/in/alice.txt', Buffer.from('overwritten')),
      STATUS_CODE.PERMISSION_DENIED,
    );
    await refusal(p.rename(bob.sftp, '/in/bob.txt', '/in/alice.txt'), STATUS_CODE.PERMISSION_DENIED);
    assert.equal(readFileSync(join(h.dirs.in, 'alice.txt'), 'utf8'), 'from alice');
    // A file the back office put there belongs to no partner.
    writeFileSync(join(h.dirs.in, 'office.txt'), 'back office');
    assert.deepEqual(await p.readdir(alice.sftp, '/in'), ['alice.txt']);
    await refusal(p.writeFile(alice.sftp, '/in/office.txt', Buffer.from('x')), STATUS_CODE.PERMISSION_DENIED);
    assert.equal(readFileSync(join(h.dirs.in, 'office.txt'), 'utf8'), 'back office');
    // Folders are listed to every partner; only the one who made it changes or removes it.
    await p.mkdir(alice.sftp, '/in/adir');
    assert.ok((await p.readdir(bob.sftp, '/in')).includes('adir'));
    await refusal(
      q.setstat(bob.sftp, '/in/adir', { mode: 0o700 }),
      STATUS_CODE.PERMISSION_DENIED,
      /not made by/,
    );
    await refusal(q.rmdir(bob.sftp, '/in/adir'), STATUS_CODE.PERMISSION_DENIED, /not made by/);
    await q.rmdir(alice.sftp, '/in/adir');
    // Its own files a partner may rename and delete.
    await p.rename(alice.sftp, '/in/alice.txt', '/in/alice-2.txt');
    assert.deepEqual(await p.readdir(alice.sftp, '/in'), ['alice-2.txt']);
    await p.unlink(alice.sftp, '/in/alice-2.txt');
    assert.deepEqual(await p.readdir(alice.sftp, '/in'), []);
  });

  it("does not let a restricted rule's folder be read through another rule", async () => {
    writeFileSync(join(h.dirs.out, 'for-alice.txt'), 'only for alice');
    assert.equal((await p.readFile(alice.sftp, '/alice-only/for-alice.txt')).toString(), 'only for alice');
    await refusal(p.readFile(bob.sftp, '/out/for-alice.txt'), STATUS_CODE.PERMISSION_DENIED, /folder/);
    await refusal(p.readdir(bob.sftp, '/out'), STATUS_CODE.PERMISSION_DENIED, /folder/);
  });

  it('keeps partial uploads out of every listed folder: no download, no rename into place', async () => {
    const handle = await p.open(
      alice.sftp,
      '/drop/big.bin',
      OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC,
    );
    await p.write(alice.sftp, handle, Buffer.alloc(4096, 1), 0);
    const row = await eventually(async () => {
      const [t] = await h.stores.transfers.listNormalized({ liveOnly: true }, { limit: 10 });
      return t?.destFilename === 'big.bin' ? t : undefined;
    });
    assert.ok(row.localPath.endsWith('.part'));
    assert.ok(
      !row.localPath.startsWith(join(h.home, 'drop')),
      `tmp file in the final folder: ${row.localPath}`,
    );
    assert.deepEqual(
      readdirSync(join(h.home, 'drop')).filter((n) => n.endsWith('.part')),
      [],
    );
    for (const s of [alice, bob]) {
      const names = await p.readdir(s.sftp, '/drop-read');
      assert.ok(!names.some((n) => n.endsWith('.part')), names.join(','));
    }
    await refusal(
      p.rename(alice.sftp, '/drop/big.bin', '/drop/other.bin'),
      STATUS_CODE.FAILURE,
      /being (received|uploaded)/,
    );
    await p.close(alice.sftp, handle);
    assert.equal(readFileSync(join(h.home, 'drop', 'big.bin')).length, 4096);
  });

  it('lets partners change nothing in a send-only folder by default, with the reason', async () => {
    mkdirSync(h.dirs.out, { recursive: true });
    writeFileSync(join(h.dirs.out, 'fetch-me.txt'), 'to fetch');
    // outbox shares its folder with alice-only: use a folder of its own for this check.
    const own = join(h.home, 'pickup');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'fetch-me.txt'), 'to fetch');
    await h.addRule({ name: 'pickup', isSend: true, path: 'pickup', localDir: own });
    await eventually(async () => (await p.readdir(bob.sftp, '/')).includes('pickup'));
    await refusal(p.unlink(bob.sftp, '/pickup/fetch-me.txt'), STATUS_CODE.PERMISSION_DENIED, /remove|delete/);
    await refusal(
      p.rename(bob.sftp, '/pickup/fetch-me.txt', '/pickup/x.txt'),
      STATUS_CODE.PERMISSION_DENIED,
      /rename/,
    );
    await refusal(p.mkdir(bob.sftp, '/pickup/sub'), STATUS_CODE.PERMISSION_DENIED, /folder/);
    await refusal(
      q.setstat(bob.sftp, '/pickup/fetch-me.txt', { mtime: 1, atime: 1 }),
      STATUS_CODE.PERMISSION_DENIED,
    );
    assert.ok(existsSync(join(own, 'fetch-me.txt')));
  });

  it('lets partners deliver into a folder offered to another account, each seeing only its own', async () => {
    const relay = join(h.home, 'relay');
    const pickup = await h.addRule({
      name: 'alice-pickup',
      isSend: true,
      path: 'alice-pickup',
      localDir: relay,
    });
    const a = await h.stores.localAccounts.get(h.server.id, 'alice');
    assert.ok(a);
    await h.stores.rules.authorize(pickup.id, { kind: 'localAccount', id: a.id });
    await h.addRule({ name: 'to-alice', isSend: false, path: 'to-alice', localDir: relay });
    await eventually(async () => (await p.readdir(bob.sftp, '/')).includes('to-alice'));
    await p.writeFile(bob.sftp, '/to-alice/from-bob.txt', Buffer.from('for alice'));
    assert.deepEqual(await p.readdir(bob.sftp, '/to-alice'), ['from-bob.txt']);
    await eventually(async () => (await p.readdir(alice.sftp, '/')).includes('alice-pickup'));
    assert.equal((await p.readFile(alice.sftp, '/alice-pickup/from-bob.txt')).toString(), 'for alice');
  });

  it('gives each account its own folder with #ACCOUNT#', async () => {
    for (const login of ['alice', 'bob']) {
      mkdirSync(join(h.home, 'mailbox', login), { recursive: true });
      writeFileSync(join(h.home, 'mailbox', login, 'letter.txt'), `for ${login}`);
    }
    await h.addRule({
      name: 'mailbox',
      isSend: true,
      path: 'mailbox',
      localDir: join(h.home, 'mailbox', '#ACCOUNT#'),
    });
    // A rule reading the parent folder does not open the other accounts' folders.
    await h.addRule({ name: 'all-mail', isSend: true, path: 'all-mail', localDir: join(h.home, 'mailbox') });
    for (const s of [alice, bob])
      await eventually(async () => (await p.readdir(s.sftp, '/')).includes('all-mail'));
    assert.equal((await p.readFile(bob.sftp, '/mailbox/letter.txt')).toString(), 'for bob');
    assert.equal((await p.readFile(alice.sftp, '/mailbox/letter.txt')).toString(), 'for alice');
    assert.deepEqual(await p.readdir(bob.sftp, '/all-mail'), ['bob']);
    await refusal(p.readFile(bob.sftp, '/all-mail/alice/letter.txt'), STATUS_CODE.NO_SUCH_FILE);
  });

  it('shares a receive folder between accounts only when the rule says so (rules made before isolation)', async () => {
    await h.addRule({
      name: 'common',
      isSend: false,
      path: 'common',
      localDir: join(h.home, 'common'),
      sharedFolder: true,
    });
    for (const s of [alice, bob])
      await eventually(async () => (await p.readdir(s.sftp, '/')).includes('common'));
    await p.writeFile(alice.sftp, '/common/a.txt', Buffer.from('a'));
    assert.deepEqual(await p.readdir(bob.sftp, '/common'), ['a.txt']);
    await p.unlink(bob.sftp, '/common/a.txt');
    assert.deepEqual(await p.readdir(alice.sftp, '/common'), []);
  });
});
