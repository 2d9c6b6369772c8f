/**
 * OpenSSH-grade file semantics (issue #13), through ssh2's client so that every request and its
 * order are under control: setstat/fsetstat applied, an upload visible from its open under its
 * final name, append and re-open keep bytes, the OpenSSH extensions, and every error with a
 * message of its own.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSftpService } from '../../../src/sftp/service.js';
import { OPEN_MODE, STATUS_CODE } from '../../../src/sftp/ssh2.js';
import { RunningTransfers } from '../../../src/transfer/registry.js';
import type { SftpClient } from './client.js';
import { connect, p, q, refusal } from './client.js';
import type { SftpHarness } from './harness.js';
import { eventually, freePort, startHarness } from './harness.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('SFTP file semantics', { timeout: 60_000 }, () => {
  let h: SftpHarness;
  let c: SftpClient;

  before(async () => {
    h = await startHarness();
    await h.addAccount('ann', { password: 'ann-secret' });
    await h.addAccount('ben', { password: 'ben-secret' });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
    await h.addRule({ name: 'outbox', isSend: true, path: 'out' });
    c = await connect(h.port, { username: 'ann', password: 'ann-secret' });
  });
  after(async () => {
    await c.end();
    await h.stop();
  });

  const history = async (file: string) =>
    (await h.stores.transfers.listNormalized({ historyOnly: true }, { limit: 1000 })).filter(
      (t) => t.destFilename === file,
    );

  it('sets the times and the mode of a delivered file, and reports them in stat and listings', async () => {
    await p.writeFile(c.sftp, '/in/dated.txt', Buffer.from('dated'));
    const mtime = 1_500_000_000;
    await q.setstat(c.sftp, '/in/dated.txt', { atime: mtime + 10, mtime, mode: 0o4755 });
    const st = await q.stat(c.sftp, '/in/dated.txt');
    assert.equal(st.mtime, mtime);
    assert.equal(st.atime, mtime + 10);
    // setuid is never applied.
    assert.equal(st.mode & 0o7777, 0o755);
    const disk = statSync(join(h.dirs.in, 'dated.txt'));
    assert.equal(Math.floor(disk.mtimeMs / 1000), mtime);
    assert.equal(disk.mode & 0o7777, 0o755);
    const listed = (await q.list(c.sftp, '/in')).find((e) => e.filename === 'dated.txt');
    assert.equal(listed?.attrs.mtime, mtime);
  });

  it('applies times set on the open handle during an upload to the final file after the move', async () => {
    const handle = await p.open(c.sftp, '/in/kept.txt', 'w');
    await p.write(c.sftp, handle, Buffer.from('kept time'), 0);
    await q.fsetstat(c.sftp, handle, { atime: 1_400_000_000, mtime: 1_400_000_001, mode: 0o600 });
    await p.close(c.sftp, handle);
    const disk = statSync(join(h.dirs.in, 'kept.txt'));
    assert.equal(Math.floor(disk.mtimeMs / 1000), 1_400_000_001);
    assert.equal(Math.floor(disk.atimeMs / 1000), 1_400_000_000);
    // The gateway (and the back office's group) can always read back what it keeps.
    assert.equal(disk.mode & 0o777, 0o640);
    assert.equal((await q.stat(c.sftp, '/in/kept.txt')).mtime, 1_400_000_001);
  });

  it('takes a size and times set on the handle while the writes are in flight (lftp)', async () => {
    const handle = await p.open(c.sftp, '/in/lftp.txt', 'w');
    const data = Buffer.from('written by lftp');
    // lftp pipelines WRITE, FSETSTAT (size and times) and CLOSE without waiting.
    const steps = [
      p.write(c.sftp, handle, data, 0),
      q.fsetstat(c.sftp, handle, { size: data.length, atime: 1_300_000_000, mtime: 1_300_000_000 }),
      p.close(c.sftp, handle),
    ];
    await Promise.all(steps);
    assert.equal(readFileSync(join(h.dirs.in, 'lftp.txt'), 'utf8'), 'written by lftp');
    assert.equal((await q.stat(c.sftp, '/in/lftp.txt')).mtime, 1_300_000_000);
    // A size set on the handle is the size at the close, as ftruncate: cut here.
    const cut = await p.open(c.sftp, '/in/cut.txt', 'w');
    await p.write(c.sftp, cut, Buffer.from('0123456789'), 0);
    await q.fsetstat(c.sftp, cut, { size: 4 });
    await p.close(c.sftp, cut);
    assert.equal(readFileSync(join(h.dirs.in, 'cut.txt'), 'utf8'), '0123');
    const [rec] = await history('cut.txt');
    assert.equal(rec?.filesize, 4);
    assert.equal(rec?.info.sha256, sha('0123'));
  });

  it('shows an upload from the moment its open is answered, to stat and readdir, never as .part', async () => {
    // sshfs sends the open and a stat of the same path back to back, without waiting.
    const opening = p.open(c.sftp, '/in/early.txt', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC);
    const statting = q.lstat(c.sftp, '/in/early.txt');
    const [handle, st] = await Promise.all([opening, statting]);
    assert.equal(st.size, 0);
    await p.write(c.sftp, handle, Buffer.from('0123456789'), 0);
    assert.equal((await q.stat(c.sftp, '/in/early.txt')).size, 10);
    const names = (await q.list(c.sftp, '/in')).map((e) => e.filename);
    assert.ok(names.includes('early.txt'), `listing ${names.join(',')}`);
    assert.ok(!names.some((n) => n.endsWith('.part')), `no .part listed: ${names.join(',')}`);
    const other = await connect(h.port, { username: 'ben', password: 'ben-secret' });
    try {
      await refusal(q.stat(other.sftp, '/in/early.txt'), STATUS_CODE.NO_SUCH_FILE);
      assert.ok(!(await p.readdir(other.sftp, '/in')).includes('early.txt'));
    } finally {
      await other.end();
    }
    await p.close(c.sftp, handle);
    assert.equal(readFileSync(join(h.dirs.in, 'early.txt'), 'utf8'), '0123456789');
  });

  it('honours APPEND and keeps the bytes of a file re-opened without TRUNC', async () => {
    const append = OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.APPEND;
    for (const word of ['hello ', 'world']) {
      const handle = await p.open(c.sftp, '/in/appended.txt', append);
      // Offsets are ignored with APPEND, as OpenSSH's server opens with O_APPEND.
      await p.write(c.sftp, handle, Buffer.from(word), 0);
      await p.close(c.sftp, handle);
    }
    assert.equal(readFileSync(join(h.dirs.in, 'appended.txt'), 'utf8'), 'hello world');
    const records = await history('appended.txt');
    assert.equal(records.length, 2);
    const second = records.find((r) => r.info.previousSize === 6);
    assert.ok(second, JSON.stringify(records.map((r) => r.info)));
    assert.equal(second.status, 'DONE');
    assert.equal(second.filesize, 11);
    assert.equal(second.info.sha256, sha('hello world'));

    // POSIX: an open without TRUNC overwrites in place and keeps the rest.
    const handle = await p.open(c.sftp, '/in/appended.txt', OPEN_MODE.WRITE);
    await p.write(c.sftp, handle, Buffer.from('J'), 0);
    await p.close(c.sftp, handle);
    assert.equal(readFileSync(join(h.dirs.in, 'appended.txt'), 'utf8'), 'Jello world');
  });

  it('continues a finished file from its end (PuTTY reput) instead of restarting at 0', async () => {
    await p.writeFile(c.sftp, '/in/reput.bin', Buffer.from('first half;'));
    const size = (await q.stat(c.sftp, '/in/reput.bin')).size;
    const handle = await p.open(c.sftp, '/in/reput.bin', OPEN_MODE.WRITE);
    await p.write(c.sftp, handle, Buffer.from('second half'), size);
    await p.close(c.sftp, handle);
    assert.equal(readFileSync(join(h.dirs.in, 'reput.bin'), 'utf8'), 'first half;second half');
  });

  it('answers posix-rename (replacing), statvfs and fsync; refuses hardlink with a message', async () => {
    await p.writeFile(c.sftp, '/in/old.txt', Buffer.from('old'));
    await p.writeFile(c.sftp, '/in/new.txt', Buffer.from('new'));
    await q.posixRename(c.sftp, '/in/new.txt', '/in/old.txt');
    assert.equal(readFileSync(join(h.dirs.in, 'old.txt'), 'utf8'), 'new');
    assert.equal(existsSync(join(h.dirs.in, 'new.txt')), false);

    const vfs = await q.statvfs(c.sftp, '/in');
    assert.ok((vfs.f_bsize ?? 0) > 0 && (vfs.f_blocks ?? 0) > 0, JSON.stringify(vfs));
    assert.equal(vfs.f_namemax, 255);

    const handle = await p.open(c.sftp, '/in/synced.txt', 'w');
    await p.write(c.sftp, handle, Buffer.from('synced'), 0);
    await q.fsync(c.sftp, handle);
    await p.close(c.sftp, handle);

    await refusal(q.hardlink(c.sftp, '/in/old.txt', '/in/link.txt'), STATUS_CODE.OP_UNSUPPORTED, /hard link/);
    await refusal(q.readlink(c.sftp, '/in/old.txt'), STATUS_CODE.OP_UNSUPPORTED, /link/);
  });

  it('refuses reads the rule forbids with PERMISSION_DENIED and the reason, never NO_SUCH_FILE', async () => {
    await p.writeFile(c.sftp, '/in/listed.txt', Buffer.from('listed'));
    const listed = (await p.readdir(c.sftp, '/in')).includes('listed.txt');
    assert.ok(listed);
    assert.equal((await q.stat(c.sftp, '/in/listed.txt')).size, 6);
    await refusal(p.readFile(c.sftp, '/in/listed.txt'), STATUS_CODE.PERMISSION_DENIED, /upload/);
    await refusal(p.readFile(c.sftp, '/in/never-there.txt'), STATUS_CODE.PERMISSION_DENIED, /upload/);
    await refusal(p.readFile(c.sftp, '/out/never-there.txt'), STATUS_CODE.NO_SUCH_FILE, /never-there/);
    await refusal(q.rmdir(c.sftp, '/in/no-such-dir'), STATUS_CODE.NO_SUCH_FILE, /no-such-dir/);
  });

  it('leaves nothing behind as .part in the receive folder', () => {
    assert.deepEqual(
      readdirSync(h.dirs.in).filter((n) => n.endsWith('.part')),
      [],
    );
  });
});

describe('an upload seen from another node', { timeout: 60_000 }, () => {
  it('is visible to its account through every node, under its final name, with the bytes received but the last', async () => {
    const h = await startHarness();
    const other = await freePort();
    // A second node on the same database: its indirection binds the server's address elsewhere.
    const config = {
      ...h.ctx.config,
      indirection: {
        resolve: (a: string) => (a === h.server.address ? `127.0.0.1:${other}` : a),
        entries: () => new Map<string, string>(),
        file: undefined,
      },
    };
    const nodeB = createSftpService(
      { ...h.ctx, config, nodeName: 'node-b', running: new RunningTransfers() },
      { pollMs: 200 },
    );
    try {
      await nodeB.start();
      await h.addAccount('nina', { password: 'nina-secret' });
      await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
      const a = await connect(h.port, { username: 'nina', password: 'nina-secret' });
      const b = await connect(other, { username: 'nina', password: 'nina-secret' });
      const handle = await p.open(a.sftp, '/in/far.bin', 'w');
      assert.equal((await q.stat(b.sftp, '/in/far.bin')).size, 0);
      await p.write(a.sftp, handle, Buffer.alloc(1000, 1), 0);
      // Progress reaches the database about once a second, on a write.
      await new Promise((r) => setTimeout(r, 1100));
      await p.write(a.sftp, handle, Buffer.alloc(1000, 2), 1000);
      // Not running there: what a resume through node-b would start from, all but the last byte.
      await eventually(async () => (await q.stat(b.sftp, '/in/far.bin')).size === 1999);
      assert.deepEqual(await p.readdir(b.sftp, '/in'), ['far.bin']);
      await p.close(a.sftp, handle);
      await a.end();
      await b.end();
    } finally {
      await nodeB.stop();
      await nodeB.closeAllSessions();
      await h.stop();
    }
  });
});
