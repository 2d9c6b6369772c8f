/**
 * File operations and rule access through ssh2's client: mkdir, rename, remove, setstat,
 * fstat, realpath, listings, direction checks, rule access lists, concurrent downloads.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SftpClient } from './client.js';
import { connect, p } from './client.js';
import type { SftpHarness } from './harness.js';
import { startHarness } from './harness.js';

describe('SFTP file operations', { timeout: 60_000 }, () => {
  let h: SftpHarness;
  let c: SftpClient;

  before(async () => {
    h = await startHarness();
    const frank = await h.addAccount('frank', { password: 'frank-secret' });
    const other = await h.addAccount('grace', { password: 'grace-secret' });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
    await h.addRule({ name: 'outbox', isSend: true, path: 'out' });
    // Same path both ways: listing shows the send side, uploads go to the receive side.
    await h.addRule({ name: 'both-send', isSend: true, path: 'both', localDir: join(h.home, 'both-out') });
    await h.addRule({ name: 'both-recv', isSend: false, path: 'both', localDir: join(h.home, 'both-in') });
    // A folder of its own: one shared with the open outbox would hide outbox from frank.
    const privateRule = await h.addRule({
      name: 'private',
      isSend: true,
      path: 'private',
      localDir: join(h.home, 'private'),
    });
    await h.stores.rules.authorize(privateRule.id, { kind: 'localAccount', id: other.id });
    void frank;
    c = await connect(h.port, { username: 'frank', password: 'frank-secret' });
  });
  after(async () => {
    await c.end();
    await h.stop();
  });

  it('lists only the rules the account may use, and refuses the others', async () => {
    assert.deepEqual(await p.readdir(c.sftp, '/'), ['both', 'in', 'out']);
    await assert.rejects(p.readdir(c.sftp, '/private'), (e: Error & { code?: number }) => e.code === 3);
    await assert.rejects(p.readFile(c.sftp, '/private/x'), /may not use that rule/);
    const g = await connect(h.port, { username: 'grace', password: 'grace-secret' });
    assert.deepEqual(await p.readdir(g.sftp, '/'), ['both', 'in', 'out', 'private']);
    await g.end();
  });

  it('answers realpath with normalised virtual paths', async () => {
    const real = (path: string): Promise<string> =>
      new Promise((res, rej) => c.sftp.realpath(path, (e, r) => (e ? rej(e) : res(r))));
    assert.equal(await real('.'), '/');
    assert.equal(await real('in/../out/./x'), '/out/x');
    assert.equal(await real('../../..'), '/');
  });

  it('refuses uploads into a send-only folder and downloads from a receive-only folder', async () => {
    await assert.rejects(p.writeFile(c.sftp, '/out/x.txt', Buffer.from('x')), /denied|downloads only/i);
    writeFileSync(join(h.dirs.in, 'already-here.txt'), 'x');
    // The rule forbids the read: that is the answer, whether the file is there or not.
    await assert.rejects(p.readFile(c.sftp, '/in/already-here.txt'), /for uploads/i);
    await assert.rejects(p.writeFile(c.sftp, '/nowhere/x.txt', Buffer.from('x')), /no such file/i);
    await assert.rejects(p.writeFile(c.sftp, '/x.txt', Buffer.from('x')), /no such file/i);
  });

  it('sends uploads of a two-way folder to the receive side and lists both sides', async () => {
    mkdirSync(join(h.home, 'both-out'), { recursive: true });
    writeFileSync(join(h.home, 'both-out', 'offered.txt'), 'offered');
    await p.writeFile(c.sftp, '/both/sent.txt', Buffer.from('sent'));
    assert.equal(readFileSync(join(h.home, 'both-in', 'sent.txt'), 'utf8'), 'sent');
    assert.deepEqual(await p.readdir(c.sftp, '/both'), ['offered.txt', 'sent.txt']);
    assert.equal((await p.readFile(c.sftp, '/both/offered.txt')).toString(), 'offered');
    // What the account sent is listed, and cannot be downloaded: the rule says why.
    await assert.rejects(p.readFile(c.sftp, '/both/sent.txt'), /received files cannot be downloaded/);
    // An upload in progress under a name the send side also has: stat shows the upload (reput).
    const handle = await p.open(c.sftp, '/both/offered.txt', 'w');
    await p.write(c.sftp, handle, Buffer.from('abc'), 0);
    assert.equal((await p.stat(c.sftp, '/both/offered.txt')).size, 3);
    await p.close(c.sftp, handle);
  });

  it('creates folders, uploads into them, renames and removes inside a rule', async () => {
    await p.mkdir(c.sftp, '/in/sub');
    await p.writeFile(c.sftp, '/in/sub/a.txt', Buffer.from('aaa'));
    assert.equal(readFileSync(join(h.dirs.in, 'sub', 'a.txt'), 'utf8'), 'aaa');
    await p.setstat(c.sftp, '/in/sub/a.txt');
    await p.rename(c.sftp, '/in/sub/a.txt', '/in/sub/b.txt');
    assert.ok(existsSync(join(h.dirs.in, 'sub', 'b.txt')));
    await assert.rejects(p.rename(c.sftp, '/in/sub/b.txt', '/out/b.txt'), /one rule/);
    await p.unlink(c.sftp, '/in/sub/b.txt');
    assert.equal(existsSync(join(h.dirs.in, 'sub', 'b.txt')), false);
    await new Promise<void>((res, rej) => c.sftp.rmdir('/in/sub', (e) => (e ? rej(e) : res())));
    assert.equal(existsSync(join(h.dirs.in, 'sub')), false);
    await assert.rejects(p.mkdir(c.sftp, '/in'), /exists/);
    await assert.rejects(p.unlink(c.sftp, '/in'), /folder of a rule/);
  });

  it('answers fstat on open files', async () => {
    writeFileSync(join(h.dirs.out, 'sized.bin'), Buffer.alloc(12345));
    const handle = await p.open(c.sftp, '/out/sized.bin', 'r');
    const st = await new Promise<{ size: number }>((res, rej) =>
      c.sftp.fstat(handle, (e, s) => (e ? rej(e) : res(s))),
    );
    assert.equal(st.size, 12345);
    await p.close(c.sftp, handle);
  });

  it('lets two partners download the same file at once', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 7);
    writeFileSync(join(h.dirs.out, 'shared.bin'), data);
    const c2 = await connect(h.port, { username: 'grace', password: 'grace-secret' });
    const [a, b] = await Promise.all([
      p.readFile(c.sftp, '/out/shared.bin'),
      p.readFile(c2.sftp, '/out/shared.bin'),
    ]);
    assert.ok(a.equals(data));
    assert.ok(b.equals(data));
    await c2.end();
    const done = await h.stores.transfers.listNormalized(
      { historyOnly: true, rule: ['outbox'] },
      { limit: 50 },
    );
    assert.equal(done.filter((t) => t.srcFilename === 'shared.bin' && t.status === 'DONE').length, 2);
  });
});

describe('a misbehaving client', { timeout: 30_000 }, () => {
  it('gets its session closed without harming the server', async () => {
    const h = await startHarness();
    try {
      await h.addAccount('mallory', { password: 'mallory-secret' });
      const { Client } = await import('../../../src/sftp/ssh2.js');
      const conn = new Client();
      await new Promise<void>((resolve, reject) => {
        conn.on('error', reject);
        conn.on('ready', () => resolve());
        conn.connect({ host: '127.0.0.1', port: h.port, username: 'mallory', password: 'mallory-secret' });
      });
      const closed = await new Promise<boolean>((resolve, reject) => {
        conn.subsys('sftp', (err, stream) => {
          if (err) return reject(err);
          stream.on('close', () => resolve(true));
          stream.resume();
          // INIT, then a packet of length 0: a protocol error.
          stream.write(Buffer.from([0, 0, 0, 5, 1, 0, 0, 0, 3, 0, 0, 0, 0]));
        });
      });
      assert.equal(closed, true);
      conn.end();
      const c = await connect(h.port, { username: 'mallory', password: 'mallory-secret' });
      assert.deepEqual(await p.readdir(c.sftp, '/'), []);
      await c.end();
    } finally {
      await h.stop();
    }
  });
});
