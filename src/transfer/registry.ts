/**
 * The transfers this process is running right now, whatever the protocol or side.
 * The action poller (pause/cancel asked through any node), the drain on SIGTERM and the
 * per-node limits all go through it.
 */

export type StopReason = 'pause' | 'cancel' | 'interrupt';

export interface RunningTransfer {
  readonly id: number;
  /** 'server': a partner connected to us; 'client': we connected to a partner. */
  readonly side: 'server' | 'client';
  /**
   * Stops the transfer and records the outcome in the database (PAUSED, CANCELLED or
   * INTERRUPTED with progress saved and the lease released). Resolves once recorded.
   */
  stop(reason: StopReason): Promise<void>;
  /** Resolves when the transfer has ended, however it ended. */
  readonly finished: Promise<void>;
}

export class RunningTransfers {
  readonly #running = new Map<number, RunningTransfer>();

  add(t: RunningTransfer): void {
    this.#running.set(t.id, t);
    void t.finished.finally(() => {
      if (this.#running.get(t.id) === t) this.#running.delete(t.id);
    });
  }

  get(id: number): RunningTransfer | undefined {
    return this.#running.get(id);
  }

  count(side?: 'server' | 'client'): number {
    if (side === undefined) return this.#running.size;
    let n = 0;
    for (const t of this.#running.values()) if (t.side === side) n++;
    return n;
  }

  list(): RunningTransfer[] {
    return [...this.#running.values()];
  }
}
