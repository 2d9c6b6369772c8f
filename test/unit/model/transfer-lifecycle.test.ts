import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fence, fromStatuses, toStatus } from '../../../src/db/stores/transfers/scope.js';
import type { TransferEvent, TransferTransition } from '../../../src/model/transfer-lifecycle.js';
import {
  applyTransition,
  canApply,
  firstApplicable,
  IllegalTransitionError,
  reachableStatuses,
  statusesOf,
  terminalStatuses,
  transferTransitions,
  unreachableStatuses,
} from '../../../src/model/transfer-lifecycle.js';
import { allStatuses, historyStatuses, liveStatuses } from '../../../src/model/transfer-state.js';

const table = Object.entries(transferTransitions) as [TransferEvent, TransferTransition][];

describe('the transfer lifecycle table', () => {
  it('reaches every status from a new row, except those documented as never written', () => {
    const reached = reachableStatuses();
    for (const s of allStatuses) {
      assert.equal(
        reached.has(s) || unreachableStatuses.includes(s),
        true,
        `${s} is neither reachable nor documented as unreachable`,
      );
      assert.equal(
        reached.has(s) && unreachableStatuses.includes(s),
        false,
        `${s} is documented unreachable`,
      );
    }
    assert.deepEqual([...unreachableStatuses], ['AVAILABLE']);
  });

  it('gives terminal (history) statuses no exit, and every live status one', () => {
    assert.deepEqual([...terminalStatuses], [...historyStatuses]);
    for (const [event, t] of table) {
      for (const s of terminalStatuses) assert.equal(t.from.includes(s), false, `${event} leaves ${s}`);
    }
    for (const s of liveStatuses) {
      const exits = table.filter(([, t]) => t.from.includes(s) && t.to !== s);
      assert.notEqual(exits.length, 0, `${s} is a dead end`);
    }
  });

  it('lets only the lease holder write to a RUNNING row, and makes every end fenced', () => {
    for (const [event, t] of table) {
      if (t.guard === 'fenced') assert.deepEqual([...t.from], ['RUNNING'], event);
    }
    for (const event of ['complete', 'fail', 'interrupt', 'pause', 'cancel', 'discard'] as const) {
      assert.equal(transferTransitions[event].guard, 'fenced', event);
    }
    // Only a lapsed lease (or a node's own restart) takes a RUNNING row away from its node.
    const takers = table
      .filter(([, t]) => t.from.includes('RUNNING') && t.to !== 'RUNNING' && t.guard !== 'fenced')
      .map(([e, t]) => `${e}:${t.guard}`);
    assert.deepEqual(takers.sort(), ['leaseLapsed:lapsed', 'restart:own']);
  });

  it('refuses an illegal transition with an error naming the event, the status and what is allowed', () => {
    assert.equal(applyTransition('complete', 'RUNNING'), 'DONE');
    assert.equal(applyTransition('resume', 'ERROR'), 'PLANNED');
    assert.throws(
      () => applyTransition('pause', 'DONE'),
      (err: unknown) =>
        err instanceof IllegalTransitionError &&
        err.message === 'cannot pause a transfer that is DONE (pause applies to RUNNING transfers only)',
    );
    assert.throws(
      () => applyTransition('resume', 'RUNNING'),
      /cannot resume a transfer that is RUNNING \(resume applies to PAUSED, INTERRUPTED or ERROR transfers only\)/,
    );
    assert.throws(() => applyTransition('cancelWaiting', 'RUNNING'), IllegalTransitionError);
    assert.equal(canApply('claim', 'PAUSED'), false, 'a paused transfer waits for an operator');
  });

  it('picks the operator action that applies to a status', () => {
    assert.equal(firstApplicable(['pauseWaiting', 'requestAction'], 'PLANNED'), 'pauseWaiting');
    assert.equal(firstApplicable(['pauseWaiting', 'requestAction'], 'RUNNING'), 'requestAction');
    assert.equal(firstApplicable(['pauseWaiting', 'requestAction'], 'ERROR'), undefined);
    assert.equal(statusesOf(['pauseWaiting', 'requestAction']), 'PLANNED or RUNNING');
  });
});

describe("the transfer store's status conditions", () => {
  it('are rendered from the table', () => {
    assert.equal(fromStatuses('claim', 'due'), "status IN ('PLANNED', 'INTERRUPTED', 'ERROR')");
    assert.equal(fromStatuses('expire', 'stale', 't.status'), "t.status = 'INTERRUPTED'");
    assert.equal(toStatus('fail', 'fenced'), "'ERROR'");
    assert.equal(fence('checkpoint'), "id = ? AND node = ? AND status = 'RUNNING'");
  });

  it('refuse a write whose SQL does not implement the guard the table gives it', () => {
    assert.throws(() => fence('resume'), /transfer event resume is guarded by client, not fenced/);
    assert.throws(() => fromStatuses('claim', 'status'), /guarded by due, not status/);
    assert.throws(() => toStatus('discard', 'fenced'), /deletes the row/);
  });
});
