/**
 * Cluster membership and leases. Each node registers under its name, then on every beat:
 * measures its clock against the database's, renews its row, renews the leases of every
 * transfer it runs (one statement), and reaps the transfers of nodes whose leases lapsed (any
 * survivor does it; the UPDATE is idempotent). There is no node-to-node protocol: the database
 * is the only shared state, and its clock the only one that decides leases and liveness.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { FatalError, ExitCode } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import type { NodeState } from '../model/entities.js';
import { Ticker } from '../util/timers.js';
import { ClockWatch, measureClock } from './clock.js';

export class Membership {
  readonly incarnation = randomUUID();
  #state: NodeState = 'starting';
  #ticker: Ticker | undefined;
  readonly #clock: ClockWatch;
  /** Fires when no beat has renewed our leases for too long: we stop our transfers first. */
  #fence: NodeJS.Timeout | undefined;
  /** This node's clock minus the database's, as last measured. */
  #offsetMs: number | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly adminAddress: () => string,
    private readonly schemaVersion: number,
  ) {
    const { cluster } = ctx.config;
    this.#clock = new ClockWatch(
      { warningMs: cluster.clockSkewWarningMs, maxMs: cluster.maxClockSkewMs },
      ctx.health,
      ctx.metrics,
      ctx.log,
    );
  }

  get state(): NodeState {
    return this.#state;
  }

  /** Registers this process; refuses when a live process already holds the name. */
  async register(): Promise<void> {
    const { ctx } = this;
    const startedAt = performance.now();
    const { clock } = await measureClock(async () => ({ clusterNow: await ctx.stores.nodes.clusterNow() }));
    this.#clock.observe(clock);
    this.#offsetMs = clock.offsetMs;
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
        clockOffsetMs: clock.offsetMs,
      },
      ctx.config.cluster.nodeTimeoutMs,
    );
    if (holder !== undefined) {
      throw new FatalError(
        `node name "${ctx.nodeName}" is already used by a live process (pid ${holder.pid} on ${holder.host}, ` +
          `last heartbeat ${holder.silentMs} ms ago): give each node its own -i NAME`,
        ExitCode.alreadyRunning,
      );
    }
    this.#armFence(startedAt);
    // Transfers this node ran in a previous life cannot be running now.
    const interrupted = await ctx.stores.transfers.interruptAllOf(ctx.nodeName);
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
      // Leases are renewed every HeartbeatInterval even when the database is slow to answer.
      true,
    );
    this.#ticker.start(false);
  }

  setState(state: NodeState): void {
    this.#state = state;
  }

  /**
   * One heartbeat, three statements: the leases of what this process runs (first, so that a slow
   * database delays them least), the node row, and the search for lapsed leases, which also
   * reads the database's clock to measure ours (the offset recorded in the node row is the one
   * measured by the beat before). Also the database health probe.
   */
  async beat(): Promise<void> {
    const { ctx } = this;
    const startedAt = performance.now();
    try {
      // The database starts the new leases after this moment, on its own clock. Renewing before
      // the node row is checked is harmless: if a successor took the name over, the rows it
      // claimed under that name are its own, and a renewal only extends them.
      await ctx.stores.transfers.renewLeases(
        ctx.nodeName,
        ctx.config.cluster.nodeTimeoutMs,
        ctx.running.list().map((t) => t.id),
      );
      const mine = await ctx.stores.nodes.heartbeat(ctx.nodeName, this.incarnation, this.#state, {
        clockOffsetMs: this.#offsetMs,
        adminAddress: this.adminAddress(),
      });
      if (!mine) {
        ctx.log.error('another process took over this node name; stopping all transfers');
        ctx.health.databaseUp = false;
        await this.#abandonTransfers();
        return;
      }
      this.#armFence(startedAt);
      const { result: lapsed, clock } = await measureClock(() => ctx.stores.transfers.lapsedLeases());
      this.#clock.observe(clock);
      this.#offsetMs = clock.offsetMs;
      if ((await ctx.stores.transfers.expireLeases(lapsed.ids)) > 0)
        ctx.log.warn({ ids: lapsed.ids }, 'took back transfers of a node that stopped answering');
      ctx.metrics.lastHeartbeatAt = ctx.now();
      const tookMs = Math.round(performance.now() - startedAt);
      // Half the lease gone in one heartbeat: the database is too slow for this NodeTimeout.
      if (tookMs > ctx.config.cluster.nodeTimeoutMs / 2)
        ctx.log.warn({ tookMs }, 'slow heartbeat: the database answers slowly, leases come close to lapsing');
      if (!ctx.health.databaseUp) ctx.log.info('database reachable again');
      ctx.health.databaseUp = true;
    } catch (err) {
      if (ctx.health.databaseUp)
        ctx.log.error({ err }, 'database unreachable: not ready, taking no new work');
      ctx.health.databaseUp = false;
    }
  }

  async stop(): Promise<void> {
    await this.#ticker?.stop();
    clearTimeout(this.#fence);
    this.#state = 'stopped';
    try {
      await this.ctx.stores.nodes.heartbeat(this.ctx.nodeName, this.incarnation, 'stopped');
    } catch (err) {
      this.ctx.log.warn({ err }, 'could not record the node as stopped');
    }
  }

  /**
   * Our leases lapse NodeTimeout after the database ran the renewal, on its clock; other nodes may
   * then resume our transfers on the shared files. The renewal ran after `renewing` (this
   * process's monotonic clock, which no clock change moves), so when no later renewal came within
   * NodeTimeout of it, we stop writing: no later than the leases lapse, before any survivor can
   * reap them. A beat that hangs (a silent network) cannot delay this.
   */
  #armFence(renewing: number): void {
    const delay = renewing + this.ctx.config.cluster.nodeTimeoutMs - performance.now();
    clearTimeout(this.#fence);
    this.#fence = setTimeout(
      () => {
        this.ctx.health.databaseUp = false;
        void this.#abandonTransfers();
      },
      Math.max(0, delay),
    );
    this.#fence.unref();
  }

  async #abandonTransfers(): Promise<void> {
    const running = this.ctx.running.list();
    if (running.length === 0) return;
    this.ctx.log.warn({ count: running.length }, 'lease lost: stopping local transfers without recording');
    await Promise.allSettled(running.map((t) => t.stop('interrupt')));
  }
}
