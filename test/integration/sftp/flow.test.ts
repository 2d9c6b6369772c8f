/** Flow control of a connection: reading pauses while too many WRITE bytes wait for the disk. */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Flow } from '../../../src/sftp/flow.js';

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
    const f = new Flow(sock, 100, 40);
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
    const f = new Flow(sock);
    let sent = 0;
    f.reply(() => sent++);
    f.reply(() => sent++);
    assert.equal(sent, 2);
    assert.deepEqual(calls, ['cork']);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['cork', 'uncork']);
  });
});
