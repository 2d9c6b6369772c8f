/**
 * The hash of large uploads comes from the hash worker thread (a compiled module next to
 * hash-worker.js): without it sha256() gives undefined and every upload is read back.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileWriter } from '../../../src/transfer/file-writer.js';
import { inlineHashLimit } from '../../../src/transfer/upload-hash.js';
import { withTempDir } from '../../support/tmp.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const part = 256 << 10;

/** Writes `data` from `from` in 256 KiB parts, several in flight, then waits for the disk. */
async function upload(w: FileWriter, data: Buffer, from: number): Promise<void> {
  const writes: Promise<void>[] = [];
  for (let off = from; off < data.length; off += part) {
    const chunk = data.subarray(off, off + part);
    writes.push(new Promise((res, rej) => w.write(off, chunk, (e) => (e ? rej(e) : res()))));
  }
  await Promise.all(writes);
  await w.drain();
}

describe('UploadHash', () => {
  it('hashes a file past the inline limit in the worker thread', async () => {
    await withTempDir('upload-hash', async (dir) => {
      const path = join(dir, 'big');
      const data = randomBytes(inlineHashLimit + (4 << 20));
      const fd = openSync(path, 'w+');
      const w = new FileWriter(fd, 0, { path });
      await upload(w, data, 0);
      assert.equal(w.digest(), undefined, 'past the limit the event loop no longer hashes');
      assert.equal(await w.sha256(), sha(data));
      closeSync(fd);
    });
  });

  it('hashes a resumed upload from byte 0 in the worker thread', async () => {
    await withTempDir('upload-hash', async (dir) => {
      const path = join(dir, 'resumed');
      const data = randomBytes(3 << 20);
      const start = 1 << 20;
      const fd = openSync(path, 'w+');
      writeSync(fd, data, 0, start, 0);
      const w = new FileWriter(fd, start, { path });
      await upload(w, data, start);
      assert.equal(await w.sha256(), sha(data));
      closeSync(fd);
    });
  });

  it('gives no hash once bytes already hashed are written again', async () => {
    await withTempDir('upload-hash', async (dir) => {
      const path = join(dir, 'rewritten');
      const data = randomBytes(inlineHashLimit + part);
      const fd = openSync(path, 'w+');
      const w = new FileWriter(fd, 0, { path });
      await upload(w, data, 0);
      await upload(w, data.subarray(0, part), 0);
      assert.equal(await w.sha256(), undefined);
      closeSync(fd);
    });
  });
});
