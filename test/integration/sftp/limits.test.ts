/**
 * The limits the SFTP server announces (`limits@openssh.com`) and enforces: clients that honour
 * the extension (ssh2's client: our own partner transfers) use 255 KiB requests instead of
 * ~32 KiB, and a session cannot hold handles without bound.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pullFile, pushFile } from '../../../src/client/sftp-copy.js';
import { maxOpenHandles, maxWriteLength } from '../../../src/sftp/limits.js';
import type { SFTPWrapper } from '../../../src/sftp/ssh2.js';
import { makeTempDir } from '../../support/tmp.js';
import type { SftpClient } from './client.js';
import { connect, p } from './client.js';
import type { SftpHarness } from './harness.js';
import { startHarness } from './harness.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** What ssh2's client settled on for this session (the sizes its read()/write() split at). */
function requestSizes(sftp: SFTPWrapper): { read: unknown; write: unknown } {
  const s = sftp as unknown as { _maxReadLen?: unknown; _maxWriteLen?: unknown };
  return { read: s._maxReadLen, write: s._maxWriteLen };
}

function call<T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

describe('SFTP limits', { timeout: 120_000 }, () => {
  let h: SftpHarness;
  let c: SftpClient;
  let local: string;

  before(async () => {
    h = await startHarness();
    local = await makeTempDir('sftp-limits');
    await h.addAccount('lim', { password: 'lim-secret' });
    await h.addRule({ name: 'inbox', isSend: false, path: 'in' });
    await h.addRule({ name: 'outbox', isSend: true, path: 'out' });
    c = await connect(h.port, { username: 'lim', password: 'lim-secret' });
  });
  after(async () => {
    await c.end();
    await h.stop();
  });

  it('announces limits@openssh.com: ssh2’s client uses 255 KiB requests both ways', () => {
    // Without the extension ssh2's client stays at 32 KiB minus its header room (31952 bytes).
    assert.deepEqual(requestSizes(c.sftp), { read: maxWriteLength, write: maxWriteLength });
    assert.equal(maxWriteLength, 255 * 1024);
  });

  it('moves a file both ways with the partner copy loop at that size, checksums equal', async () => {
    const data = randomBytes(24 * 1024 * 1024 + 4321);
    const src = join(local, 'up.bin');
    writeFileSync(src, data);
    const signal = new AbortController().signal;
    const handle = await call<Buffer>((cb) => c.sftp.open('/in/up.bin', 'w', cb));
    const pushed = await pushFile(c.sftp, src, handle, data.length, {
      from: 0,
      onProgress: () => {},
      signal,
    });
    await p.close(c.sftp, handle);
    assert.equal(pushed, data.length);
    assert.equal(sha(readFileSync(join(h.dirs.in, 'up.bin'))), sha(data));
    const done = await h.stores.transfers.listNormalized({ historyOnly: true }, { limit: 100 });
    // Past 8 MiB the hash comes from the hash worker reading the file back: the same digest.
    assert.equal(done.find((t) => t.destFilename === 'up.bin')?.info.sha256, sha(data));

    writeFileSync(join(h.dirs.out, 'down.bin'), data);
    const dst = join(local, 'down.bin');
    writeFileSync(dst, '');
    const rh = await call<Buffer>((cb) => c.sftp.open('/out/down.bin', 'r', cb));
    const pulled = await pullFile(c.sftp, rh, dst, data.length, { from: 0, onProgress: () => {}, signal });
    await p.close(c.sftp, rh);
    assert.equal(pulled, data.length);
    assert.equal(sha(readFileSync(dst)), sha(data));
  });

  it(`refuses a handle beyond ${maxOpenHandles} per session, and takes one again once freed`, async () => {
    const s = await connect(h.port, { username: 'lim', password: 'lim-secret' });
    try {
      const handles: Buffer[] = [];
      for (let i = 0; i < maxOpenHandles; i++)
        handles.push(await call<Buffer>((cb) => s.sftp.opendir('/', cb)));
      await assert.rejects(
        call<Buffer>((cb) => s.sftp.opendir('/', cb)),
        /too many open handles/,
      );
      await p.close(s.sftp, handles.pop()!);
      const again = await call<Buffer>((cb) => s.sftp.opendir('/', cb));
      assert.ok(Buffer.isBuffer(again));
    } finally {
      await s.end();
    }
  });
});
