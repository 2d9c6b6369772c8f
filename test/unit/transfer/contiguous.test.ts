import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ContiguousRange } from '../../../src/transfer/contiguous.js';
import { FileWriter } from '../../../src/transfer/file-writer.js';
import { withTempDir } from '../../support/tmp.js';

describe('ContiguousRange', () => {
  it('advances only over bytes with no hole before them', () => {
    const r = new ContiguousRange();
    r.add(0, 10);
    assert.equal(r.mark, 10);
    r.add(20, 30);
    assert.equal(r.mark, 10);
    assert.equal(r.hasGaps, true);
    assert.equal(r.maxEnd, 30);
    r.add(40, 50);
    r.add(10, 15);
    assert.equal(r.mark, 15);
    r.add(15, 20);
    assert.equal(r.mark, 30);
    r.add(30, 40);
    assert.equal(r.mark, 50);
    assert.equal(r.hasGaps, false);
  });

  it('gives the intervals beyond the mark and merges another range', () => {
    const r = new ContiguousRange(10);
    r.add(20, 30);
    r.add(50, 60);
    assert.deepEqual(r.pending(), [
      [20, 30],
      [50, 60],
    ]);
    const other = new ContiguousRange(25);
    other.add(40, 50);
    r.addAll(other);
    assert.equal(r.mark, 30);
    assert.deepEqual(r.pending(), [[40, 60]]);
  });

  it('merges overlapping intervals and starts from a resume point', () => {
    const r = new ContiguousRange(100);
    r.add(150, 200);
    r.add(120, 160);
    r.add(90, 121);
    assert.equal(r.mark, 200);
    r.add(0, 50);
    assert.equal(r.mark, 200);
  });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function writeAll(w: FileWriter, parts: [number, Buffer][]): Promise<void> {
  return Promise.all(
    parts.map(
      ([off, data]) => new Promise<void>((res, rej) => w.write(off, data, (e) => (e ? rej(e) : res()))),
    ),
  ).then(() => w.drain());
}

describe('FileWriter', () => {
  it('writes pipelined chunks at their offsets and hashes them when in order', async () => {
    await withTempDir('writer', async (dir) => {
      const data = randomBytes(1024 * 1024);
      const fd = openSync(join(dir, 'f'), 'w+');
      const w = new FileWriter(fd, 0);
      const parts: [number, Buffer][] = [];
      for (let off = 0; off < data.length; off += 32768) parts.push([off, data.subarray(off, off + 32768)]);
      await writeAll(w, parts);
      closeSync(fd);
      assert.equal(w.progress, data.length);
      assert.equal(w.digest(), sha(data));
      assert.equal(sha(readFileSync(join(dir, 'f'))), sha(data));
    });
  });

  it('gives no running hash for out-of-order writes, and tracks the hole', async () => {
    await withTempDir('writer', async (dir) => {
      const fd = openSync(join(dir, 'f'), 'w+');
      const w = new FileWriter(fd, 0);
      await writeAll(w, [[100, Buffer.alloc(100, 2)]]);
      assert.equal(w.progress, 0);
      assert.equal(w.hasGaps, true);
      await writeAll(w, [[0, Buffer.alloc(100, 1)]]);
      closeSync(fd);
      assert.equal(w.progress, 200);
      assert.equal(w.digest(), undefined);
    });
  });

  it('fails every later write after a write error', async () => {
    const w = new FileWriter(987654, 0);
    await assert.rejects(writeAll(w, [[0, Buffer.alloc(10)]]), /EBADF/);
    await assert.rejects(writeAll(w, [[10, Buffer.alloc(10)]]), /EBADF/);
    assert.equal(w.queuedBytes, 0);
  });
});
