/**
 * The SFTP service of a node: one listener per enabled `sftp` server row, reconciled with the
 * database every ~2 s, so a server created, changed (revision bumped), disabled or deleted
 * through any node takes effect on every node without a restart. Listener states are
 * reported in `ctx.services` under the server's name.
 */
import type { GatewayContext } from '../gateway/context.js';
import type { Server } from '../model/entities.js';
import { ServerTransfers } from '../transfer/server-transfers.js';
import type { SftpConnection } from './connection.js';
import type { ListenerInfo } from './listener.js';
import { SftpListener } from './listener.js';
import { StartupLimits } from './startup-limits.js';
import { cryptoBindingAvailable } from './ssh2.js';

export interface SftpService {
  /** Checks the crypto binding, starts the listeners, then keeps them reconciled. */
  start(): Promise<void>;
  /** Stops accepting connections (every listener closed); sessions stay for the caller's drain. */
  stop(): Promise<void>;
  /** Ends every session; resolves once their unfinished transfers are recorded INTERRUPTED. */
  closeAllSessions(): Promise<void>;
  /** Open SSH connections (a draining node lets them end on their own within the grace). */
  connectionCount(): number;
  /** What this node listens on. */
  listeners(): ListenerInfo[];
  /** One reconciliation pass (also run by the poll). */
  reconcile(): Promise<void>;
}

export interface SftpServiceOptions {
  /** How often the server rows are re-read (default 2 s). */
  pollMs?: number;
}

export function createSftpService(ctx: GatewayContext, options: SftpServiceOptions = {}): SftpService {
  return new Service(ctx, options.pollMs ?? 2000);
}

class Service implements SftpService {
  readonly #listeners = new Map<number, SftpListener>();
  readonly #connections = new Set<SftpConnection>();
  /** Servers whose listener failed, by id: the revision and address already reported. */
  readonly #failed = new Map<number, string>();
  /** Names this service reported in ctx.services, by server id. */
  readonly #reported = new Map<number, string>();
  readonly #transfers: ServerTransfers;
  /** One set of bounds for every listener of the node, as OpenSSH's per sshd. */
  readonly #startups: StartupLimits;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly pollMs: number,
  ) {
    this.#transfers = new ServerTransfers(ctx);
    const { security } = ctx.config;
    this.#startups = new StartupLimits(
      {
        graceMs: security.loginGraceMs,
        perSource: security.perSourceMaxStartups,
        total: security.maxStartups,
        exempt: security.exemptAddresses,
      },
      ctx.log.child({ component: 'sftp' }),
    );
    ctx.metrics.sessions = () => this.#connections.size;
  }

  connectionCount(): number {
    return this.#connections.size;
  }

  async start(): Promise<void> {
    if (!cryptoBindingAvailable()) {
      this.ctx.log.warn(
        { component: 'sftp' },
        "ssh2's native crypto binding is not loaded: chacha20-poly1305 and AES-GCM run slower (rebuild ssh2 with a compiler)",
      );
    }
    this.#stopped = false;
    await this.reconcile();
    this.#timer = setInterval(() => {
      this.reconcile().catch((err: unknown) =>
        this.ctx.log.error({ err, component: 'sftp' }, 'cannot reconcile the SFTP listeners'),
      );
    }, this.pollMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
    const all = [...this.#listeners.values()];
    this.#listeners.clear();
    await Promise.all(all.map((l) => l.close()));
    for (const l of all) this.ctx.services.set(l.server.name, 'Offline', 'the node is stopping');
  }

  async closeAllSessions(): Promise<void> {
    await Promise.allSettled([...this.#connections].map((c) => c.end()));
  }

  listeners(): ListenerInfo[] {
    return [...this.#listeners.values()].map((l) => l.info());
  }

  reconcile(): Promise<void> {
    // One pass at a time: a slow pass is joined, not overlapped.
    this.#running ??= this.#reconcile().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #reconcile(): Promise<void> {
    if (this.#stopped) return;
    const servers = (await this.ctx.stores.servers.all()).filter((s) => s.protocol.toLowerCase() === 'sftp');
    const byId = new Map(servers.map((s) => [s.id, s]));
    for (const [id, l] of [...this.#listeners]) {
      const s = byId.get(id);
      if (s !== undefined && s.enabled && s.revision === l.server.revision && this.#bind(s) === l.bindAddress)
        continue;
      await l.close();
      this.#listeners.delete(id);
      if (s === undefined || !s.enabled) {
        // Gone or disabled: its partners are cut off too (their transfers stay resumable).
        await this.#endSessionsOf(id);
        this.ctx.log.info({ component: 'sftp', server: l.server.name }, 'SFTP listener stopped');
      } else {
        this.ctx.log.info(
          { component: 'sftp', server: s.name },
          'SFTP server changed: restarting its listener',
        );
      }
    }
    for (const s of servers) {
      if (this.#stopped) return;
      if (!s.enabled) {
        this.#report(s, 'Offline', 'disabled');
        continue;
      }
      if (!this.#listeners.has(s.id)) await this.#startListener(s);
    }
    for (const [id, name] of [...this.#reported]) {
      if (!byId.has(id)) {
        this.ctx.services.delete(name);
        this.#reported.delete(id);
        this.#failed.delete(id);
      }
    }
  }

  #bind(s: Server): string {
    return this.ctx.config.indirection.resolve(s.address);
  }

  async #startListener(s: Server): Promise<void> {
    const attempt = `${s.revision}|${this.#bind(s)}`;
    try {
      const l = await SftpListener.start(this.ctx, s, this.#transfers, this.#startups, (c) => {
        this.#connections.add(c);
        void c.closed.then(() => this.#connections.delete(c));
      });
      if (this.#stopped) {
        await l.close();
        return;
      }
      this.#listeners.set(s.id, l);
      this.#failed.delete(s.id);
      this.#report(s, 'Running', '');
      const info = l.info();
      this.ctx.log.info(
        { component: 'sftp', server: s.name, address: info.address, port: info.port },
        'SFTP listening',
      );
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#report(s, 'Error', reason);
      // Retried at every pass; logged once per revision and address.
      if (this.#failed.get(s.id) !== attempt) {
        this.#failed.set(s.id, attempt);
        this.ctx.log.error({ component: 'sftp', server: s.name, err }, 'cannot start the SFTP listener');
      }
    }
  }

  #report(s: Server, state: 'Running' | 'Offline' | 'Error', reason: string): void {
    const previous = this.#reported.get(s.id);
    if (previous !== undefined && previous !== s.name) this.ctx.services.delete(previous);
    this.#reported.set(s.id, s.name);
    this.ctx.services.set(s.name, state, reason);
  }

  async #endSessionsOf(serverId: number): Promise<void> {
    const of = [...this.#connections].filter((c) => c.serverId === serverId);
    await Promise.allSettled(of.map((c) => c.end()));
  }
}
