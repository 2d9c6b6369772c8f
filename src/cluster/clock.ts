/**
 * This node's clock against the cluster's. Leases, heartbeats and liveness are decided on the
 * database's clock alone (`clusterNowSql`), so a wrong clock here cannot take work from other
 * nodes; but this node still stamps records with its own clock (transfer start and stop, task
 * substitutions, retry times). So each heartbeat measures the offset (with the statement that
 * looks for lapsed leases, no extra round trip): above
 * `[cluster] ClockSkewWarning` the node warns, above `MaxClockSkew` it is not ready and takes no
 * new work until its clock is corrected.
 */
import type { NodeHealth } from '../gateway/context.js';
import type { Logger } from '../log.js';
import type { Metrics } from './metrics.js';

export interface ClockReading {
  /** This node's clock minus the database's (ms): positive when this node is ahead. */
  offsetMs: number;
  /** Half the round trip: the true offset is within `offsetMs ± uncertaintyMs`. */
  uncertaintyMs: number;
}

/**
 * Runs `read`, a statement that also reads the database's clock, and sets that clock against
 * ours at the middle of the round trip (as NTP does), so a slow database does not look like a
 * skewed clock.
 */
export async function measureClock<T extends { clusterNow: number }>(
  read: () => Promise<T>,
  localNow: () => number = Date.now,
): Promise<{ result: T; clock: ClockReading }> {
  const sent = localNow();
  const result = await read();
  const received = localNow();
  return {
    result,
    clock: {
      offsetMs: Math.round((sent + received) / 2 - result.clusterNow),
      uncertaintyMs: Math.ceil((received - sent) / 2),
    },
  };
}

export type ClockVerdict = 'ok' | 'warn' | 'refuse';

export interface ClockLimits {
  /** 0: never warn. */
  warningMs: number;
  /** 0: no limit. */
  maxMs: number;
}

/** The verdict on the smallest offset the reading allows: a slow round trip never condemns a clock. */
export function judgeClock(r: ClockReading, limits: ClockLimits): ClockVerdict {
  const atLeast = Math.max(0, Math.abs(r.offsetMs) - r.uncertaintyMs);
  if (limits.maxMs > 0 && atLeast > limits.maxMs) return 'refuse';
  if (limits.warningMs > 0 && atLeast > limits.warningMs) return 'warn';
  return 'ok';
}

/** `8.0 s ahead of` / `1.3 s behind` the database's clock. */
export function describeOffset(offsetMs: number): string {
  const s = (Math.abs(offsetMs) / 1000).toFixed(1);
  return offsetMs >= 0 ? `${s} s ahead of the database's` : `${s} s behind the database's`;
}

/** Repeats a warning that still holds at most this often (each heartbeat measures). */
const repeatMs = 60_000;

/** Follows the readings of one node: health, metrics, and a log line when the verdict changes. */
export class ClockWatch {
  #verdict: ClockVerdict = 'ok';
  #loggedAt = -Infinity;

  constructor(
    private readonly limits: ClockLimits,
    private readonly health: NodeHealth,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  observe(r: ClockReading): void {
    const verdict = judgeClock(r, this.limits);
    const clock = `this node's clock is ${describeOffset(r.offsetMs)}`;
    const fields = { offsetMs: r.offsetMs, uncertaintyMs: r.uncertaintyMs };
    this.metrics.clockOffsetMs = r.offsetMs;
    this.health.clockProblem =
      verdict === 'refuse'
        ? `${clock} (limit ${this.limits.maxMs / 1000} s, [cluster] MaxClockSkew)`
        : undefined;
    const now = this.monotonicNow();
    const changed = verdict !== this.#verdict;
    this.#verdict = verdict;
    if (!changed && (verdict === 'ok' || now - this.#loggedAt < repeatMs)) return;
    this.#loggedAt = now;
    switch (verdict) {
      case 'refuse':
        this.log.error(
          { ...fields, maxMs: this.limits.maxMs },
          `${clock}, beyond [cluster] MaxClockSkew: not ready, taking no new work until it is corrected (NTP)`,
        );
        break;
      case 'warn':
        this.log.warn(
          { ...fields, warningMs: this.limits.warningMs },
          `${clock}: leases do not depend on it, but the times this node records do; check its time synchronisation (NTP)`,
        );
        break;
      case 'ok':
        this.log.info(
          fields,
          `this node's clock agrees with the database's again (${describeOffset(r.offsetMs)})`,
        );
        break;
    }
  }
}
