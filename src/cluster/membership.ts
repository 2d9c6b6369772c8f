/**
 * Cluster membership and leases. Each node registers under its name, then on every beat:
 * renews its row, renews the leases of every transfer it runs (one statement), and reaps the
 * transfers of nodes whose leases lapsed (any survivor does it; the UPDATE is idempotent).
 * There is no node-to-node protocol: the database is the only shared state.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { FatalError, ExitCode } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import type { NodeState } from '../model/entities.js';
import { Ticker } from '../util/timers.js';

export class Membership {
  readonly incarnation = randomUUID();
  #state: NodeState = 'starting';
  #ticker: Ticker | undefined;
  #lastBeat = 0;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly adminAddress: () => string,
    private readonly schemaVersion: number,
  ) {}

  get state(): NodeState {
    return this.#state;
  }

  /** Registers this process; refuses when a live process already holds the name. */
  async register(): Promise<void> {
    const { ctx } = this;
    const now = ctx.now();
    const holder = await ctx.stores.nodes.register(
      {
        name: ctx.nodeName,
        state: 'starting',
        version: ctx.version,
        schemaVersion: this.schemaVersion,
        host: hostname(),
        pid: process.pid,
        incarnation: this.incarnation,
        adminAddress: this.adminAddress(),
        startedAt: now,
        heartbeatAt: now,
      },
      now,
      ctx.config.cluster.nodeTimeoutMs,
    );
    if (holder !== undefined) {
      throw new FatalError(
        `node name "${ctx.nodeName}" is already used by a live process (pid ${holder.pid} on ${holder.host}, ` +
          `last heartbeat ${now - holder.heartbeatAt} ms ago): give each node its own -i NAME`,
        ExitCode.alreadyRunning,
      );
    }
    this.#lastBeat = now;
    // Transfers this node ran in a previous life cannot be running now.
    const interrupted = await ctx.stores.transfers.interruptAllOf(ctx.nodeName, now);
    if (interrupted > 0)
      ctx.log.warn({ count: interrupted }, 'marked transfers of a previous run INTERRUPTED');
  }

  start(): void {
    this.#ticker = new Ticker(
      this.ctx.config.cluster.heartbeatIntervalMs,
      () => this.beat(),
      (err) => {
        this.ctx.log.error({ err }, 'heartbeat failed');
      },
    );
    this.#ticker.start(false);
  }

  setState(state: NodeState): void {
    this.#state = state;
  }

  /** One heartbeat: node row, leases, reaping. Also the database health probe. */
  async beat(): Promise<void> {
    const { ctx } = this;
    const now = ctx.now();
    try {
      const mine = await ctx.stores.nodes.heartbeat(
        ctx.nodeName,
        this.incarnation,
        now,
        this.#state,
        this.adminAddress(),
      );
      if (!mine) {
        ctx.log.error('another process took over this node name; stopping all transfers');
        ctx.health.databaseUp = false;
        await this.#abandonTransfers();
        return;
      }
      await ctx.stores.transfers.renewLeases(
        ctx.nodeName,
        now + ctx.config.cluster.nodeTimeoutMs,
        ctx.running.list().map((t) => t.id),
      );
      const reaped = await ctx.stores.transfers.expireLeases(now);
      if (reaped.length > 0)
        ctx.log.warn({ ids: reaped }, 'took back transfers of a node that stopped answering');
      this.#lastBeat = now;
      ctx.metrics.lastHeartbeatAt = now;
      if (!ctx.health.databaseUp) ctx.log.info('database reachable again');
      ctx.health.databaseUp = true;
    } catch (err) {
      if (ctx.health.databaseUp)
        ctx.log.error({ err }, 'database unreachable: not ready, taking no new work');
      ctx.health.databaseUp = false;
      // Our leases lapse after nodeTimeout; past that, other nodes may resume our transfers,
      // so we must stop writing to them (every write is fenced anyway).
      if (now - this.#lastBeat > ctx.config.cluster.nodeTimeoutMs) await this.#abandonTransfers();
    }
  }

  async stop(): Promise<void> {
    await this.#ticker?.stop();
    this.#state = 'stopped';
    try {
      await this.ctx.stores.nodes.heartbeat(this.ctx.nodeName, this.incarnation, this.ctx.now(), 'stopped');
    } catch (err) {
      this.ctx.log.warn({ err }, 'could not record the node as stopped');
    }
  }

  async #abandonTransfers(): Promise<void> {
    const running = this.ctx.running.list();
    if (running.length === 0) return;
    this.ctx.log.warn({ count: running.length }, 'lease lost: stopping local transfers without recording');
    await Promise.allSettled(running.map((t) => t.stop('interrupt')));
  }
}
