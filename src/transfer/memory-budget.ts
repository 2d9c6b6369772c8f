/**
 * A node-wide bound on bytes held in memory (upload data received and not yet on disk): users
 * `take` and `give` bytes; whoever must stop while it is over its high-water mark waits to be
 * woken at its low-water mark.
 */
export class MemoryBudget {
  #used = 0;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly highWater: number,
    readonly lowWater: number,
  ) {}

  get used(): number {
    return this.#used;
  }

  /** True above the high-water mark. */
  get over(): boolean {
    return this.#used > this.highWater;
  }

  /** True at or below the low-water mark. */
  get roomy(): boolean {
    return this.#used <= this.lowWater;
  }

  take(n: number): void {
    this.#used += n;
  }

  give(n: number): void {
    this.#used -= n;
    if (this.#waiters.size > 0 && this.roomy) {
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const w of waiters) w();
    }
  }

  /** `wake` runs once, the next time the budget falls to its low-water mark. */
  wait(wake: () => void): void {
    this.#waiters.add(wake);
  }

  cancel(wake: () => void): void {
    this.#waiters.delete(wake);
  }
}
