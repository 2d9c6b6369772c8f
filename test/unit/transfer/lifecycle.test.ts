import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressCheckpoints, stopEnds, TransferLostError } from '../../../src/transfer/lifecycle.js';
import { transferTransitions } from '../../../src/model/transfer-lifecycle.js';

const never = (err: unknown): void => assert.fail(`unexpected: ${String(err)}`);

/** A write the test finishes by hand (resolve or reject). */
function manualWrites() {
  const calls: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const write = () =>
    new Promise<void>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { calls, write };
}

describe('the shared checkpoint policy', () => {
  it('writes at most one progress at a time, and none within the interval after a write', async () => {
    const w = manualWrites();
    const p = new ProgressCheckpoints(w.write, never, never);
    p.soon();
    p.soon();
    assert.equal(w.calls.length, 1, 'a second write while one is in flight');
    w.calls[0]!.resolve();
    await p.settled();
    p.soon();
    assert.equal(w.calls.length, 1, 'a write right after the last one');
    const q = new ProgressCheckpoints(w.write, never, never);
    q.restart();
    q.soon();
    assert.equal(w.calls.length, 1, 'a write right after a step checkpoint');
  });

  it('stops the transfer when a write is refused, and only delays it on other failures', async () => {
    const w = manualWrites();
    const lost: unknown[] = [];
    const failed: unknown[] = [];
    const p = new ProgressCheckpoints(
      w.write,
      (e) => lost.push(e),
      (e) => failed.push(e),
    );
    p.soon();
    w.calls[0]!.reject(new Error('database hiccup'));
    await p.settled();
    assert.deepEqual([lost.length, failed.length], [0, 1]);
    const q = new ProgressCheckpoints(
      w.write,
      (e) => lost.push(e),
      (e) => failed.push(e),
    );
    q.soon();
    w.calls[1]!.reject(new TransferLostError(7));
    await q.settled();
    assert.equal(lost.length, 1);
    assert.match(String(lost[0]), /transfer 7 is no longer owned by this node/);
  });

  it('ends every stop with a fenced event of the lifecycle table', () => {
    for (const { event } of Object.values(stopEnds)) {
      assert.equal(transferTransitions[event].guard, 'fenced', event);
    }
  });
});
