/**
 * The brute-force defence as SFTP and REST apply it (`[security]` of gatewayd.ini). Failed
 * logins are counted per client address and protocol for the whole cluster (the database);
 * `MaxLoginFailures` of them within `FailureWindow` ban the address from that protocol for
 * `BanDuration`; a successful login forgets the failures; `ExemptAddresses` (the operators' own
 * hosts, loopback by default) are never counted nor banned.
 */
import type { BanPolicy, LoginProtocol, LoginStanding } from '../db/stores/bans.js';
import type { GatewayContext } from '../gateway/context.js';
import { ipInList } from '../util/ip.js';

const clean: LoginStanding = { failures: 0, bannedUntil: undefined };

export class LoginBans {
  readonly #policy: BanPolicy;

  constructor(private readonly ctx: Pick<GatewayContext, 'config' | 'stores' | 'metrics' | 'now'>) {
    const { security } = ctx.config;
    this.#policy = {
      maxFailures: security.maxLoginFailures,
      windowMs: security.failureWindowMs,
      banMs: security.banDurationMs,
    };
  }

  /** Whether `source` is out of the defence's reach (`[security] ExemptAddresses`). */
  exempt(source: string): boolean {
    return ipInList(source, this.ctx.config.security.exemptAddresses);
  }

  /** What stands against `source` on `protocol`: nothing when the defence is off or it is exempt. */
  standing(source: string, protocol: LoginProtocol): Promise<LoginStanding> {
    if (this.#policy.maxFailures <= 0 || this.exempt(source)) return Promise.resolve(clean);
    return this.ctx.stores.bans.standing(source, protocol, this.ctx.now());
  }

  /** Counts a failed login; resolves to the ban's end when the address is banned (now or already). */
  failed(source: string, protocol: LoginProtocol): Promise<number | undefined> {
    this.ctx.metrics.loginFailures++;
    if (this.#policy.maxFailures <= 0 || this.exempt(source)) return Promise.resolve(undefined);
    return this.ctx.stores.bans.recordFailure(source, protocol, this.ctx.now(), this.#policy);
  }

  /**
   * A login succeeded: the failures counted against the address are forgotten. `hadFailures`
   * (known from `standing` or from this connection) spares the write on every clean login.
   */
  async succeeded(source: string, protocol: LoginProtocol, hadFailures: boolean): Promise<void> {
    if (!hadFailures || this.#policy.maxFailures <= 0 || this.exempt(source)) return;
    await this.ctx.stores.bans.recordSuccess(source, protocol, this.ctx.now());
  }
}

/** What a banned client is told (SSH disconnect message, REST error). */
export function bannedMessage(until: number, now: number): string {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return `too many failed logins from this address: banned for ${seconds} s`;
}
