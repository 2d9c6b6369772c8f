/**
 * The controller: every `[controller] Delay`, claims due client transfers for this node, in
 * bounded batches and never beyond the node's free slots, and starts them. Claims are atomic
 * in the database, so with several nodes each transfer runs exactly once, and the per-node
 * cap spreads the work (the reference's default lets the first node take everything).
 */
import { startClientTransfer } from '../client/executor.js';
import type { GatewayContext } from '../gateway/context.js';
import { Ticker } from '../util/timers.js';

/** Slots per node when `MaxTransferOut` is 0 (the reference's "unlimited"). */
export const defaultMaxTransferOut = 8;
/** At most this many claims per tick, so nodes ticking at different times share the work. */
export const claimBatch = 4;

export class Controller {
  readonly #ticker: Ticker;

  constructor(private readonly ctx: GatewayContext) {
    this.#ticker = new Ticker(
      ctx.config.controller.delayMs,
      async () => {
        await this.tick();
      },
      (err) => {
        if (ctx.health.databaseUp) ctx.log.warn({ err }, 'controller tick failed');
      },
    );
  }

  get capacity(): number {
    const max = this.ctx.config.controller.maxTransferOut;
    return max > 0 ? max : defaultMaxTransferOut;
  }

  start(): void {
    this.#ticker.start(true);
  }

  stop(): Promise<void> {
    return this.#ticker.stop();
  }

  /** Claims and starts what fits. Returns the ids started. */
  async tick(): Promise<number[]> {
    const { ctx } = this;
    if (!ctx.health.ready) return [];
    const free = this.capacity - ctx.running.count('client');
    const limit = Math.min(free, claimBatch);
    if (limit <= 0) return [];
    const claimed = await ctx.stores.transfers.claimDue(
      ctx.nodeName,
      limit,
      ctx.config.cluster.nodeTimeoutMs,
    );
    for (const t of claimed) startClientTransfer(ctx, t);
    if (claimed.length > 0) ctx.log.debug({ ids: claimed.map((t) => t.id) }, 'claimed client transfers');
    return claimed.map((t) => t.id);
  }
}
