/**
 * Runs `tick` every `intervalMs`, never overlapping itself; errors go to `onError`. The pause is
 * counted from the end of a tick, or with `fixedRate` from its start (a slow tick is followed by
 * the next one at once), so that ticks stay `intervalMs` apart whatever they cost.
 */
export class Ticker {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #startedAt = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly fixedRate = false,
  ) {}

  start(runNow = true): void {
    this.#stopped = false;
    if (runNow) this.#run();
    else this.#schedule();
  }

  /** Stops the loop and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Runs a tick now (if none is running), e.g. to react faster than the interval. */
  async runNow(): Promise<void> {
    if (this.#running === undefined) this.#run();
    await this.#running;
  }

  #run(): void {
    clearTimeout(this.#timer);
    this.#startedAt = performance.now();
    this.#running = this.tick()
      .catch(this.onError)
      .finally(() => {
        this.#running = undefined;
        this.#schedule();
      });
  }

  #schedule(): void {
    if (this.#stopped) return;
    const wait = this.fixedRate
      ? Math.max(0, this.#startedAt + this.intervalMs - performance.now())
      : this.intervalMs;
    this.#timer = setTimeout(() => this.#run(), wait);
    this.#timer.unref();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
