/**
 * Connections that have not logged in yet, bounded on this node as OpenSSH bounds them
 * (`[security] LoginGraceTime`, `PerSourceMaxStartups`, `MaxStartups`): each has the grace time
 * to authenticate, at most `perSource` of them come from one address (exempt addresses aside)
 * and `total` from all addresses together. A cap that starts refusing is logged once, and once
 * more with the number refused when it stops, so that a flood cannot flood the log.
 */
import type { Logger } from '../log.js';
import { ipInList } from '../util/ip.js';

export interface StartupPolicy {
  /** Time to authenticate, from the TCP accept; 0: no limit. */
  readonly graceMs: number;
  /** Unauthenticated connections per client address; 0: no cap. */
  readonly perSource: number;
  /** Unauthenticated connections on the node; 0: no cap. */
  readonly total: number;
  /** Addresses the per-source cap does not apply to. */
  readonly exempt: readonly string[];
}

/** One connection on its way to a login. Every method may be called more than once. */
export interface Startup {
  /** Its client address is known: false (and no longer counted) when that address has too many waiting. */
  identify(client: string): boolean;
  /** It logged in, or closed: it no longer counts. */
  end(): void;
}

/** Key of the node-wide cap in the refusal counts (no address is empty). */
const node = '';

export class StartupLimits {
  #total = 0;
  readonly #bySource = new Map<string, number>();
  /** Connections refused since a cap began to act, by address (`node` for the node-wide cap). */
  readonly #refused = new Map<string, number>();

  constructor(
    private readonly policy: StartupPolicy,
    private readonly log: Logger,
  ) {}

  /** Connections waiting to log in (all, or from one address). */
  waiting(client?: string): number {
    return client === undefined ? this.#total : (this.#bySource.get(client) ?? 0);
  }

  /**
   * A TCP connection from `peer` was accepted: counts it and starts its grace time
   * (`onExpired` ends it). Undefined, and not counted, when the node has too many waiting.
   */
  open(peer: string, onExpired: () => void): Startup | undefined {
    if (this.policy.total > 0 && this.#total >= this.policy.total) {
      this.#refuse(node, { peer, waiting: this.#total, limit: this.policy.total }, 'MaxStartups');
      return undefined;
    }
    this.#total++;
    let client: string | undefined;
    let ended = false;
    const opened = Date.now();
    const timer =
      this.policy.graceMs > 0
        ? setTimeout(() => {
            this.log.warn(
              { peer, client, waitedMs: Date.now() - opened },
              'login grace time over: unauthenticated connection closed ([security] LoginGraceTime)',
            );
            end();
            onExpired();
          }, this.policy.graceMs)
        : undefined;
    timer?.unref();
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      this.#total--;
      if (client !== undefined) this.#release(client);
      this.#eased(node, this.#total, this.policy.total);
    };
    return {
      identify: (address) => {
        if (ended || client !== undefined) return true;
        const waiting = this.#bySource.get(address) ?? 0;
        const cap = this.policy.perSource;
        if (cap > 0 && waiting >= cap && !ipInList(address, this.policy.exempt)) {
          this.#refuse(address, { client: address, waiting, limit: cap }, 'PerSourceMaxStartups');
          end();
          return false;
        }
        client = address;
        this.#bySource.set(address, waiting + 1);
        return true;
      },
      end,
    };
  }

  #release(client: string): void {
    const left = (this.#bySource.get(client) ?? 1) - 1;
    if (left === 0) this.#bySource.delete(client);
    else this.#bySource.set(client, left);
    this.#eased(client, left, this.policy.perSource);
  }

  #refuse(key: string, fields: Record<string, unknown>, setting: string): void {
    const count = this.#refused.get(key);
    this.#refused.set(key, (count ?? 0) + 1);
    if (count === undefined) {
      this.log.warn(
        fields,
        `too many unauthenticated connections${key === node ? ' on this node' : ' from one address'}: ` +
          `refusing new ones ([security] ${setting})`,
      );
    }
  }

  /** Logs the end of a cap's refusals once it is below its limit again. */
  #eased(key: string, waiting: number, limit: number): void {
    const refused = this.#refused.get(key);
    if (refused === undefined || waiting >= limit) return;
    this.#refused.delete(key);
    this.log.info(
      key === node ? { refused } : { client: key, refused },
      'unauthenticated connections below the limit again: accepting new ones',
    );
  }
}
