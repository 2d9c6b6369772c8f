/**
 * Flow control of a connection: reading pauses while too many WRITE bytes wait for the disk,
 * on this connection or on the whole node (its upload budget).
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Flow } from '../../../src/sftp/flow.js';
import { MemoryBudget } from '../../../src/transfer/memory-budget.js';

const roomy = (): MemoryBudget => new MemoryBudget(1 << 30, 1 << 29);

function fakeSocket() {
  const calls: string[] = [];
  const sock = {
    destroyed: false,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    cork: () => calls.push('cork'),
    uncork: () => calls.push('uncork'),
  };
  return { sock: sock as unknown as Socket, calls };
}

describe('Flow', () => {
  it('pauses above the high-water mark and resumes below the low-water mark', () => {
    const { sock, calls } = fakeSocket();
    const f = new Flow(sock, roomy(), 100, 40);
    f.take(60);
    f.take(60);
    assert.deepEqual(calls, ['pause']);
    f.take(10);
    f.give(60);
    assert.deepEqual(calls, ['pause'], 'still above the low-water mark');
    f.give(60);
    assert.deepEqual(calls, ['pause', 'resume']);
    assert.equal(f.pendingBytes, 10);
  });

  it('corks replies for one event-loop turn', async () => {
    const { sock, calls } = fakeSocket();
    const f = new Flow(sock, roomy());
    let sent = 0;
    f.reply(() => sent++);
    f.reply(() => sent++);
    assert.equal(sent, 2);
    assert.deepEqual(calls, ['cork']);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['cork', 'uncork']);
  });

  it('stops every connection while the node is over its upload budget, until it is back down', () => {
    const budget = new MemoryBudget(100, 50);
    const a = fakeSocket();
    const b = fakeSocket();
    const fa = new Flow(a.sock, budget, 1000, 500);
    const fb = new Flow(b.sock, budget, 1000, 500);
    fa.take(60);
    assert.deepEqual(a.calls, [], 'under the budget: reading goes on');
    fb.take(60);
    assert.deepEqual(b.calls, ['pause'], 'the connection that went over stops');
    fa.take(10);
    assert.deepEqual(a.calls, ['pause'], 'so does any other connection taking more');
    assert.equal(budget.used, 130);
    fa.give(70);
    assert.deepEqual([a.calls, b.calls], [['pause'], ['pause']], 'still above the low-water mark');
    fb.give(10);
    assert.equal(budget.used, 50);
    // Woken by the budget, not by their own writes: a's are all done already.
    assert.deepEqual(
      [a.calls, b.calls],
      [
        ['pause', 'resume'],
        ['pause', 'resume'],
      ],
    );
  });
});
