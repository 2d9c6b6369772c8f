/**
 * What every service of a running node shares: configuration, stores, secrets, logger,
 * identity and the node's health. Built once by the daemon (`startNode` in src/daemon/node.ts)
 * and by the test harness (test/support/context.ts). The long-lived services (listeners, cluster
 * loops, executors) take it whole; a module that needs only a part says which, in its own
 * parameter type (`{ stores, log }`, `Pick<GatewayContext, …>`), so that its needs show and a
 * test can give just those.
 */
import type { GatewayConfig } from '../config/types.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Stores } from '../db/stores/index.js';
import type { Metrics } from '../cluster/metrics.js';
import type { SharedVolume } from '../cluster/volume.js';
import type { Logger } from '../log.js';
import type { RunningTransfers } from '../transfer/registry.js';

export type ServiceState = 'Offline' | 'Running' | 'Error';

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  reason: string;
}

/** Services report their state here for /api/about and /api/status. */
export class ServiceRegistry {
  readonly #services = new Map<string, ServiceStatus>();

  set(name: string, state: ServiceState, reason = ''): void {
    this.#services.set(name, { name, state, reason });
  }

  delete(name: string): void {
    this.#services.delete(name);
  }

  list(): ServiceStatus[] {
    return [...this.#services.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Liveness facts that readiness and the cluster runtime read and write. */
export class NodeHealth {
  /** SIGTERM received: not ready, no new connections or claims; open sessions go on. */
  draining = false;
  /** The drain's grace is over: the sessions left are being closed, they start no transfer. */
  closing = false;
  /** Last database round trip succeeded. */
  databaseUp = true;
  /** Started and registered. */
  started = false;
  /** Why this node's clock is too far from the database's to record times (MaxClockSkew). */
  clockProblem: string | undefined;
  /** Why this node cannot use the shared volume (GatewayHome unmounted, read-only). */
  volumeProblem: string | undefined;

  get ready(): boolean {
    return (
      this.started &&
      this.databaseUp &&
      !this.draining &&
      this.clockProblem === undefined &&
      this.volumeProblem === undefined
    );
  }

  /** Why new transfers must go to another node, if they must (besides draining). */
  get refusesWork(): string | undefined {
    return this.clockProblem ?? this.volumeProblem;
  }
}

export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly stores: Stores;
  readonly secrets: SecretBox;
  readonly log: Logger;
  /** This node's name: `-i` instance, else the GatewayName (a lone node). */
  readonly nodeName: string;
  readonly version: string;
  readonly services: ServiceRegistry;
  readonly health: NodeHealth;
  /** Transfers this process is running (server and client side). */
  readonly running: RunningTransfers;
  /** Counters for GET /metrics. */
  readonly metrics: Metrics;
  /** The shared volume check (the daemon's; absent in tests that run no cluster loops). */
  readonly volume?: SharedVolume;
  /**
   * This node's clock, for the times it records (start, stop, retries). Leases, heartbeats and
   * liveness never use it: they are on the database's clock (src/cluster/clock.ts).
   */
  now(): number;
}
