/**
 * Clean-up every node runs about once a minute (each statement acts once, whichever node runs
 * it first): partner downloads cut off and not resumed within `[controller]
 * DownloadResumeTimeout` end CANCELLED, and audit entries older than `[audit] Retention` go.
 */
import type { GatewayContext } from '../gateway/context.js';
import { Ticker } from '../util/timers.js';

const minutes = (ms: number): string =>
  ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`;

export class Housekeeping {
  readonly #ticker: Ticker;

  constructor(
    private readonly ctx: GatewayContext,
    intervalMs = 60_000,
  ) {
    this.#ticker = new Ticker(
      intervalMs,
      () => this.run(),
      (err) => {
        if (ctx.health.databaseUp) ctx.log.warn({ err, component: 'housekeeping' }, 'housekeeping failed');
      },
    );
  }

  start(): void {
    this.#ticker.start(false);
  }

  stop(): Promise<void> {
    return this.#ticker.stop();
  }

  /** One pass. */
  async run(): Promise<void> {
    const { ctx } = this;
    const now = ctx.now();
    const timeout = ctx.config.controller.downloadResumeTimeoutMs;
    const expired = await ctx.stores.transfers.expireServerDownloads(
      now - timeout,
      now,
      (t) =>
        `not resumed within ${minutes(timeout)}: ${t.progress} of ${t.filesize} bytes were sent (${t.errorDetails})`,
    );
    const purged = await ctx.stores.audit.purge(now - ctx.config.audit.retentionMs);
    if (expired.length > 0 || purged > 0)
      ctx.log.info(
        { component: 'housekeeping', cancelledDownloads: expired, auditEntriesPurged: purged },
        'housekeeping',
      );
  }
}
