/** Put, get, ls and reget with the real OpenSSH sftp client (key authentication). */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKey, sftpBatch } from '../../support/openssh.js';
import type { SftpOptions } from '../../support/openssh.js';
import { makeTempDir } from '../../support/tmp.js';
import type { SftpHarness } from './harness.js';
import { startHarness } from './harness.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('SFTP server with the OpenSSH client', { timeout: 120_000 }, () => {
  let h: SftpHarness;
  let local: string;
  let o: SftpOptions;

  before(async () => {
    h = await startHarness();
    local = await makeTempDir('sftp-client');
    const key = await generateKey(local);
    await h.addAccount('alice', { publicKey: key.publicKey });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
    await h.addRule({ name: 'outbox', isSend: true, path: 'out' });
    await h.addRule({ name: 'reports', isSend: true, path: 'data/reports' });
    o = { port: h.port, user: 'alice', key: key.file, cwd: local };
  });
  after(() => h.stop());

  it('uploads a file into the receive directory with one DONE history entry and its SHA-256', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(local, 'up.bin'), data);
    const r = await sftpBatch(o, ['cd in', 'put up.bin']);
    assert.equal(r.code, 0, r.stderr);
    const received = readFileSync(join(h.dirs.in, 'up.bin'));
    assert.equal(sha(received), sha(data));
    const done = await h.stores.transfers.listNormalized({ historyOnly: true });
    const entry = done.find((t) => t.destFilename === 'up.bin');
    assert.ok(entry);
    assert.equal(entry.status, 'DONE');
    assert.equal(entry.isSend, false);
    assert.equal(entry.filesize, data.length);
    assert.equal(entry.progress, data.length);
    assert.equal(entry.info.sha256, sha(data));
    assert.equal(entry.localPath, join(h.dirs.in, 'up.bin'));
    assert.deepEqual(await h.stores.transfers.idsWithStatus(['RUNNING', 'INTERRUPTED', 'ERROR']), []);
  });

  it('downloads a file from the send directory', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 5);
    mkdirSync(h.dirs.out, { recursive: true });
    writeFileSync(join(h.dirs.out, 'down.bin'), data);
    const r = await sftpBatch(o, ['get out/down.bin got.bin']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sha(readFileSync(join(local, 'got.bin'))), sha(data));
    const done = await h.stores.transfers.listNormalized({ historyOnly: true });
    const entry = done.find((t) => t.srcFilename === 'down.bin');
    assert.equal(entry?.status, 'DONE');
    assert.equal(entry?.isSend, true);
  });

  it('resumes a download with reget', async () => {
    const data = randomBytes(1024 * 1024);
    writeFileSync(join(h.dirs.out, 'partial.bin'), data);
    writeFileSync(join(local, 'partial.bin'), data);
    truncateSync(join(local, 'partial.bin'), 300_000);
    const r = await sftpBatch(o, ['reget out/partial.bin partial.bin']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sha(readFileSync(join(local, 'partial.bin'))), sha(data));
  });

  it('lists the virtual root, virtual folders and rule folders', async () => {
    writeFileSync(join(h.dirs.out, 'listed.txt'), 'x');
    const r = await sftpBatch(o, ['ls /', 'ls /data', 'ls -l out']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const after = (cmd: string): string[] =>
      (lines[lines.indexOf(`sftp> ${cmd}`) + 1] ?? '').trim().split(/\s+/);
    assert.deepEqual(after('ls /'), ['/data', '/in', '/out']);
    assert.deepEqual(after('ls /data'), ['/data/reports']);
    assert.match(r.stdout, /-rw.*listed\.txt/);
  });

  it('refuses paths outside the rules: .., absolute paths and links leading out', async () => {
    const { symlinkSync } = await import('node:fs');
    const secret = join(local, 'secret.txt');
    writeFileSync(secret, 'secret');
    symlinkSync(secret, join(h.dirs.out, 'escape.txt'));
    symlinkSync(local, join(h.dirs.out, 'escape-dir'));
    for (const path of [
      '../../etc/passwd',
      '/etc/passwd',
      'out/../../etc/passwd',
      'out/escape.txt',
      'out/escape-dir/secret.txt',
    ]) {
      const r = await sftpBatch(o, [`get ${path} stolen.txt`]);
      assert.notEqual(r.code, 0, `get ${path} should fail`);
      assert.equal(existsSync(join(local, 'stolen.txt')), false, `get ${path} must not write anything`);
    }
    const up = await sftpBatch(o, ['put secret.txt out/escape-dir/planted.txt']);
    assert.notEqual(up.code, 0);
    assert.equal(existsSync(join(local, 'planted.txt')), false);
  });
});
