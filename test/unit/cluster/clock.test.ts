import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { ClockWatch, describeOffset, judgeClock, measureClock } from '../../../src/cluster/clock.js';
import { Metrics } from '../../../src/cluster/metrics.js';
import { NodeHealth } from '../../../src/gateway/context.js';

const limits = { warningMs: 1000, maxMs: 10_000 };

function recordingLogger(): { log: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('clock offset against the database', () => {
  it('measures at the middle of the round trip, with half of it as uncertainty', async () => {
    const local = [1_000, 1_300];
    const r = await measureClock(
      () => Promise.resolve({ clusterNow: 950, ids: [7] }),
      () => local.shift()!,
    );
    assert.deepEqual(r, {
      result: { clusterNow: 950, ids: [7] },
      clock: { offsetMs: 200, uncertaintyMs: 150 },
    });
  });

  it('judges the smallest offset the reading allows', () => {
    assert.equal(judgeClock({ offsetMs: 8000, uncertaintyMs: 3 }, limits), 'warn');
    assert.equal(judgeClock({ offsetMs: -8000, uncertaintyMs: 3 }, limits), 'warn');
    assert.equal(judgeClock({ offsetMs: 12_000, uncertaintyMs: 3 }, limits), 'refuse');
    // A slow database (a 5 s round trip) does not condemn a clock that may be right.
    assert.equal(judgeClock({ offsetMs: 2400, uncertaintyMs: 2500 }, limits), 'ok');
    assert.equal(judgeClock({ offsetMs: 500, uncertaintyMs: 1 }, limits), 'ok');
    assert.equal(judgeClock({ offsetMs: 60_000, uncertaintyMs: 1 }, { warningMs: 0, maxMs: 0 }), 'ok');
  });

  it('says which way the clock is off', () => {
    assert.equal(describeOffset(8012), "8.0 s ahead of the database's");
    assert.equal(describeOffset(-1250), "1.3 s behind the database's");
  });

  it('warns on a change and once a minute, refuses readiness beyond the limit, and recovers', () => {
    const { log, lines } = recordingLogger();
    const health = new NodeHealth();
    health.started = true;
    const metrics = new Metrics();
    let now = 0;
    const watch = new ClockWatch(limits, health, metrics, log, () => now);

    watch.observe({ offsetMs: 20, uncertaintyMs: 1 });
    assert.equal(lines.length, 0, 'a good clock is not logged');
    assert.equal(metrics.clockOffsetMs, 20);

    watch.observe({ offsetMs: 8000, uncertaintyMs: 1 });
    now += 1000;
    watch.observe({ offsetMs: 8001, uncertaintyMs: 1 });
    assert.equal(lines.length, 1, 'one warning, not one per heartbeat');
    assert.equal(lines[0]?.level, 40);
    assert.match(lines[0].msg, /clock is 8\.0 s ahead of the database's/);
    assert.equal(health.ready, true, 'a warning does not stop the node');
    now += 60_000;
    watch.observe({ offsetMs: 8001, uncertaintyMs: 1 });
    assert.equal(lines.length, 2, 'repeated after a minute');

    watch.observe({ offsetMs: -12_000, uncertaintyMs: 1 });
    assert.equal(lines[2]?.level, 50);
    assert.match(lines[2].msg, /12\.0 s behind the database's, beyond \[cluster\] MaxClockSkew: not ready/);
    assert.equal(health.ready, false);
    assert.match(health.clockProblem ?? '', /12\.0 s behind the database's \(limit 10 s/);

    watch.observe({ offsetMs: 4, uncertaintyMs: 1 });
    assert.equal(health.ready, true);
    assert.equal(health.clockProblem, undefined);
    assert.equal(lines[3]?.level, 30);
    assert.match(lines[3].msg, /agrees with the database's again/);
  });
});
