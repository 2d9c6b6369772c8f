import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferPool } from '../../../src/sftp/buffer-pool.js';

describe('BufferPool', () => {
  it('reuses given buffers, keeps at most its maximum, and empties itself when unused', async () => {
    const pool = new BufferPool(1024, 2, 20);
    const a = pool.take();
    const b = pool.take();
    const c = pool.take();
    assert.deepEqual([a.fresh, b.fresh, c.fresh], [true, true, true]);
    assert.equal(a.buf.length, 1024);
    for (const x of [a, b, c]) pool.give(x.buf);
    const again = [pool.take(), pool.take(), pool.take()];
    assert.deepEqual(
      again.map((x) => x.fresh),
      [false, false, true],
      'two kept (the maximum), the third allocated',
    );
    assert.ok(again[0]!.buf === b.buf || again[0]!.buf === a.buf);
    pool.give(again[0]!.buf);
    // Two idle periods without a take: the pool drops what it kept. Several short waits, not
    // one long one: on a busy machine one late wake-up runs the interval once, however long.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(pool.take().fresh, true);
  });
});
