/**
 * Resumable uploads: a put cut off mid-file leaves the transfer INTERRUPTED with its tmp file;
 * `reput` continues it (same record, exactly one DONE); a TRUNC open starts over on the same
 * record with no stale tail; a hole is never counted as progress.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Transfer } from '../../../src/model/entities.js';
import { OPEN_MODE } from '../../../src/sftp/ssh2.js';
import { generateKey, sftpBatch, startSftp } from '../../support/openssh.js';
import type { SftpOptions } from '../../support/openssh.js';
import { makeTempDir } from '../../support/tmp.js';
import { connect, p } from './client.js';
import type { SftpHarness } from './harness.js';
import { eventually, startHarness } from './harness.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function liveRows(h: SftpHarness): Promise<Transfer[]> {
  const rows = await h.db.all<{ id: number }>('SELECT id FROM transfers ORDER BY id');
  const out: Transfer[] = [];
  for (const r of rows) {
    const t = await h.stores.transfers.get(Number(r.id));
    if (t) out.push(t);
  }
  return out;
}

async function historyOf(h: SftpHarness, file: string) {
  return (await h.stores.transfers.listNormalized({ historyOnly: true }, { limit: 100 })).filter(
    (t) => t.destFilename === file,
  );
}

describe('resumable uploads', { timeout: 180_000 }, () => {
  let h: SftpHarness;
  let local: string;
  let o: SftpOptions;

  before(async () => {
    h = await startHarness();
    local = await makeTempDir('sftp-resume');
    const key = await generateKey(local);
    await h.addAccount('bob', { publicKey: key.publicKey, password: 'bob-password' });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
    o = { port: h.port, user: 'bob', key: key.file, cwd: local };
  });
  after(() => h.stop());

  /** Writes `first` to /in/`name` through a session then cut: the INTERRUPTED record it leaves. */
  async function cutUpload(name: string, first: Buffer): Promise<Transfer> {
    const c = await connect(h.port, { username: 'bob', password: 'bob-password' });
    const handle = await p.open(c.sftp, `/in/${name}`, 'w');
    await p.write(c.sftp, handle, first, 0);
    c.destroy();
    return eventually(async () => {
      const [row] = await liveRows(h);
      return row?.status === 'INTERRUPTED' ? row : undefined;
    });
  }

  it('continues a put cut off mid-file with reput: same record, one DONE, identical file', async () => {
    const data = randomBytes(64 * 1024 * 1024);
    writeFileSync(join(local, 'big.bin'), data);
    // About 6 MB/s: the cut comes after a few MB, long before the end.
    const run = startSftp({ ...o, limitKbps: 50_000 }, ['cd in', 'put big.bin']);
    const row = await eventually(async () => {
      const [t] = await liveRows(h);
      if (t === undefined || !t.localPath.endsWith('.part') || !existsSync(t.localPath)) return undefined;
      return statSync(t.localPath).size > 4 * 1024 * 1024 ? t : undefined;
    }, 30_000);
    run.child.kill('SIGKILL');
    await run.done;

    const interrupted = await eventually(async () => {
      const t = await h.stores.transfers.get(row.id);
      return t?.status === 'INTERRUPTED' ? t : undefined;
    });
    assert.equal(interrupted.errorCode, 'TeConnectionReset');
    assert.ok(interrupted.progress > 0, 'the contiguous progress is saved');
    assert.ok(interrupted.progress < data.length);
    assert.ok(existsSync(interrupted.localPath), 'the tmp file stays for the resume');
    assert.equal(interrupted.leaseExpiresAt, null, 'the lease is released');
    const part = readFileSync(interrupted.localPath).subarray(0, interrupted.progress);
    assert.equal(sha(part), sha(data.subarray(0, interrupted.progress)), 'bytes before progress are right');
    assert.equal(existsSync(join(h.dirs.in, 'big.bin')), false);

    // stat of the target reports the bytes already received but the last: reput resumes there.
    const ls = await sftpBatch(o, ['ls -l in/big.bin']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`\\s${interrupted.progress - 1}\\s`));

    const resumed = await sftpBatch(o, ['cd in', 'reput big.bin']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(sha(readFileSync(join(h.dirs.in, 'big.bin'))), sha(data));
    const history = await historyOf(h, 'big.bin');
    assert.equal(history.length, 1, 'the record is continued, not duplicated');
    assert.equal(history[0]?.id, row.id);
    assert.equal(history[0]?.status, 'DONE');
    assert.equal(history[0]?.info.sha256, sha(data));
    assert.equal(history[0]?.filesize, data.length);
    assert.deepEqual(await liveRows(h), [], 'nothing left in transfers');
    assert.equal(existsSync(interrupted.localPath), false, 'the tmp file is gone');
  });

  it('starts over cleanly on TRUNC: same record, no stale tail', async () => {
    const c = await connect(h.port, { username: 'bob', password: 'bob-password' });
    const handle = await p.open(c.sftp, '/in/trunc.bin', 'w');
    await p.write(c.sftp, handle, randomBytes(1024 * 1024), 0);
    c.destroy();
    const first = await eventually(async () => {
      const [t] = await liveRows(h);
      return t?.status === 'INTERRUPTED' ? t : undefined;
    });
    assert.equal(first.progress, 1024 * 1024);

    const small = Buffer.from('a short file that replaces a longer partial one\n');
    writeFileSync(join(local, 'trunc.bin'), small);
    const r = await sftpBatch(o, ['cd in', 'put trunc.bin']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(join(h.dirs.in, 'trunc.bin')), small);
    const history = await historyOf(h, 'trunc.bin');
    assert.equal(history.length, 1);
    assert.equal(history[0]?.id, first.id);
    assert.equal(history[0]?.filesize, small.length);
    assert.deepEqual(await liveRows(h), []);
  });

  it('never counts bytes behind a hole as progress, and resumes from the hole', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const c = await connect(h.port, { username: 'bob', password: 'bob-password' });
    const handle = await p.open(c.sftp, '/in/holes.bin', 'w');
    // Second half first, then the first 256 KiB: bytes [256K, 1M) are missing.
    await p.write(c.sftp, handle, data.subarray(1024 * 1024), 1024 * 1024);
    await p.write(c.sftp, handle, data.subarray(0, 256 * 1024), 0);
    c.destroy();
    const t = await eventually(async () => {
      const [row] = await liveRows(h);
      return row?.status === 'INTERRUPTED' ? row : undefined;
    });
    assert.equal(t.progress, 256 * 1024);

    // An ssh2 client resumes without TRUNC ('r+') at the offset stat gives.
    const c2 = await connect(h.port, { username: 'bob', password: 'bob-password' });
    const st = await p.stat(c2.sftp, '/in/holes.bin');
    assert.equal(st.size, 256 * 1024 - 1, 'the bytes before the hole, but the last');
    const h2 = await p.open(c2.sftp, '/in/holes.bin', 'r+');
    await p.write(c2.sftp, h2, data.subarray(st.size), st.size);
    await p.close(c2.sftp, h2);
    await c2.end();
    assert.equal(sha(readFileSync(join(h.dirs.in, 'holes.bin'))), sha(data));
    const history = await historyOf(h, 'holes.bin');
    assert.equal(history.length, 1);
    assert.equal(history[0]?.id, t.id);
  });

  it('writes an APPEND resume (OpenSSH reput) where the client says, never shifted to the end', async () => {
    // The client resumes from a size it was told before the record moved on (a stat on another
    // node while the cut session was still ending): appending its bytes at the real end would
    // deliver a shifted file, DONE and wrong. They go where the client says; the file is whole.
    const data = randomBytes(1024 * 1024);
    const t = await cutUpload('shift.bin', data.subarray(0, 600 * 1024));
    assert.equal(t.progress, 600 * 1024);

    const told = 400 * 1024;
    const c2 = await connect(h.port, { username: 'bob', password: 'bob-password' });
    const h2 = await p.open(c2.sftp, '/in/shift.bin', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.APPEND);
    for (let at = told; at < data.length; at += 32 * 1024)
      await p.write(c2.sftp, h2, data.subarray(at, Math.min(at + 32 * 1024, data.length)), at);
    await p.close(c2.sftp, h2);
    await c2.end();
    assert.equal(sha(readFileSync(join(h.dirs.in, 'shift.bin'))), sha(data));
    const history = await historyOf(h, 'shift.bin');
    assert.equal(history.length, 1);
    assert.equal(history[0]?.id, t.id);
    assert.equal(history[0]?.info.sha256, sha(data));
  });

  it('tells reput the bytes really there when the tmp file holds less than the record says', async () => {
    // A crash lost the tail of the tmp file (or a close moved it before its record could be
    // written): stat must say what an open resumes from, never the record's progress alone.
    const data = randomBytes(1024 * 1024);
    writeFileSync(join(local, 'lost.bin'), data);
    const t = await cutUpload('lost.bin', data.subarray(0, 600 * 1024));
    assert.equal(t.progress, 600 * 1024);
    truncateSync(t.localPath, 200 * 1024);

    const ls = await sftpBatch(o, ['ls -l in/lost.bin']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`\\s${200 * 1024 - 1}\\s`));
    const resumed = await sftpBatch(o, ['cd in', 'reput lost.bin']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(sha(readFileSync(join(h.dirs.in, 'lost.bin'))), sha(data));
    const history = await historyOf(h, 'lost.bin');
    assert.equal(history.length, 1);
    assert.equal(history[0]?.id, t.id);
  });

  it('delivers with reput an upload whose every byte arrived before the cut hid its CLOSE', async () => {
    // A load balancer cutting the session (swarm's rolling update) or a node killed between the
    // last WRITE and the CLOSE: all bytes are there, but only the CLOSE delivers the file.
    // Saying the whole size made OpenSSH's reput stop ("same size or larger"): never delivered.
    const data = randomBytes(512 * 1024);
    writeFileSync(join(local, 'whole.bin'), data);
    const t = await cutUpload('whole.bin', data);
    assert.equal(t.progress, data.length);
    assert.equal(existsSync(join(h.dirs.in, 'whole.bin')), false);

    const resumed = await sftpBatch(o, ['cd in', 'reput whole.bin']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(sha(readFileSync(join(h.dirs.in, 'whole.bin'))), sha(data));
    const history = await historyOf(h, 'whole.bin');
    assert.equal(history.length, 1);
    assert.equal(history[0]?.id, t.id);
    assert.equal(history[0]?.status, 'DONE');
    assert.equal(history[0]?.filesize, data.length);
  });

  it('resumes an upload that failed in its data phase (a full disk) from its progress, never doubled', async () => {
    // A write error (ENOSPC) leaves the record ERROR with its progress; the tmp file is found
    // again from the record. stat must say that progress: saying 0 sent the whole file, which
    // the open appended after the bytes already there (the nodes tier's full-home test).
    const data = randomBytes(1024 * 1024);
    writeFileSync(join(local, 'full.bin'), data);
    const t = await cutUpload('full.bin', data.subarray(0, 400 * 1024));
    // As a failure in the data phase wrote the record before: ERROR, naming the final path.
    await h.db.run(
      `UPDATE transfers SET status = 'ERROR', error_code = 'TeDataTransfer', local_path = ? WHERE id = ?`,
      [join(h.dirs.in, 'full.bin'), t.id],
    );
    const ls = await sftpBatch(o, ['ls -l in/full.bin']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`\\s${400 * 1024 - 1}\\s`));
    const resumed = await sftpBatch(o, ['cd in', 'reput full.bin']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(statSync(join(h.dirs.in, 'full.bin')).size, data.length);
    assert.equal(sha(readFileSync(join(h.dirs.in, 'full.bin'))), sha(data));
    const history = await historyOf(h, 'full.bin');
    assert.equal(history.length, 1);
    assert.equal(history[0]?.id, t.id);
  });

  it('fails a file closed with bytes missing instead of delivering it', async () => {
    const c = await connect(h.port, { username: 'bob', password: 'bob-password' });
    const handle = await p.open(c.sftp, '/in/gap.bin', 'w');
    await p.write(c.sftp, handle, Buffer.alloc(1000, 1), 5000);
    await assert.rejects(p.close(c.sftp, handle), /bytes missing/);
    await c.end();
    const [row] = await liveRows(h);
    assert.equal(row?.status, 'ERROR');
    assert.equal(row?.errorCode, 'TeDataTransfer');
    assert.equal(existsSync(join(h.dirs.in, 'gap.bin')), false);
    await h.db.run('DELETE FROM transfers');
  });

  it("waits for another node's lease to lapse, then continues the upload", async () => {
    const c = await connect(h.port, { username: 'bob', password: 'bob-password' });
    const handle = await p.open(c.sftp, '/in/lease.bin', 'w');
    const data = randomBytes(300_000);
    await p.write(c.sftp, handle, data.subarray(0, 100_000), 0);
    c.destroy();
    const t = await eventually(async () => {
      const [row] = await liveRows(h);
      return row?.status === 'INTERRUPTED' ? row : undefined;
    });
    // Another node took it and died: RUNNING with a lease that lapses in 1.5 s.
    await h.db.run(
      `UPDATE transfers SET status = 'RUNNING', node = 'node-b', lease_expires_at = ? WHERE id = ?`,
      [Date.now() + 1500, t.id],
    );
    const c2 = await connect(h.port, { username: 'bob', password: 'bob-password' });
    const started = Date.now();
    const h2 = await p.open(c2.sftp, '/in/lease.bin', 'r+');
    assert.ok(Date.now() - started >= 1000, 'the open waited for the lease');
    await p.write(c2.sftp, h2, data.subarray(100_000), 100_000);
    await p.close(c2.sftp, h2);
    await c2.end();
    const history = await historyOf(h, 'lease.bin');
    assert.equal(history.length, 1);
    assert.equal(history[0]?.node, 'node-a');
    assert.equal(sha(readFileSync(join(h.dirs.in, 'lease.bin'))), sha(data));
    assert.deepEqual(
      readdirSync(h.dirs.tmp).filter((f) => f.startsWith('lease.bin')),
      [],
    );
  });
});
