/**
 * Carries out the pause/cancel requests recorded in the database by the REST API of ANY
 * node, for the transfers this node runs (the reference can only act on its own pipelines and
 * answers 500 otherwise).
 */
import type { GatewayContext } from '../gateway/context.js';
import { recordEnd, stopEnds } from '../transfer/lifecycle.js';
import { Ticker } from '../util/timers.js';

export class ActionPoller {
  #ticker: Ticker;

  constructor(
    private readonly ctx: GatewayContext,
    intervalMs = 500,
  ) {
    this.#ticker = new Ticker(
      intervalMs,
      () => this.poll(),
      (err) => {
        if (ctx.health.databaseUp) ctx.log.warn({ err }, 'could not read transfer actions');
      },
    );
  }

  start(): void {
    this.#ticker.start(false);
  }

  stop(): Promise<void> {
    return this.#ticker.stop();
  }

  async poll(): Promise<void> {
    const { ctx } = this;
    const pending = await ctx.stores.transfers.pendingActions(ctx.nodeName);
    for (const { id, action } of pending) {
      const running = ctx.running.get(id);
      const now = ctx.now();
      if (running !== undefined) {
        ctx.log.info({ transfer: id, action }, 'carrying out a requested action');
        await running.stop(action);
      } else if (action === 'cancel') {
        // The row says RUNNING here but nothing runs it: a leftover; settle it directly.
        await recordEnd(ctx, id, { event: 'cancel' }, now);
      } else {
        const { event, code } = stopEnds[action];
        await recordEnd(ctx, id, { event, error: { code, details: `${action} requested` } }, now);
      }
    }
  }
}
