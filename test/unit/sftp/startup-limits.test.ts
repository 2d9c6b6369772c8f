import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { Logger } from '../../../src/log.js';
import type { StartupPolicy } from '../../../src/sftp/startup-limits.js';
import { StartupLimits } from '../../../src/sftp/startup-limits.js';

/** A logger that keeps `level message` lines. */
function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (fields: unknown, message?: string): void => {
      lines.push(`${level} ${message ?? String(fields)}`);
    };
  const log = { warn: at('warn'), info: at('info') } as unknown as Logger;
  return { log, lines };
}

const policy: StartupPolicy = { graceMs: 0, perSource: 2, total: 4, exempt: ['10.0.0.9'] };
const never = (): void => undefined;

describe('StartupLimits', () => {
  it('caps each address, exempt ones aside, and logs when a cap starts and stops refusing', () => {
    const { log, lines } = recorder();
    const limits = new StartupLimits(policy, log);
    const a = [limits.open('lb', never)!, limits.open('lb', never)!];
    assert.deepEqual(
      a.map((s) => s.identify('10.0.0.1')),
      [true, true],
    );
    const third = limits.open('lb', never)!;
    assert.equal(third.identify('10.0.0.1'), false);
    assert.equal(limits.open('lb', never)!.identify('10.0.0.1'), false);
    assert.equal(limits.open('lb', never)!.identify('10.0.0.9'), true, 'exempt');
    assert.equal(lines.filter((l) => l.includes('PerSourceMaxStartups')).length, 1, 'logged once');
    a[0]!.end();
    a[0]!.end();
    assert.equal(limits.waiting('10.0.0.1'), 1, 'end() counts once');
    assert.match(lines.at(-1) ?? '', /^info .*below the limit again/);
  });

  it('caps the node as a whole before the address is known', () => {
    const { log, lines } = recorder();
    const limits = new StartupLimits(policy, log);
    const open = Array.from({ length: 4 }, () => limits.open('lb', never));
    assert.ok(open.every((s) => s !== undefined));
    assert.equal(limits.open('lb', never), undefined);
    assert.equal(limits.open('lb', never), undefined);
    assert.equal(lines.filter((l) => l.includes('MaxStartups')).length, 1);
    open[0]!.end();
    assert.equal(limits.waiting(), 3);
    assert.ok(limits.open('lb', never) !== undefined);
  });

  it('ends a connection that outlives the grace time, unless it logged in first', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { log, lines } = recorder();
      const limits = new StartupLimits({ ...policy, graceMs: 120_000 }, log);
      let expired = 0;
      const slow = limits.open('10.0.0.1', () => expired++)!;
      slow.identify('10.0.0.1');
      const quick = limits.open('10.0.0.2', () => expired++)!;
      mock.timers.tick(60_000);
      quick.end();
      mock.timers.tick(60_000);
      assert.equal(expired, 1);
      assert.equal(limits.waiting(), 0, 'the expired one no longer counts');
      assert.equal(limits.waiting('10.0.0.1'), 0);
      assert.match(lines.join('\n'), /login grace time over/);
    } finally {
      mock.timers.reset();
    }
  });
});
