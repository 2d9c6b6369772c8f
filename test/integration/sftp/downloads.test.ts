/**
 * What download records say (issue #13, point 4): one record per file read, whatever the number
 * of handles or sessions (segmented downloads); DONE only once every byte was sent; an open that
 * reads nothing leaves no record; a resumed download continues its record; progress right for
 * reads out of order.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NormalizedTransfer } from '../../../src/db/stores/transfers.js';
import { Housekeeping } from '../../../src/transfer/housekeeping.js';
import type { SftpClient } from './client.js';
import { connect, p } from './client.js';
import type { SftpHarness } from './harness.js';
import { eventually, startHarness } from './harness.js';

describe('download records', { timeout: 60_000 }, () => {
  let h: SftpHarness;
  let c: SftpClient;
  const login = { username: 'dora', password: 'dora-secret' };

  before(async () => {
    h = await startHarness();
    await h.addAccount(login.username, { password: login.password });
    await h.addRule({ name: 'outbox', isSend: true, path: 'out' });
    c = await connect(h.port, login);
  });
  after(async () => {
    await c.end();
    await h.stop();
  });

  const offer = (name: string, size: number): Buffer => {
    const data = randomBytes(size);
    writeFileSync(join(h.dirs.out, name), data);
    return data;
  };
  const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
  const records = async (file: string): Promise<NormalizedTransfer[]> =>
    (await h.stores.transfers.listNormalized({}, { limit: 1000 })).filter((t) => t.srcFilename === file);

  /** Reads [from, to) in `chunk` pieces through one handle. */
  const readRange = async (s: SftpClient, handle: Buffer, from: number, to: number, chunk = 32768) => {
    const parts: Buffer[] = [];
    for (let off = from; off < to; off += chunk) {
      parts.push(await p.read(s.sftp, handle, Math.min(chunk, to - off), off));
    }
    return Buffer.concat(parts);
  };

  it('leaves no record for an open closed without a read', async () => {
    offer('probe.bin', 1024);
    const handle = await p.open(c.sftp, '/out/probe.bin', 'r');
    await p.close(c.sftp, handle);
    assert.deepEqual(await records('probe.bin'), []);
  });

  it('makes one DONE record for a file read by four handles, one segment each', async () => {
    const data = offer('segments.bin', 400_000);
    const handles = await Promise.all([0, 1, 2, 3].map(() => p.open(c.sftp, '/out/segments.bin', 'r')));
    const quarter = data.length / 4;
    const parts = await Promise.all(handles.map((hd, i) => readRange(c, hd, i * quarter, (i + 1) * quarter)));
    assert.ok(Buffer.concat(parts).equals(data));
    for (const hd of handles) await p.close(c.sftp, hd);
    const list = await records('segments.bin');
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.equal(list[0]?.status, 'DONE');
    assert.equal(list[0]?.progress, data.length);
    assert.equal(list[0]?.info.sha256, sha256(data), 'the SHA-256 of what was sent');
  });

  it('records the SHA-256 of a file read in order, as uploads record theirs', async () => {
    const data = offer('in-order.bin', 300_000);
    const handle = await p.open(c.sftp, '/out/in-order.bin', 'r');
    // A retry of a range already read adds nothing.
    const got = Buffer.concat([
      await readRange(c, handle, 0, 100_000),
      await readRange(c, handle, 50_000, 300_000),
    ]);
    await p.close(c.sftp, handle);
    assert.equal(got.length, 350_000);
    const [done] = await records('in-order.bin');
    assert.equal(done?.status, 'DONE');
    assert.equal(done?.info.sha256, sha256(data));
  });

  it('makes one record for segments read through several sessions', async () => {
    const data = offer('sessions.bin', 300_000);
    const others = [await connect(h.port, login), await connect(h.port, login)];
    const third = data.length / 3;
    const all = [c, ...others];
    const handles = await Promise.all(all.map((s) => p.open(s.sftp, '/out/sessions.bin', 'r')));
    await Promise.all(all.map((s, i) => readRange(s, handles[i] as Buffer, i * third, (i + 1) * third)));
    for (const [i, s] of all.entries()) await p.close(s.sftp, handles[i] as Buffer);
    for (const s of others) await s.end();
    const list = await records('sessions.bin');
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.equal(list[0]?.status, 'DONE');
  });

  it('is DONE only once every byte was sent, and counts reads out of order', async () => {
    const data = offer('backwards.bin', 256 * 1024);
    const handle = await p.open(c.sftp, '/out/backwards.bin', 'r');
    // The second half first (a prefetch or a readv answered out of order).
    await readRange(c, handle, 128 * 1024, 256 * 1024);
    await readRange(c, handle, 0, 128 * 1024);
    await p.close(c.sftp, handle);
    const [done] = await records('backwards.bin');
    assert.equal(done?.status, 'DONE');
    assert.equal(done?.progress, data.length);
    assert.equal(done?.info.sha256, sha256(data));

    offer('half.bin', 200_000);
    const half = await p.open(c.sftp, '/out/half.bin', 'r');
    await readRange(c, half, 0, 100_000);
    await p.close(c.sftp, half);
    const [partial] = await records('half.bin');
    assert.equal(partial?.status, 'INTERRUPTED');
    assert.equal(partial?.progress, 100_000);
  });

  it('continues the record of an interrupted download when it is resumed (reget, curl -C -)', async () => {
    const data = offer('resumed.bin', 500_000);
    const first = await connect(h.port, login);
    const handle = await p.open(first.sftp, '/out/resumed.bin', 'r');
    const got = await readRange(first, handle, 0, 200_000);
    first.destroy();
    const cut = await eventually(async () => {
      const [t] = await records('resumed.bin');
      return t?.status === 'INTERRUPTED' ? t : undefined;
    });
    assert.equal(cut.progress, 200_000);
    const again = await p.open(c.sftp, '/out/resumed.bin', 'r');
    const rest = await readRange(c, again, 200_000, data.length);
    await p.close(c.sftp, again);
    assert.ok(Buffer.concat([got, rest]).equals(data));
    const list = await records('resumed.bin');
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.equal(list[0]?.id, cut.id);
    assert.equal(list[0]?.status, 'DONE');
    assert.equal(list[0]?.info.sha256, sha256(data));
  });

  /**
   * Makes `cut` a record node-b is sending, its lease lapsing in `leaseMs`. node-b beat last
   * `silentMs` ago; `beating`: it goes on beating (alive) until the returned function is called.
   */
  const heldByNodeB = async (
    cut: NormalizedTransfer,
    o: { savedProgress: number; silentMs: number; leaseMs: number; beating: boolean },
  ): Promise<() => void> => {
    const node = { state: 'running' as const, version: 'test', schemaVersion: 0, host: 'b', pid: 1 };
    await h.stores.nodes.register(
      { ...node, name: 'node-b', incarnation: 'b1', adminAddress: '', clockOffsetMs: null },
      60_000,
    );
    const beat = (silentMs: number) =>
      h.db.run(`UPDATE nodes SET heartbeat_at = ? WHERE name = 'node-b'`, [Date.now() - silentMs]);
    await beat(o.silentMs);
    await h.db.run(
      `UPDATE transfers SET status = 'RUNNING', node = 'node-b', progress = ?, lease_expires_at = ? WHERE id = ?`,
      [o.savedProgress, Date.now() + o.leaseMs, cut.id],
    );
    if (!o.beating) return () => undefined;
    const timer = setInterval(() => void beat(0), 200);
    return () => clearInterval(timer);
  };

  it('continues the record of a download whose node died: waits for its lease, then DONE once', async () => {
    // The soak's reget through another node right after a kill -9: the dead node had sent 300 000
    // bytes but written a progress of 100 000; its lease lapses 1.5 s later.
    const data = offer('orphan.bin', 500_000);
    const first = await connect(h.port, login);
    const handle = await p.open(first.sftp, '/out/orphan.bin', 'r');
    const got = await readRange(first, handle, 0, 300_000);
    first.destroy();
    const cut = await eventually(async () => {
      const [t] = await records('orphan.bin');
      return t?.status === 'INTERRUPTED' ? t : undefined;
    });
    await heldByNodeB(cut, { savedProgress: 100_000, silentMs: 3000, leaseMs: 1500, beating: false });
    const started = Date.now();
    const again = await p.open(c.sftp, '/out/orphan.bin', 'r');
    const rest = await readRange(c, again, 300_000, data.length);
    await p.close(c.sftp, again);
    assert.ok(Date.now() - started >= 1000, 'the first read waited for the lease');
    assert.ok(Buffer.concat([got, rest]).equals(data));
    const list = await records('orphan.bin');
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.equal(list[0]?.id, cut.id);
    assert.equal(list[0]?.status, 'DONE');
    assert.equal(list[0]?.info.sha256, sha256(data));
  });

  it('merges the record of a node that died just before the reget, once its lease lapses: DONE once', async () => {
    // The reget came so soon after the kill that node-b had not yet missed a heartbeat: the
    // resume made a record of its own. When the partner closes, node-b is silent: its record is
    // waited for, merged, and the partner's offset counts as received.
    const data = offer('soon.bin', 500_000);
    const first = await connect(h.port, login);
    const handle = await p.open(first.sftp, '/out/soon.bin', 'r');
    const got = await readRange(first, handle, 0, 300_000);
    first.destroy();
    const cut = await eventually(async () => {
      const [t] = await records('soon.bin');
      return t?.status === 'INTERRUPTED' ? t : undefined;
    });
    await heldByNodeB(cut, { savedProgress: 0, silentMs: 500, leaseMs: 3000, beating: false });
    const again = await p.open(c.sftp, '/out/soon.bin', 'r');
    const rest = await readRange(c, again, 300_000, data.length);
    await new Promise((r) => setTimeout(r, 1500));
    await p.close(c.sftp, again);
    assert.ok(Buffer.concat([got, rest]).equals(data));
    const list = await records('soon.bin');
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.notEqual(list[0]?.id, cut.id, "the resume's own record, the cut one merged into it");
    assert.equal(list[0]?.status, 'DONE');
    assert.equal(list[0]?.info.sha256, sha256(data));
  });

  it('does not wait for a record a live node is sending (a segment read there now)', async () => {
    offer('segment.bin', 200_000);
    const first = await connect(h.port, login);
    const handle = await p.open(first.sftp, '/out/segment.bin', 'r');
    await readRange(first, handle, 0, 100_000);
    first.destroy();
    const cut = await eventually(async () => {
      const [t] = await records('segment.bin');
      return t?.status === 'INTERRUPTED' ? t : undefined;
    });
    const stopBeating = await heldByNodeB(cut, {
      savedProgress: 100_000,
      silentMs: 0,
      leaseMs: 1500,
      beating: true,
    });
    const started = Date.now();
    const again = await p.open(c.sftp, '/out/segment.bin', 'r');
    await readRange(c, again, 100_000, 200_000);
    await p.close(c.sftp, again);
    stopBeating();
    assert.ok(Date.now() - started < 1000, 'no wait');
    const list = await records('segment.bin');
    assert.equal(list.length, 2, 'a record of its own: the other one is still being sent');
    assert.equal(list.find((t) => t.id === cut.id)?.status, 'RUNNING');
    await h.db.run('UPDATE transfers SET status = ? WHERE id = ?', ['INTERRUPTED', cut.id]);
  });

  it('ends a download never resumed CANCELLED after [controller] DownloadResumeTimeout', async () => {
    offer('abandoned.bin', 100_000);
    const handle = await p.open(c.sftp, '/out/abandoned.bin', 'r');
    await readRange(c, handle, 0, 40_000);
    await p.close(c.sftp, handle);
    const [cut] = await records('abandoned.bin');
    assert.equal(cut?.status, 'INTERRUPTED');
    // Within the timeout nothing changes.
    await new Housekeeping(h.ctx).run();
    assert.equal((await records('abandoned.bin'))[0]?.status, 'INTERRUPTED');
    const timeout = h.ctx.config.controller.downloadResumeTimeoutMs;
    await new Housekeeping({ ...h.ctx, now: () => Date.now() + timeout + 1000 }).run();
    const [ended] = await records('abandoned.bin');
    assert.equal(ended?.status, 'CANCELLED');
    assert.equal(ended?.isHistory, true);
    assert.equal(ended?.progress, 40_000);
    assert.match(ended?.errorDetails ?? '', /not resumed within 1 h: 40000 of 100000 bytes/);
  });
});
